-- Positions margin-service answered are closed: an ADL leg it settled for less than asked closed all the account held
-- on that side of the symbol (AdlLegSettled: applied = min(asked, what the position held)). The row keeps the
-- sequence of the account's snapshot the fund held then; the fund asks the account nothing more on the symbol
-- until a newer snapshot of it arrives (which deletes the row). margin publishes a snapshot only when it can price
-- the account, so without this a position whose price is missing stayed in the queue, and every shortfall asked it
-- again (53,038 requests to 1,035 accounts, docs/capacity.md).
CREATE TABLE adl_exhausted (
    account_id text   NOT NULL,
    symbol     text   NOT NULL,
    sequence   bigint NOT NULL,
    PRIMARY KEY (symbol, account_id)
);
CREATE INDEX adl_exhausted_account ON adl_exhausted (account_id);
