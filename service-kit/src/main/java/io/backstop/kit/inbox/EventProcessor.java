package io.backstop.kit.inbox;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies a consumed event exactly once: in one database transaction it records the eventId in the
 * inbox and, only if that is the first delivery, runs the handler (which changes state and appends to
 * the outbox in the same transaction). A redelivery, or a replay after a crash, changes nothing.
 * Counts outcomes in {@code backstop.events.consumed{topic,outcome}}.
 */
public class EventProcessor {

    private final Inbox inbox;
    private final TransactionTemplate tx;
    private final MeterRegistry meters;
    private final String topicPrefix;

    public EventProcessor(Inbox inbox, TransactionTemplate tx, MeterRegistry meters, String topicPrefix) {
        this.inbox = inbox;
        this.tx = tx;
        this.meters = meters;
        this.topicPrefix = topicPrefix;
    }

    /**
     * @return true when the handler ran (first delivery), false for a duplicate
     */
    public boolean processOnce(ConsumerRecord<String, EventEnvelope<?>> record, Consumer<EventEnvelope<?>> handler) {
        EventEnvelope<?> event = record.value();
        Boolean applied = tx.execute(status -> {
            if (!inbox.recordFirstDelivery(event.eventId(), record.topic(), record.partition(), record.offset())) {
                return false;
            }
            try (EventLogContext logged = EventLogContext.of(record.topic(), event)) {
                handler.accept(event);
            }
            return true;
        });
        boolean first = Boolean.TRUE.equals(applied);
        Counter.builder("backstop.events.consumed")
                .description("Events consumed, by topic and outcome (applied or duplicate)")
                .tag("topic", Topic.fromName(record.topic(), topicPrefix).map(Topic::baseName).orElse(record.topic()))
                .tag("outcome", first ? "applied" : "duplicate")
                .register(meters)
                .increment();
        return first;
    }
}
