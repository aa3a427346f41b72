package io.backstop.events;

/**
 * The body of an event. Implementations are immutable records named in the past tense, validated in
 * their compact constructors with {@link Contract}.
 */
public interface EventPayload {

    /** The Kafka record key: the entity whose events must stay in order (a symbol, an account...). */
    String key();
}
