package io.backstop.liquidation.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.inbox.EventProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Margin calls, prices and the exchange's executions, consumed exactly once: each event is recorded in the inbox in the same transaction
 * that applies it. Events that break the contract never get here (they go to the dead-letter topic).
 */
@Component
class LiquidationEventListener {

    private static final Logger log = LoggerFactory.getLogger(LiquidationEventListener.class);

    private final EventProcessor processor;

    LiquidationEventListener(EventProcessor processor) {
        this.processor = processor;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}margin.calls",
            "${backstop.kafka.topic-prefix}oracle.prices",
            "${backstop.kafka.topic-prefix}liquidation.executions"})
    void on(ConsumerRecord<String, EventEnvelope<?>> record) {
        processor.processOnce(record, this::apply);
    }

    /** The service's domain is attached here by its own issue; until then an event is only recorded. */
    private void apply(EventEnvelope<?> event) {
        log.debug("recorded {} {} (key {})", event.type().wireName(), event.eventId(), event.key());
    }
}
