package io.backstop.lab.exchange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** Reading a lab consumer's partitions up to the end offsets of a step, no further. */
public final class Fetch {

    /** How long a step waits to read what it must: long enough for a broker killed by a chaos run to come back. */
    public static final Duration PATIENCE = Duration.ofMinutes(5);

    private Fetch() {
    }

    /**
     * The records of {@code partitions} below {@code ends} (topic to end offset by partition number), in each
     * partition's order; records fetched beyond stay in {@code buffered} for the next step.
     */
    public static <K, V> List<ConsumerRecord<K, V>> upTo(Consumer<K, V> consumer, List<TopicPartition> partitions,
                                                        Map<String, List<Long>> ends, List<ConsumerRecord<K, V>> buffered,
                                                        Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end(ends, tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + partitions + " up to " + ends + " within " + timeout);
            }
            consumer.poll(Duration.ofMillis(50)).forEach(buffered::add);
        }
        List<ConsumerRecord<K, V>> due = new ArrayList<>();
        for (Iterator<ConsumerRecord<K, V>> it = buffered.iterator(); it.hasNext(); ) {
            ConsumerRecord<K, V> r = it.next();
            if (r.offset() < end(ends, new TopicPartition(r.topic(), r.partition()))) {
                due.add(r);
                it.remove();
            }
        }
        return due;
    }

    private static long end(Map<String, List<Long>> ends, TopicPartition tp) {
        List<Long> offsets = ends.get(tp.topic());
        return offsets == null || tp.partition() >= offsets.size() ? 0 : offsets.get(tp.partition());
    }
}
