-- A fund per group of symbols: its money in the settlement asset (kept equal to the ledger balance of
-- account 'fund:<group>') and a sequence for its insurance.fund events.
CREATE TABLE fund (
    group_name  text        PRIMARY KEY,
    asset       text        NOT NULL,
    balance     numeric     NOT NULL,
    sequence    bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL
);

-- Positions the fund took over and has not unwound: signed size and exact cost (sum of quantity x price).
CREATE TABLE fund_inventory (
    group_name  text    NOT NULL REFERENCES fund (group_name),
    symbol      text    NOT NULL,
    size        numeric NOT NULL,
    cost        numeric NOT NULL,
    PRIMARY KEY (group_name, symbol)
);

-- The double-entry ledger: a transaction per movement, identified by its cause (idempotent), whose
-- postings sum to zero per asset; balances per (account, asset) maintained with every posting and
-- recomputable from the postings (GET /api/v1/ledger/check).
CREATE TABLE ledger_transaction (
    id              uuid        PRIMARY KEY,
    cause_event_id  uuid        NOT NULL,
    kind            text        NOT NULL,
    memo            text        NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX ledger_transaction_cause ON ledger_transaction (cause_event_id);

CREATE TABLE ledger_posting (
    transaction_id  uuid    NOT NULL REFERENCES ledger_transaction (id),
    line            integer NOT NULL,
    account         text    NOT NULL,
    asset           text    NOT NULL,
    amount          numeric NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (transaction_id, line)
);
CREATE INDEX ledger_posting_account ON ledger_posting (account, asset);

CREATE TABLE ledger_balance (
    account text    NOT NULL,
    asset   text    NOT NULL,
    balance numeric NOT NULL,
    PRIMARY KEY (account, asset)
);

-- What the waterfall decided for each shortfall (its steps, amounts, accounts, prices and why).
CREATE TABLE waterfall (
    shortfall_id    uuid        PRIMARY KEY,
    group_name      text        NOT NULL,
    account_id      text        NOT NULL,
    symbol          text        NOT NULL,
    decision        jsonb       NOT NULL,
    created_at      timestamptz NOT NULL
);

-- The latest positions of every account (from account.positions), for the ADL queue and the base of
-- a socialized loss; an account's rows are replaced by a newer snapshot and reduced by the ADL it suffers.
CREATE TABLE adl_account (
    account_id      text    PRIMARY KEY,
    sequence        bigint  NOT NULL,
    wallet_balance  numeric NOT NULL,
    equity          numeric NOT NULL,
    margin_ratio    numeric
);

CREATE TABLE adl_position (
    account_id      text    NOT NULL REFERENCES adl_account (account_id),
    symbol          text    NOT NULL,
    size            numeric NOT NULL,
    entry_price     numeric NOT NULL,
    PRIMARY KEY (account_id, symbol)
);
CREATE INDEX adl_position_symbol ON adl_position (symbol, (size > 0));

-- The fund's unwinding orders on liquidation.orders (IOC): OPEN until their execution arrives.
CREATE TABLE fund_order (
    id          uuid        PRIMARY KEY,
    group_name  text        NOT NULL REFERENCES fund (group_name),
    symbol      text        NOT NULL,
    side        text        NOT NULL,
    quantity    numeric     NOT NULL,
    limit_price numeric     NOT NULL,
    status      text        NOT NULL,
    filled      numeric     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX fund_order_open ON fund_order (group_name, symbol) WHERE status = 'OPEN';
