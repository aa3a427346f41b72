-- One outbox row per transaction (docs/performance.md, "One outbox row a transaction"): the events a transaction
-- appends, in append order, encoded together (OutboxFrames): a transaction inserts one row, and the relay deletes
-- one, where each was a row per event. outbox_event stays: bulk loaders COPY one event a row into it, and
-- the relay publishes what is there (including what an older version left) before any outbox_batch row.
CREATE TABLE outbox_batch (
    id           bigserial    PRIMARY KEY,
    event_count  integer      NOT NULL CHECK (event_count > 0),
    events       bytea        NOT NULL,   -- OutboxFrames: topic, key, trace context and payload of each event
    created_at   timestamptz  NOT NULL DEFAULT now()
);

-- A transaction's events are a few KB to a few hundred: past 2 KB PostgreSQL compresses the row and moves it out of
-- line. lz4 costs a fraction of the default pglz's CPU; a server built without it keeps the default.
DO $$
BEGIN
    ALTER TABLE outbox_batch ALTER COLUMN events SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available: outbox_batch.events keeps the server''s default compression';
END;
$$;
