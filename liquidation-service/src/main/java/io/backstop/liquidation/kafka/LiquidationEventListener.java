package io.backstop.liquidation.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.kit.inbox.InboxBatch;
import io.backstop.liquidation.engine.LiquidationDesk;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Margin calls and the exchange's executions, each applied exactly once: a poll is applied in one
 * transaction that records every eventId in the inbox and takes the calls in or accounts for the
 * executions (the kit's {@link InboxBatch}). A record the desk rejects (an unknown symbol, an execution
 * of an order already done) goes to the dead-letter topic with the reason; the records before it are
 * committed, the rest delivered again.
 */
@Component
class LiquidationEventListener {

    private final InboxBatch batch;
    private final InboxBatch.Handler handler;

    LiquidationEventListener(InboxBatch batch, LiquidationDesk desk) {
        this.batch = batch;
        this.handler = new InboxBatch.Handler() {
            @Override
            public void prepare(List<EventEnvelope<?>> events) {
                desk.prepare(events);
            }

            @Override
            public void apply(EventEnvelope<?> event) {
                if (event.payload() instanceof MarginCallIssued) {
                    desk.receive(event);
                } else if (event.payload() instanceof LiquidationOrderExecuted) {
                    desk.execute(event);
                }
            }
        };
    }

    /** Margin calls, on a consumer of their own, so a burst of calls never delays accounting for fills. */
    @KafkaListener(topics = "${backstop.kafka.topic-prefix}margin.calls", batch = "true")
    void onMarginCalls(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        batch.apply(records, handler);
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}liquidation.executions", batch = "true")
    void onExecutions(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        batch.apply(records, handler);
    }
}
