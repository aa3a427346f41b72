-- The trace context of the work that decided each event (a W3C traceparent, null when tracing is off), sent by the
-- relay as the record's traceparent header so the consumer's span continues the trace. Not part of the payload.
ALTER TABLE outbox_event ADD COLUMN trace_parent text;
