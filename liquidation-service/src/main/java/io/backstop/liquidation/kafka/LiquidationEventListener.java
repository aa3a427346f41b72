package io.backstop.liquidation.kafka;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.InvalidField;
import io.backstop.events.Topic;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.kit.BackstopProperties;
import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.kafka.PolledBatch;
import io.backstop.liquidation.engine.LiquidationDesk;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Margin calls and the exchange's executions, each applied exactly once: a poll is applied in one
 * transaction that records every eventId in the inbox and takes the calls in or accounts for the
 * executions, so a burst costs one commit per poll. A record that breaks the contract, or that the
 * desk rejects (an unknown symbol, an execution of an order already done), stops the poll at its
 * index: what came before is committed, it goes to the dead-letter topic with the reason, the rest is
 * delivered again.
 */
@Component
class LiquidationEventListener {


    private final Inbox inbox;
    private final LiquidationDesk desk;
    private final TransactionTemplate tx;
    private final MeterRegistry meters;
    private final String prefix;

    LiquidationEventListener(Inbox inbox, LiquidationDesk desk, TransactionTemplate tx, MeterRegistry meters,
                             BackstopProperties backstop) {
        this.inbox = inbox;
        this.desk = desk;
        this.tx = tx;
        this.meters = meters;
        this.prefix = backstop.getKafka().getTopicPrefix();
    }

    /** A record the desk rejected, and where it is in the poll. */
    private static final class Rejected extends RuntimeException {
        final int index;

        Rejected(int index, RuntimeException cause) {
            super(cause);
            this.index = index;
        }
    }

    /** Margin calls, on a consumer of their own, so a burst of calls never delays accounting for fills. */
    @KafkaListener(topics = "${backstop.kafka.topic-prefix}margin.calls", batch = "true")
    void onMarginCalls(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        on(records);
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}liquidation.executions", batch = "true")
    void onExecutions(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        on(records);
    }

    private void on(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        int readable = PolledBatch.readable(records);
        try {
            applyAll(records.subList(0, readable));
        } catch (Rejected rejected) {
            // nothing of the poll is committed: commit what came before the rejected record, then fail at it
            List<ConsumerRecord<String, EventEnvelope<?>>> before = records.subList(0, rejected.index);
            try {
                applyAll(before);
            } catch (RuntimeException e) {
                throw new BatchListenerFailedException("applying the records before a rejected one failed", e, 0);
            }
            RuntimeException cause = (RuntimeException) rejected.getCause();
            throw new BatchListenerFailedException(cause.getMessage(), cause, rejected.index);
        } catch (RuntimeException e) {
            throw new BatchListenerFailedException("applying a poll failed: " + e.getMessage(), e, 0);
        }
        PolledBatch.failIfUnreadable(records, readable);
    }

    private void applyAll(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        if (records.isEmpty()) {
            return;
        }
        java.util.Map<String, int[]> outcomes = new java.util.HashMap<>();
        tx.executeWithoutResult(status -> {
            outcomes.clear();
            desk.prepare(records.stream().<EventEnvelope<?>>map(ConsumerRecord::value).toList());
            java.util.Set<java.util.UUID> first = inbox.recordFirstDeliveries(records.stream()
                    .map(r -> new Inbox.Delivery(r.value().eventId(), r.topic(), r.partition(), r.offset())).toList());
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, EventEnvelope<?>> record = records.get(i);
                EventEnvelope<?> event = record.value();
                int[] outcome = outcomes.computeIfAbsent(record.topic(), t -> new int[2]);
                if (!first.remove(event.eventId())) {
                    outcome[1]++;
                    continue;
                }
                try {
                    if (event.payload() instanceof MarginCallIssued) {
                        desk.receive(event);
                    } else if (event.payload() instanceof LiquidationOrderExecuted) {
                        desk.execute(event);
                    }
                } catch (ContractViolation | InvalidField e) {
                    throw new Rejected(i, e);
                }
                outcome[0]++;
            }
        });
        outcomes.forEach((name, outcome) -> {
            String topic = Topic.fromName(name, prefix).map(Topic::baseName).orElse(name);
            count(topic, "applied", outcome[0]);
            count(topic, "duplicate", outcome[1]);
        });
    }

    private void count(String topic, String outcome, int n) {
        if (n > 0) {
            Counter.builder("backstop.events.consumed")
                    .description("Events consumed, by topic and outcome (applied or duplicate)")
                    .tag("topic", topic).tag("outcome", outcome).register(meters).increment(n);
        }
    }
}
