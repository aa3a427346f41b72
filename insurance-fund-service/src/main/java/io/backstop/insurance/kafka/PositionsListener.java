package io.backstop.insurance.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.insurance.engine.AdlStore;
import io.backstop.kit.kafka.PolledBatch;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every account's latest positions (margin-service's compacted {@code account.positions}), for the ADL
 * queue and the base of a socialized loss. A snapshot replaces an account's stored positions only when
 * its sequence is newer, so redeliveries and replays need no inbox.
 */
@Component
class PositionsListener {

    private final AdlStore store;
    private final TransactionTemplate tx;

    PositionsListener(AdlStore store, TransactionTemplate tx) {
        this.store = store;
        this.tx = tx;
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}account.positions", batch = "true")
    void onSnapshots(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        int readable = PolledBatch.readable(records);
        List<AdlStore.Snapshot> snapshots = records.subList(0, readable).stream()
                .map(r -> new AdlStore.Snapshot((AccountPositionsSnapshotted) r.value().payload(),
                        r.value().sequence()))
                .toList();
        try {
            tx.executeWithoutResult(s -> store.applySnapshots(snapshots));
        } catch (RuntimeException e) {
            throw new BatchListenerFailedException("storing position snapshots failed: " + e.getMessage(), e, 0);
        }
        PolledBatch.failIfUnreadable(records, readable);
    }
}
