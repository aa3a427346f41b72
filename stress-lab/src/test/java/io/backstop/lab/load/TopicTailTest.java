package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** A load tool sees what its topics get after it opened their tail, on every partition, and nothing before. */
class TopicTailTest {

    private static final String FILLS = Topic.LIQUIDATION_FILLS.baseName();
    private static final String PRICES = Topic.ORACLE_PRICES.baseName();

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");

    @Test
    void everyPartitionOfEachTopicIsReadFromWhereItEndedWhenTheTailWasOpened() {
        consumer.updatePartitions(FILLS, List.of(partition(FILLS, 0), partition(FILLS, 1)));
        consumer.updatePartitions(PRICES, List.of(partition(PRICES, 0)));
        consumer.updateEndOffsets(Map.of(new TopicPartition(FILLS, 0), 5L, new TopicPartition(FILLS, 1), 3L,
                new TopicPartition(PRICES, 0), 7L));
        // a consumer without a position starts at the beginning: only the tail's seek puts it at the end
        consumer.updateBeginningOffsets(Map.of(new TopicPartition(FILLS, 0), 0L, new TopicPartition(FILLS, 1), 0L,
                new TopicPartition(PRICES, 0), 0L));

        try (TopicTail tail = new TopicTail(consumer, List.of(Topic.LIQUIDATION_FILLS, Topic.ORACLE_PRICES))) {
            assertThat(consumer.assignment()).containsExactlyInAnyOrder(new TopicPartition(FILLS, 0),
                    new TopicPartition(FILLS, 1), new TopicPartition(PRICES, 0));
            assertThat(consumer.subscription()).as("no consumer group").isEmpty();
            consumer.addRecord(record(FILLS, 0, 4)); // published before the tail was opened
            consumer.addRecord(record(FILLS, 0, 5));
            consumer.addRecord(record(FILLS, 1, 3));
            consumer.addRecord(record(PRICES, 0, 7));

            assertThat(tail.poll(Duration.ZERO)).extracting(r -> r.topic() + "-" + r.partition() + "@" + r.offset())
                    .containsExactlyInAnyOrder(FILLS + "-0@5", FILLS + "-1@3", PRICES + "-0@7");
        }
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void aTailThatCannotBeOpenedClosesItsConsumer() {
        MockConsumer<String, byte[]> unreachable = new MockConsumer<>("earliest") {
            @Override
            public synchronized List<PartitionInfo> partitionsFor(String topic) {
                throw new TimeoutException("no broker answered");
            }
        };

        assertThatThrownBy(() -> new TopicTail(unreachable, List.of(Topic.LIQUIDATION_FILLS)))
                .isInstanceOf(TimeoutException.class);
        assertThat(unreachable.closed()).isTrue();
    }

    private static PartitionInfo partition(String topic, int partition) {
        return new PartitionInfo(topic, partition, null, null, null);
    }

    private static ConsumerRecord<String, byte[]> record(String topic, int partition, long offset) {
        return new ConsumerRecord<>(topic, partition, offset, "k", new byte[0]);
    }
}
