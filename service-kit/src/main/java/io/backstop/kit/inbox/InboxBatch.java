package io.backstop.kit.inbox;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.InvalidField;
import io.backstop.events.Topic;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.backstop.kit.kafka.PolledBatch;
import io.backstop.kit.tracing.EventTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A batch listener's poll applied exactly once, in one transaction: every eventId is recorded in the
 * inbox and each first delivery is handed to the handler, in order, so a burst costs one commit per
 * poll. A record the handler rejects ({@link ContractViolation} or {@link InvalidField}) splits the
 * poll: the transaction is rolled back, what came before the record is committed in a transaction of its own
 * and the rest applied likewise (the record gets no inbox entry, so a redelivery rejects it again); once the
 * poll is applied, the rejected records go to their dead-letter topic with the reason, together
 * ({@link PolledBatch#apply}). Unreadable records likewise. Any other failure fails the poll at the
 * record it comes from, to be retried by the error handler. Counts {@code backstop.events.consumed{topic,outcome}}.
 * Each applied event has its span, continuing the trace of the work that emitted it ({@link EventTracing#applying}).
 */
public class InboxBatch {

    /** What a service does with a poll, inside its transaction. */
    public interface Handler {
        /** Before the inbox, with every event of the poll (for example to read what they touch in one query). */
        default void prepare(List<EventEnvelope<?>> events) {
        }

        /**
         * Whether the service applies this event at all (after {@link #prepare}); one it does not is
         * skipped without an inbox entry, counted as {@code ignored}.
         */
        default boolean relevant(EventEnvelope<?> event) {
            return true;
        }

        /** One first delivery. */
        void apply(EventEnvelope<?> event);

        /** After the last event, still inside the transaction (for example to write what the events changed). */
        default void finish() {
        }
    }

    private final Inbox inbox;
    private final TransactionTemplate tx;
    private final MeterRegistry meters;
    private final String prefix;
    private final DeadLetterPublisher deadLetters;
    private final EventTracing tracing;

    public InboxBatch(Inbox inbox, TransactionTemplate tx, MeterRegistry meters, String topicPrefix,
                      DeadLetterPublisher deadLetters) {
        this(inbox, tx, meters, topicPrefix, deadLetters, EventTracing.NONE);
    }

    public InboxBatch(Inbox inbox, TransactionTemplate tx, MeterRegistry meters, String topicPrefix,
                      DeadLetterPublisher deadLetters, EventTracing tracing) {
        this.tracing = tracing;
        this.inbox = inbox;
        this.deadLetters = deadLetters;
        this.tx = tx;
        this.meters = meters;
        this.prefix = topicPrefix;
    }

    /** A record the handler rejected, and where it is in the poll. */
    private static final class Rejected extends RuntimeException {
        final int index;

        Rejected(int index, RuntimeException cause) {
            super(cause);
            this.index = index;
        }
    }

    public void apply(List<ConsumerRecord<String, EventEnvelope<?>>> records, Handler handler) {
        PolledBatch.apply(records, segment -> {
            // a rejection rolls the transaction back (the handler may have written part of the event, in the
            // database or in what it keeps for finish()): what came before the rejected record is committed in a
            // transaction of its own and the rest applied likewise, so the work stays linear in the poll however
            // many of its records are rejected (applying the whole poll again without each one would not)
            List<PolledBatch.Rejection> rejections = new ArrayList<>();
            int start = 0;
            while (start < segment.size()) {
                List<ConsumerRecord<String, EventEnvelope<?>>> rest = segment.subList(start, segment.size());
                try {
                    applyAll(rest, handler);
                    return rejections;
                } catch (Rejected r) {
                    applyAll(rest.subList(0, r.index), handler);
                    rejections.add(new PolledBatch.Rejection(start + r.index, (RuntimeException) r.getCause()));
                    start += r.index + 1;
                }
            }
            return rejections;
        }, deadLetters);
    }

    /** Applies the records in one transaction; rolls back on a rejection ({@link Rejected}: its index in them). */
    private void applyAll(List<ConsumerRecord<String, EventEnvelope<?>>> records, Handler handler) {
        if (records.isEmpty()) {
            return;
        }
        Map<String, int[]> outcomes = new HashMap<>();
        tx.executeWithoutResult(status -> {
            outcomes.clear();
            handler.prepare(records.stream().<EventEnvelope<?>>map(ConsumerRecord::value).toList());
            Set<UUID> first = inbox.recordFirstDeliveries(records.stream().filter(r -> handler.relevant(r.value()))
                    .map(r -> new Inbox.Delivery(r.value().eventId(), r.topic(), r.partition(), r.offset())).toList());
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, EventEnvelope<?>> record = records.get(i);
                EventEnvelope<?> event = record.value();
                int[] outcome = outcomes.computeIfAbsent(record.topic(), t -> new int[3]);
                if (!handler.relevant(event)) {
                    outcome[2]++;
                    continue;
                }
                if (!first.remove(event.eventId())) {
                    outcome[1]++;
                    continue;
                }
                try (EventTracing.Scope traced = tracing.applying(record, baseName(record.topic()), event);
                     EventLogContext logged = EventLogContext.of(record.topic(), event)) {
                    try {
                        handler.apply(event);
                    } catch (RuntimeException e) {
                        traced.failed(e);
                        throw e;
                    }
                } catch (ContractViolation | InvalidField e) {
                    throw new Rejected(i, e);
                }
                outcome[0]++;
            }
            handler.finish();
        });
        // a transaction's fixed cost (statements, commit) is spread over this many events: the batching a burst gets
        String topics = outcomes.keySet().stream().map(this::baseName).distinct().sorted()
                .collect(Collectors.joining("+"));
        DistributionSummary.builder("backstop.inbox.transaction.events")
                .description("Events applied or skipped in one consuming transaction, by the topics it took them"
                        + " from")
                .tag("topic", topics)
                .register(meters).record(records.size());
        outcomes.forEach((name, outcome) -> {
            String topic = baseName(name);
            count(topic, "applied", outcome[0]);
            count(topic, "duplicate", outcome[1]);
            count(topic, "ignored", outcome[2]);
        });
    }

    private String baseName(String name) {
        return Topic.fromName(name, prefix).map(Topic::baseName).orElse(name);
    }

    private void count(String topic, String outcome, int n) {
        if (n > 0) {
            Counter.builder("backstop.events.consumed")
                    .description("Events consumed, by topic and outcome (applied, duplicate or ignored)")
                    .tag("topic", topic).tag("outcome", outcome).register(meters).increment(n);
        }
    }
}
