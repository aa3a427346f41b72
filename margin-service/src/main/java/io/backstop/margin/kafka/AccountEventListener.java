package io.backstop.margin.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.inbox.EventProcessor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Prices, fills and waterfall outcomes that change accounts, consumed exactly once: each event is recorded in the inbox in the same transaction
 * that applies it. Events that break the contract never get here (they go to the dead-letter topic).
 */
@Component
class AccountEventListener {

    private static final Logger log = LoggerFactory.getLogger(AccountEventListener.class);

    private final EventProcessor processor;

    AccountEventListener(EventProcessor processor) {
        this.processor = processor;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}oracle.prices",
            "${backstop.kafka.topic-prefix}trades.fills",
            "${backstop.kafka.topic-prefix}liquidation.fills",
            "${backstop.kafka.topic-prefix}insurance.takeovers",
            "${backstop.kafka.topic-prefix}adl.executions",
            "${backstop.kafka.topic-prefix}loss.socialized"})
    void on(ConsumerRecord<String, EventEnvelope<?>> record) {
        processor.processOnce(record, this::apply);
    }

    /** The service's domain is attached here by its own issue; until then an event is only recorded. */
    private void apply(EventEnvelope<?> event) {
        log.debug("recorded {} {} (key {})", event.type().wireName(), event.eventId(), event.key());
    }
}
