package io.backstop.events;

/**
 * A message that cannot be accepted as an event of its topic: malformed JSON, a missing or mistyped
 * field, a value out of its allowed range, or an unknown event type. It names the topic, the field
 * (a path such as {@code payload.sources[2].price}, or {@code $} for the whole message) and the
 * reason, and is never retried: the message goes to the topic's dead-letter topic.
 */
public final class ContractViolation extends RuntimeException {

    private final String topic;
    private final String field;
    private final Reason reason;
    private final String detail;

    public ContractViolation(String topic, String field, Reason reason, String detail) {
        super("topic " + topic + ", field " + field + ": " + detail);
        this.topic = topic;
        this.field = field;
        this.reason = reason;
        this.detail = detail;
    }

    public String topic() {
        return topic;
    }

    public String field() {
        return field;
    }

    public Reason reason() {
        return reason;
    }

    public String detail() {
        return detail;
    }

    /** A small, fixed set of causes, usable as a metric tag. */
    public enum Reason {
        MALFORMED_JSON,
        MISSING_FIELD,
        WRONG_TYPE,
        INVALID_VALUE,
        UNKNOWN_TYPE,
        UNSUPPORTED_VERSION,
        WRONG_TOPIC,
        /** A valid event the consuming service cannot act on (for example an unknown symbol). */
        REJECTED_BY_CONSUMER;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
