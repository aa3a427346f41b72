package io.backstop.margin.engine;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.trading.TradeFilled;
import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.kafka.PolledBatch;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.margin.account.Account;
import io.backstop.margin.decision.EventApplier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Takes consumed events into the account engine, each exactly once by its eventId (the inbox, and the
 * batch's own ids), and applies them there with the {@link EventApplier}: a thin shell that finds the
 * accounts, saves and reviews what the applier changed and counts what it did.
 */
public class ConsumedEvents {

    private final AccountEngine engine;
    private final AccountReads reads;
    private final Inbox inbox;
    private final EventApplier applier;
    private final MeterRegistry meters;
    private final Counter duplicates;
    private final Map<Account.LeaseEnd, Counter> leaseEnds = new ConcurrentHashMap<>();
    private final EventTracing tracing;

    public ConsumedEvents(AccountEngine engine, AccountReads reads, Inbox inbox, EventApplier applier,
                          MeterRegistry meters) {
        this(engine, reads, inbox, applier, meters, EventTracing.NONE);
    }

    public ConsumedEvents(AccountEngine engine, AccountReads reads, Inbox inbox, EventApplier applier,
                          MeterRegistry meters, EventTracing tracing) {
        this.tracing = tracing;
        this.engine = engine;
        this.reads = reads;
        this.inbox = inbox;
        this.applier = applier;
        this.meters = meters;
        this.duplicates = Counter.builder("backstop.margin.events.duplicates")
                .description("Redelivered events recognised and not applied again").register(meters);
    }

    /**
     * Applies a polled list of records in one batch (one transaction), each exactly once by its
     * eventId (one inbox query for the list). A record the contract rejects (an account not held here, an
     * event the applier refuses; decided before anything changes) is skipped: not applied, not recorded, so
     * a redelivery rejects it again; the records after it are applied. Returns the rejections, in order,
     * once the batch has committed.
     */
    public List<PolledBatch.Rejection> applyAll(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        if (records.isEmpty()) {
            return List.of();
        }
        return engine.call(batch -> {
            List<PolledBatch.Rejection> rejections = new ArrayList<>();
            Set<UUID> done = inbox.processedAmong(records.stream().map(r -> r.value().eventId()).toList());
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, EventEnvelope<?>> record = records.get(i);
                EventEnvelope<?> event = record.value();
                if (done.contains(event.eventId()) || batch.seen.contains(event.eventId())) {
                    duplicates.increment();
                    continue;
                }
                int eventsBefore = batch.events.size();
                // on the engine's thread, each event in its own span: what it emits continues the producer's trace
                try (EventTracing.Scope traced = tracing.applying(record, record.topic(), event)) {
                    applyPayload(record.topic(), event, batch);
                    batch.traced(eventsBefore, tracing.traceParent());
                } catch (ContractViolation | UnknownAccount | IllegalArgumentException rejected) {
                    batch.events.subList(eventsBefore, batch.events.size()).clear();
                    rejections.add(new PolledBatch.Rejection(i, rejected));
                    continue;
                }
                batch.seen.add(event.eventId());
                batch.deliveries.add(new Inbox.Delivery(event.eventId(), record.topic(), record.partition(),
                        record.offset()));
                batch.applied.merge(record.topic(), 1, Integer::sum);
            }
            return rejections;
        });
    }

    /**
     * Applies an event exactly once, by its eventId; returns false for a redelivery. REST-submitted
     * fills come here too, with partition and offset -1.
     */
    public boolean apply(String topic, int partition, long offset, EventEnvelope<?> event) {
        return engine.call(batch -> {
            if (partition < 0 && event.payload() instanceof TradeFilled fill) {
                reads.requireOwned(fill.accountId()); // submitted over REST: only the owner may apply it
            }
            if (batch.seen.contains(event.eventId()) || !inbox.processedAmong(List.of(event.eventId())).isEmpty()) {
                duplicates.increment();
                return false;
            }
            applyPayload(topic, event, batch);
            batch.seen.add(event.eventId());
            batch.deliveries.add(new Inbox.Delivery(event.eventId(), topic, partition, offset));
            return true;
        });
    }

    private void applyPayload(String topic, EventEnvelope<?> event, Batch batch) {
        HeldAccounts held = batch.held();
        EventApplier.Applied applied = applier.apply(topic, event, reads.prices(), new EventApplier.Changes() {
            @Override
            public Account account(String accountId) {
                return held.get(accountId);
            }

            @Override
            public void changing(Account account, boolean structural) {
                batch.changed(account, structural);
            }

            @Override
            public void leaseEnded(Account.LeaseEnd end) {
                countLease(end);
            }
        });
        held.reviewed(batch, applied.review());
        batch.events.addAll(applied.emitted());
    }

    private void countLease(Account.LeaseEnd end) {
        leaseEnds.computeIfAbsent(end, e -> Counter.builder("backstop.margin.leases.ended")
                .description("Liquidation ends and waterfall outcomes applied, by what they did to the scope's lease")
                .tag("result", e.name().toLowerCase(Locale.ROOT)).register(meters)).increment();
    }
}
