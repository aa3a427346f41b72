package io.backstop.lab.load;

import io.backstop.events.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the platform publishes on some topics from now on, for a load tool to observe its own events: every partition
 * assigned without a consumer group (nothing committed, no rebalance), read from the end as it is when the tail is
 * opened, so whatever the tool sends afterwards is seen and nothing from before, and committed records only (what the
 * services' transactions committed, as a service reads them). Like any Kafka consumer, for one thread at a time.
 */
final class TopicTail implements AutoCloseable {

    private final Consumer<String, byte[]> consumer;

    /**
     * Opens the tail of {@code topics}, its end offsets resolved before it returns (before the tool sends anything);
     * {@code settings} are the consumer settings beyond the tail's own, for example a shorter fetch wait.
     */
    TopicTail(String bootstrap, List<Topic> topics, Map<String, Object> settings) {
        this(consumer(bootstrap, settings), topics);
    }

    /** The tail of {@code topics} on this consumer, closed if it cannot be opened. */
    TopicTail(Consumer<String, byte[]> consumer, List<Topic> topics) {
        this.consumer = consumer;
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Topic topic : topics) {
                consumer.partitionsFor(topic.baseName()).forEach(p -> partitions.add(
                        new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // seekToEnd is lazy: resolve the end offsets now
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, Map<String, Object> settings) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putAll(settings);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The records published since the last poll, waiting up to {@code wait} for some. */
    ConsumerRecords<String, byte[]> poll(Duration wait) {
        return consumer.poll(wait);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
