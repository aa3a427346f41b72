package io.backstop.lab.exchange;

import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.oracle.OraclePricePublished;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Carries the oracle's prices to a {@link MarkBook}: every partition of {@code oracle.prices} read from its start
 * without a consumer group (the topic is compacted, so the last price of each symbol is there however long ago it
 * was published), on a thread of its own. Caught up once it has read up to the ends the topic had when it started.
 */
final class MarkFeed implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<TopicPartition, Long> startEnds;
    private final MarkBook book;
    private final EventJson json = new EventJson();
    private final Thread thread;
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    MarkFeed(String bootstrap, MarkBook book) {
        this.book = book;
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000),
                new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(Topic.ORACLE_PRICES.baseName()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            startEnds = consumer.endOffsets(partitions);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        thread = new Thread(this::run, "mark-feed");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    quote(record);
                }
                if (!caughtUp) {
                    caughtUp = startEnds.entrySet().stream()
                            .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    /** A price to the book; anything else on the topic (not an event of it, an outside producer's) is skipped. */
    private void quote(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        try {
            if (json.decode(Topic.ORACLE_PRICES, record.key(), record.value()).payload()
                    instanceof OraclePricePublished price) {
                book.quote(price);
            }
        } catch (RuntimeException notAPrice) {
            // the services dead-letter such a record; the exchange only quotes from the prices it can read
        }
    }

    /** Waits until the prices published before the feed started are in the book. */
    void awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp && failure == null && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (failure != null) {
            throw new IllegalStateException("the exchange could not read the oracle's prices: " + failure.getMessage(),
                    failure);
        }
        if (!caughtUp) {
            throw new IllegalStateException("the exchange had not read the oracle's prices up to now within "
                    + timeout);
        }
    }

    @Override
    public void close() {
        running = false;
        SimulatedExchange.awaitEnd(thread);
    }
}
