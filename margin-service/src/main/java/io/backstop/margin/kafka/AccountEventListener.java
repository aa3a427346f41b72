package io.backstop.margin.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.backstop.kit.kafka.PolledBatch;
import io.backstop.margin.engine.ConsumedEvents;
import io.backstop.margin.engine.PartitionOwnership;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

/**
 * What changes accounts, from Kafka: fills, liquidation fills and the waterfall's outcomes, keyed by
 * account. Each poll is applied by the account engine as one batch in one transaction, exactly once
 * (the offsets move only after the engine committed). A record that breaks the contract is skipped in
 * the batch, the others applied, and once the batch has committed the poll's rejected records go to the
 * dead-letter topic with the reason, together; any other failure is pinned to its record
 * ({@link PolledBatch#apply}).
 *
 * <p>Ownership: the instance assigned partition p of these topics holds the accounts whose key hashes
 * to p. One consumer per instance with the range assignor gives it the same partition numbers of
 * every topic (they must have the same count, checked on assignment); more instances share the
 * partitions, and on each assignment the engine loads what it now owns from PostgreSQL.
 *
 * <p>Each instance is a static member of the group under its instance id ({@code group.instance.id}): one that
 * crashes and comes back under the same id within the session timeout is given its own partitions back at once,
 * and the others keep theirs, with nothing to reload. One that stops in order leaves the group
 * ({@link GroupDeparture}), so that its partitions move at once. Why not the newer consumer group protocol
 * (KIP-848) is in docs/capacity.md.
 */
@Component
class AccountEventListener implements ConsumerSeekAware {

    static final List<String> TOPICS = List.of("trades.fills", "liquidation.fills", "insurance.takeovers",
            "adl.executions", "adl.settlements", "loss.socialized");

    private final ConsumedEvents events;
    private final PartitionOwnership ownership;
    private final KafkaAdmin admin;
    private final String prefix;
    private final DeadLetterPublisher deadLetters;

    AccountEventListener(ConsumedEvents events, PartitionOwnership ownership, KafkaAdmin admin,
                         @Value("${backstop.kafka.topic-prefix}") String prefix, DeadLetterPublisher deadLetters) {
        this.events = events;
        this.ownership = ownership;
        this.deadLetters = deadLetters;
        this.admin = admin;
        this.prefix = prefix;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}trades.fills",
            "${backstop.kafka.topic-prefix}liquidation.fills",
            "${backstop.kafka.topic-prefix}insurance.takeovers",
            "${backstop.kafka.topic-prefix}adl.executions",
            "${backstop.kafka.topic-prefix}adl.settlements",
            "${backstop.kafka.topic-prefix}loss.socialized"},
            batch = "true", concurrency = "1",
            properties = {
                "partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor",
                "group.instance.id=${backstop.instance-id}",
                "max.poll.records=${backstop.margin.batch-size:500}"})
    void onAccountEvents(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        // the engine applies the whole poll in one batch, skipping (and returning) the records it rejects
        PolledBatch.apply(records, events::applyAll, deadLetters);
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        ownership.assign(partitionsOfFills(assignments.keySet()), partitionCount());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        ownership.revoke(partitionsOfFills(partitions));
    }

    private Set<Integer> partitionsOfFills(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> tp.topic().equals(prefix + TOPICS.get(0)))
                .map(TopicPartition::partition).collect(Collectors.toSet());
    }

    /** The partition count of the account topics, which must all have the same. */
    private int partitionCount() {
        Map<String, TopicDescription> topics = admin.describeTopics(
                TOPICS.stream().map(t -> prefix + t).toArray(String[]::new));
        Map<String, Integer> counts = new TreeMap<>();
        topics.forEach((name, description) -> counts.put(name, description.partitions().size()));
        if (counts.values().stream().distinct().count() != 1) {
            throw new IllegalStateException("the account topics must have the same number of partitions, so that"
                    + " one instance owns all of an account's events; found " + counts);
        }
        return counts.values().iterator().next();
    }
}
