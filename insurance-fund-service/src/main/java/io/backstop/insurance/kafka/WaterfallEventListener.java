package io.backstop.insurance.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.inbox.EventProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Shortfalls, fee contributions, positions, executions and prices, consumed exactly once: each event is recorded in the inbox in the same transaction
 * that applies it. Events that break the contract never get here (they go to the dead-letter topic).
 */
@Component
class WaterfallEventListener {

    private static final Logger log = LoggerFactory.getLogger(WaterfallEventListener.class);

    private final EventProcessor processor;

    WaterfallEventListener(EventProcessor processor) {
        this.processor = processor;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}liquidation.shortfalls",
            "${backstop.kafka.topic-prefix}insurance.contributions",
            "${backstop.kafka.topic-prefix}account.positions",
            "${backstop.kafka.topic-prefix}liquidation.executions",
            "${backstop.kafka.topic-prefix}oracle.prices"})
    void on(ConsumerRecord<String, EventEnvelope<?>> record) {
        processor.processOnce(record, this::apply);
    }

    /** The service's domain is attached here by its own issue; until then an event is only recorded. */
    private void apply(EventEnvelope<?> event) {
        log.debug("recorded {} {} (key {})", event.type().wireName(), event.eventId(), event.key());
    }
}
