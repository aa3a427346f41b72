package io.backstop.kit.inbox;

import io.backstop.events.EventEnvelope;
import org.slf4j.MDC;

/**
 * While an event is applied, every log line the service writes carries it: {@code eventId}, {@code eventType},
 * {@code causationId} and {@code topic} in the logging context (SLF4J's MDC), which Spring Boot's structured
 * logging ({@code logging.structured.format.console=ecs}, set on Kubernetes) writes as fields of each JSON line.
 * So a liquidation's log lines can be found by the event that caused them, across the services.
 */
public final class EventLogContext implements AutoCloseable {

    public static final String EVENT_ID = "eventId";
    public static final String EVENT_TYPE = "eventType";
    public static final String CAUSATION_ID = "causationId";
    public static final String TOPIC = "topic";

    private EventLogContext() {
    }

    /** Puts {@code event} in the logging context until {@link #close()}. */
    public static EventLogContext of(String topic, EventEnvelope<?> event) {
        MDC.put(EVENT_ID, String.valueOf(event.eventId()));
        MDC.put(EVENT_TYPE, event.type().wireName());
        if (event.causationId() != null) {
            MDC.put(CAUSATION_ID, event.causationId().toString());
        }
        MDC.put(TOPIC, topic);
        return new EventLogContext();
    }

    @Override
    public void close() {
        MDC.remove(EVENT_ID);
        MDC.remove(EVENT_TYPE);
        MDC.remove(CAUSATION_ID);
        MDC.remove(TOPIC);
    }
}
