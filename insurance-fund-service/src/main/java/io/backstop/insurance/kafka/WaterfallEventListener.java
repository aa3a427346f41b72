package io.backstop.insurance.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.insurance.engine.InsuranceDesk;
import io.backstop.insurance.engine.InsuranceStore;
import io.backstop.kit.inbox.InboxBatch;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Shortfalls, fee contributions and the executions of the fund's own unwinding orders, each applied
 * exactly once, a poll per transaction (the kit's {@link InboxBatch}). Executions of liquidation-service's
 * orders are not the fund's: they are skipped without an inbox entry.
 *
 * <p>The waterfall's polls are larger than the kit's 500 records ({@code backstop.insurance.waterfall-poll-records},
 * 5,000): a poll's shortfalls plan against one reading of each ADL side they deleverage (ADR 24), and that reading is
 * a statement over the whole side however few shortfalls share it, so a deep backlog is worked off in fewer, fuller
 * transactions. A poll takes only what has arrived: with no backlog, a shortfall is still a poll of its own.
 */
@Component
class WaterfallEventListener {

    private final InboxBatch batch;
    private final InsuranceDesk desk;
    private final InsuranceStore store;

    WaterfallEventListener(InboxBatch batch, InsuranceDesk desk, InsuranceStore store) {
        this.batch = batch;
        this.desk = desk;
        this.store = store;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}liquidation.shortfalls",
            "${backstop.kafka.topic-prefix}insurance.contributions",
            "${backstop.kafka.topic-prefix}adl.settlements"}, batch = "true",
            properties = "max.poll.records=${backstop.insurance.waterfall-poll-records:5000}")
    void onWaterfall(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        batch.apply(records, desk.batch());
    }

    /** On a consumer of its own: every liquidation's execution passes here, the fund's are few. */
    @KafkaListener(topics = "${backstop.kafka.topic-prefix}liquidation.executions", batch = "true")
    void onExecutions(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        InboxBatch.Handler fund = desk.batch();
        batch.apply(records, new InboxBatch.Handler() {
            Set<UUID> ours = Set.of();

            @Override
            public void prepare(List<EventEnvelope<?>> events) {
                ours = store.fundOrderIds(events.stream()
                        .map(e -> ((LiquidationOrderExecuted) e.payload()).orderId()).toList());
                fund.prepare(events);
            }

            @Override
            public boolean relevant(EventEnvelope<?> event) {
                return ours.contains(((LiquidationOrderExecuted) event.payload()).orderId());
            }

            @Override
            public void apply(EventEnvelope<?> event) {
                fund.apply(event);
            }

            @Override
            public void finish() {
                fund.finish();
            }
        });
    }
}
