package io.backstop.margin.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.margin.engine.AccountEngine;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * What changes accounts, from Kafka: fills, liquidation fills and the waterfall's outcomes, applied
 * exactly once by the account engine (the offset moves only after the engine committed).
 */
@Component
class AccountEventListener {

    private final AccountEngine engine;

    AccountEventListener(AccountEngine engine) {
        this.engine = engine;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}trades.fills",
            "${backstop.kafka.topic-prefix}liquidation.fills",
            "${backstop.kafka.topic-prefix}insurance.takeovers",
            "${backstop.kafka.topic-prefix}adl.executions",
            "${backstop.kafka.topic-prefix}loss.socialized"},
            concurrency = "${backstop.margin.account-consumers:3}")
    void onAccountEvent(ConsumerRecord<String, EventEnvelope<?>> record) {
        engine.apply(record);
    }
}
