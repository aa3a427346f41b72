-- The transactional outbox and inbox every Backstop service uses for exactly-once processing:
-- a consumer records the eventId it processed (inbox), changes its state, and appends the events it
-- emits (outbox), all in one transaction; the relay publishes the outbox to Kafka afterwards.
-- Kept in its own Flyway history table (kit_schema_history) so kit and service versions never collide.

CREATE TABLE outbox_event (
    id           bigserial    PRIMARY KEY,
    event_id     uuid         NOT NULL UNIQUE,
    topic        text         NOT NULL,   -- base name, without the deployment prefix
    record_key   text         NOT NULL,
    event_type   text         NOT NULL,
    payload      bytea        NOT NULL,   -- the encoded envelope, exactly as it will be published
    created_at   timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE inbox_event (
    event_id     uuid         PRIMARY KEY,
    topic        text         NOT NULL,
    kafka_partition integer   NOT NULL,
    kafka_offset bigint       NOT NULL,
    processed_at timestamptz  NOT NULL DEFAULT now()
);

CREATE INDEX inbox_event_processed_at ON inbox_event (processed_at);
