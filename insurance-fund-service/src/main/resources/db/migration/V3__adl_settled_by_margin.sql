-- ADL legs are requests to margin-service, the owner of every position: it closes what the ranked position
-- still holds and answers with AdlLegSettled. The fund no longer adjusts its view of positions, so the
-- unconfirmed changes it kept on top of margin's snapshots (V2) go; adl_position and adl_account are margin's
-- published snapshots, nothing else.
DROP TABLE adl_pending;

-- Every leg margin settled, by the answer's event id: what was asked and what margin closed. A leg that closed
-- less than asked excludes its account from the shortfall's re-plans. One answer per request: a second (another
-- event id) is rejected, never booked twice.
CREATE TABLE adl_settlement (
    event_id      uuid        PRIMARY KEY,
    request_id    uuid        NOT NULL UNIQUE,
    shortfall_id  uuid        NOT NULL,
    account_id    text        NOT NULL,
    requested     numeric     NOT NULL,
    applied       numeric     NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX adl_settlement_shortfall ON adl_settlement (shortfall_id);
