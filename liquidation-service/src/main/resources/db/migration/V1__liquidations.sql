-- One row per margin call received: its liquidation, or why there is none (recovered, already in
-- progress). The margin call's eventId is unique: one call, one outcome. At most one open (queued or
-- active) liquidation per account scope. The scope's state (equity at marks, positions, collateral)
-- is a JSON document with decimals as strings; it moves with every fill.
CREATE TABLE liquidation (
    id              uuid        PRIMARY KEY,
    margin_call_id  uuid        NOT NULL UNIQUE,
    account_id      text        NOT NULL,
    scope           text        NOT NULL,
    status          text        NOT NULL,
    round           integer     NOT NULL DEFAULT 0,
    health          numeric     NOT NULL,
    notional        numeric     NOT NULL,
    state           jsonb       NOT NULL,
    outcome         jsonb,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX liquidation_open_per_scope ON liquidation (account_id, scope)
    WHERE status IN ('QUEUED', 'ACTIVE');
CREATE INDEX liquidation_queued ON liquidation (status) WHERE status = 'QUEUED';

-- Orders sent to the exchange (OPEN until its execution arrives), or slices waiting for their turn
-- (SCHEDULED, placed once not_before has passed).
CREATE TABLE liquidation_order (
    id                uuid        PRIMARY KEY,
    liquidation_id    uuid        NOT NULL REFERENCES liquidation (id),
    symbol            text        NOT NULL,
    side              text        NOT NULL,
    quantity          numeric     NOT NULL,
    limit_price       numeric     NOT NULL,
    slice             integer     NOT NULL,
    round             integer     NOT NULL,
    status            text        NOT NULL,
    not_before        timestamptz NOT NULL,
    filled_quantity   numeric     NOT NULL DEFAULT 0,
    cancelled_quantity numeric    NOT NULL DEFAULT 0,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX liquidation_order_by_liquidation ON liquidation_order (liquidation_id, status);
CREATE INDEX liquidation_order_due ON liquidation_order (not_before) WHERE status = 'SCHEDULED';

-- Every liquidation fill, for the public history (paged by time).
CREATE TABLE liquidation_fill (
    trade_id          text        PRIMARY KEY,
    liquidation_id    uuid        NOT NULL REFERENCES liquidation (id),
    order_id          uuid        NOT NULL,
    account_id        text        NOT NULL,
    symbol            text        NOT NULL,
    side              text        NOT NULL,
    quantity          numeric     NOT NULL,
    price             numeric     NOT NULL,
    realized_pnl      numeric     NOT NULL,
    fee               numeric     NOT NULL,
    remainder         numeric     NOT NULL,
    bankruptcy_price  numeric     NOT NULL,
    executed_at       timestamptz NOT NULL
);
CREATE INDEX liquidation_fill_by_time ON liquidation_fill (executed_at, trade_id);
CREATE INDEX liquidation_fill_by_account ON liquidation_fill (account_id, executed_at);
