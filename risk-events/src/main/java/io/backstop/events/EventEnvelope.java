package io.backstop.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * An event as it travels: identity, type, version, time, cause, per-key order, and the payload.
 * Consumers deduplicate by {@code eventId}; sequenced topics' consumers also drop events whose
 * {@code sequence} is not newer than the last applied one for the key.
 *
 * @param eventId     unique identity; a redelivery carries the same one
 * @param occurredAt  when the producing service decided it (its injected clock)
 * @param causationId the eventId of the event that caused this one, or null for an external cause
 * @param sequence    per-key sequence, required on {@link Topic#sequenced()} topics, else optional
 */
public record EventEnvelope<P extends EventPayload>(UUID eventId, EventType type, int version, Instant occurredAt,
                                                    UUID causationId, Long sequence, P payload) {

    public EventEnvelope {
        Contract.required("eventId", eventId);
        Contract.required("type", type);
        Contract.required("occurredAt", occurredAt);
        Contract.required("payload", payload);
        if (version < 1) {
            throw new InvalidField("version", "must be at least 1, got " + version);
        }
        if (!type.payloadClass().isInstance(payload)) {
            throw new InvalidField("payload", "is a " + payload.getClass().getSimpleName() + ", not a " + type.wireName());
        }
        if (sequence != null) {
            Contract.nonNegative("sequence", sequence);
        } else if (type.topic().sequenced()) {
            throw new InvalidField("sequence", "is required on " + type.topic().baseName());
        }
    }

    /** A new event of the payload's type at its current version, with a random id. */
    public static <P extends EventPayload> EventEnvelope<P> of(P payload, Instant occurredAt, UUID causationId,
                                                               Long sequence) {
        EventType type = EventType.of(payload);
        return new EventEnvelope<>(UUID.randomUUID(), type, type.version(), occurredAt, causationId, sequence, payload);
    }

    /**
     * A new event whose id is derived from its cause and a discriminator, so a service that processes
     * the same cause twice (after a crash, say) emits the same eventId and consumers drop the copy.
     */
    public static <P extends EventPayload> EventEnvelope<P> causedBy(UUID causationId, String discriminator,
                                                                     P payload, Instant occurredAt, Long sequence) {
        Contract.required("causationId", causationId);
        EventType type = EventType.of(payload);
        UUID id = UUID.nameUUIDFromBytes((causationId + "/" + type.wireName() + "/" + discriminator)
                .getBytes(StandardCharsets.UTF_8));
        return new EventEnvelope<>(id, type, type.version(), occurredAt, causationId, sequence, payload);
    }

    public Topic topic() {
        return type.topic();
    }

    /** The Kafka record key. */
    public String key() {
        return payload.key();
    }
}
