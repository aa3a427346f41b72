package io.backstop.events;

/**
 * A field of an event (or of a value inside one) breaks the contract. Thrown by the records' compact
 * constructors, so an invalid event can be neither built by a producer nor decoded by a consumer.
 * {@link io.backstop.events.json.EventJson} turns it into a {@link ContractViolation} that also names
 * the topic and the full path of the field.
 */
public final class InvalidField extends IllegalArgumentException {

    private final String field;
    private final String problem;

    public InvalidField(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** The field's name inside the record that rejected it, for example {@code price}. */
    public String field() {
        return field;
    }

    /** What is wrong with it, for example {@code must be positive, got -1}. */
    public String problem() {
        return problem;
    }
}
