package io.backstop.liquidation.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.kit.inbox.EventProcessor;
import io.backstop.liquidation.engine.LiquidationDesk;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Margin calls and the exchange's executions, each applied exactly once: the inbox records the
 * eventId in the transaction that takes the call in or accounts for the execution. Events that break
 * the contract, or that the desk rejects (an unknown symbol, an execution of an order already done),
 * go to the dead-letter topic with the reason.
 */
@Component
class LiquidationEventListener {

    private final EventProcessor processor;
    private final LiquidationDesk desk;

    LiquidationEventListener(EventProcessor processor, LiquidationDesk desk) {
        this.processor = processor;
        this.desk = desk;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}margin.calls",
            "${backstop.kafka.topic-prefix}liquidation.executions"})
    void on(ConsumerRecord<String, EventEnvelope<?>> record) {
        processor.processOnce(record, event -> {
            if (event.payload() instanceof MarginCallIssued) {
                desk.receive(event);
            } else if (event.payload() instanceof LiquidationOrderExecuted) {
                desk.execute(event);
            }
        });
    }
}
