-- Every ADL request the fund sent (PositionAutoDeleveraged, by its event id), written in the transaction that
-- appends it to the outbox. An answer (AdlLegSettled) is booked only for a request found here, and only as it was
-- asked: the same shortfall, ranked account, bankrupt account and side, symbol, quantity and price. An answer naming a
-- request the fund never sent, or changing what it asked, is refused before anything is booked: its ADL would
-- move the ledger at a price and quantity no one decided. Requests sent before this table existed are not here;
-- upgrade with no ADL leg waiting for its answer (docs/architecture.md, the waterfall's ADL step).
CREATE TABLE adl_request (
    request_id          uuid        PRIMARY KEY,
    shortfall_id        uuid        NOT NULL,
    account_id          text        NOT NULL,
    bankrupt_account_id text        NOT NULL,
    symbol              text        NOT NULL,
    bankrupt_side       text        NOT NULL,
    quantity            numeric     NOT NULL,
    price               numeric     NOT NULL,
    created_at          timestamptz NOT NULL
);
CREATE INDEX adl_request_shortfall ON adl_request (shortfall_id);
