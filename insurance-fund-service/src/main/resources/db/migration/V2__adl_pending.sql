-- Position changes the waterfall sent to margin-service (takeovers, ADL) that margin's snapshots have
-- not confirmed yet: a snapshot names the last waterfall event it reflects (its causationId), which
-- confirms that one and every earlier one of the account; the rest are applied on top of the snapshot,
-- so a snapshot taken before margin applied an ADL never restores a position already deleveraged.
-- Unconfirmed changes expire (margin restarted, or named a later event of another account's shortfall).
CREATE TABLE adl_pending (
    event_id    uuid        PRIMARY KEY,
    seq         bigserial   NOT NULL,
    account_id  text        NOT NULL,
    symbol      text        NOT NULL,
    delta       numeric     NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX adl_pending_account ON adl_pending (account_id, seq);
