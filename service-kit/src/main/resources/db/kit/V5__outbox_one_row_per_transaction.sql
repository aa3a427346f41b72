-- The outbox in rows of many events (docs/performance.md, "Outbox rows of many events"): the events a transaction
-- appends, in append order, encoded together (OutboxFrames): a row per 7 KB of a transaction's events, inserted
-- in one statement and deleted once relayed, where it was a row and two index entries per event. outbox_event stays: bulk loaders COPY one event a row into it, and
-- the relay publishes what is there (including what an older version left) before any outbox_batch row.
CREATE TABLE outbox_batch (
    id           bigserial    PRIMARY KEY,
    event_count  integer      NOT NULL CHECK (event_count > 0),
    events       bytea        NOT NULL,   -- OutboxFrames: topic, key, trace context and payload of each event
    created_at   timestamptz  NOT NULL DEFAULT now()
);

-- Outbox packs a transaction's events into rows of up to 7 KB (Outbox.ROW_BYTES). Past 2 KB PostgreSQL would compress
-- such a row and cut it into TOAST chunks, each one more row to write, index and delete: up to a page, it keeps it
-- whole. A single event larger than that is compressed (lz4, a fraction of the default pglz's CPU, where the server
-- has it) and moved out of line as before.
ALTER TABLE outbox_batch SET (toast_tuple_target = 8160);
DO $$
BEGIN
    ALTER TABLE outbox_batch ALTER COLUMN events SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available: outbox_batch.events keeps the server''s default compression';
END;
$$;
