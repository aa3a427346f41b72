-- A bankrupt remainder handed to the fund stays here until the waterfall's outcomes (takeover, ADL of the
-- bankrupt side) have settled its whole quantity. Until then a new margin call of the same account scope
-- is not liquidated: margin-service issued it before it applied the waterfall, so the position it would
-- close is already the fund's or a counterparty's.
CREATE TABLE shortfall_pending (
    shortfall_id    uuid        PRIMARY KEY,
    liquidation_id  uuid        NOT NULL REFERENCES liquidation (id),
    account_id      text        NOT NULL,
    scope           text        NOT NULL,
    symbol          text        NOT NULL,
    quantity        numeric     NOT NULL CHECK (quantity > 0),
    settled         numeric     NOT NULL DEFAULT 0,
    raised_at       timestamptz NOT NULL
);
CREATE INDEX shortfall_pending_scope ON shortfall_pending (account_id, scope) WHERE settled < quantity;
