-- Who changed what through the API (docs/security.md, "Audit"): one row per state-changing call that passed
-- authorization, with its answer. Append-only: updates, deletes and truncation are refused by triggers, so even the
-- service's own role cannot rewrite it.
CREATE TABLE audit_event (
    id          bigserial    PRIMARY KEY,
    occurred_at timestamptz  NOT NULL,   -- the service's clock when the call was answered
    subject     text         NOT NULL,   -- the token's sub
    roles       text         NOT NULL,   -- the token's roles, comma-separated
    method      text         NOT NULL,
    path        text         NOT NULL,   -- the request's path, without the query
    status      integer      NOT NULL,   -- the answer's HTTP status
    request_id  text         NOT NULL,   -- the caller's X-Request-Id, else one the service made (sent back)
    trace_id    text                     -- the request's trace, when traced
);
CREATE INDEX audit_event_occurred_at ON audit_event (occurred_at, id);
CREATE INDEX audit_event_subject ON audit_event (subject, occurred_at);

CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_event_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();
