package io.backstop.kit.time;

import io.backstop.events.Topic;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.backstop.kit.kafka.PolledBatch;
import io.backstop.kit.kafka.ConsumerStalls;
import io.backstop.kit.kafka.KafkaWiringAutoConfiguration;
import io.backstop.kit.kafka.RetryPolicy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.AcknowledgingConsumerAwareMessageListener;
import org.springframework.kafka.listener.BatchAcknowledgingConsumerAwareMessageListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Takes a service's events in on simulated time, in place of its listener containers (which do not start
 * then). For every {@code @KafkaListener} container it keeps one consumer on all partitions of the
 * container's topics, in the container's consumer group. At each step it reads every record up to the end
 * offsets the lab read before the step, and hands them to the same listeners the containers would, in one
 * order that depends only on the data: by topic along the data flow ({@link Topic} order), then record
 * key, then partition and offset — so each key's records keep their order, and the order does not depend on
 * which partition a key hashes to or on which consumer fetched first. Consecutive records of one listener
 * go to it as one batch. What the containers' error handler does, this does too: a record that breaks the
 * contract goes to its dead-letter topic and the rest go on; any other failure is retried, with back-off,
 * as the {@link RetryPolicy} says: until it succeeds when the infrastructure failed (the step waits), a bounded
 * number of times otherwise, then dead-lettered. Offsets are committed once the step's work is done
 * ({@link #commitOffsets}). Used by one thread at a time
 * (the {@link Simulation}'s).
 */
public final class EventDriver implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EventDriver.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);

    /** What one step took in, and the wall time it took to read, apply and commit it. */
    public record Dispatched(int events, Map<String, Integer> byTopic, long fetchMicros, long deliverMicros,
                             long commitMicros) {
    }

    private final KafkaListenerEndpointRegistry registry;
    private final ConsumerFactory<Object, Object> consumers;
    private final DeadLetterPublisher deadLetters;
    private final String prefix;
    private final RetryPolicy retries;
    private final ConsumerStalls stalls;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private volatile boolean running;

    public EventDriver(KafkaListenerEndpointRegistry registry, ConsumerFactory<Object, Object> consumers,
                       DeadLetterPublisher deadLetters, String topicPrefix, RetryPolicy retries,
                       ConsumerStalls stalls) {
        this.registry = registry;
        this.consumers = consumers;
        this.deadLetters = deadLetters;
        this.prefix = topicPrefix;
        this.retries = retries;
        this.stalls = stalls;
    }

    @Override
    public synchronized void start() {
        List<MessageListenerContainer> containers = new ArrayList<>(registry.getListenerContainers());
        containers.sort(Comparator.comparing(MessageListenerContainer::getListenerId));
        for (MessageListenerContainer container : containers) {
            subscriptions.add(new Subscription(container));
        }
        running = true;
        log.info("simulated time: {} listeners take their events at the lab's steps: {}", subscriptions.size(),
                subscriptions.stream().map(s -> s.id + " " + s.topics).toList());
    }

    @Override
    public synchronized void stop() {
        running = false;
        // closing completes the commits still in flight
        subscriptions.forEach(s -> s.consumer.close(Duration.ofSeconds(5)));
        subscriptions.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The topics the listeners read (full names). */
    public synchronized java.util.Set<String> topics() {
        java.util.Set<String> topics = new java.util.TreeSet<>();
        subscriptions.forEach(s -> topics.addAll(s.topics));
        return topics;
    }

    /** With the listener containers: after what they feed (engines, relays) has started, before it stops. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    /**
     * Takes in every record below {@code endOffsets} (full topic name to the end offset of each partition) of
     * the topics this service reads. Topics not named are not read at this step.
     */
    public synchronized Dispatched dispatch(Map<String, List<Long>> endOffsets) {
        long start = System.nanoTime();
        List<Delivery> deliveries = new ArrayList<>();
        // every listener reads up to the step's end first, and only then is anything taken out of the buffers: a
        // read that fails (the broker killed) leaves what the others read buffered for the step asked again
        for (Subscription s : subscriptions) {
            s.readUpTo(endOffsets);
        }
        for (Subscription s : subscriptions) {
            for (ConsumerRecord<Object, Object> r : s.take(endOffsets)) {
                deliveries.add(new Delivery(s, r));
            }
        }
        deliveries.sort(order);
        long fetched = System.nanoTime();
        Map<String, Integer> byTopic = new TreeMap<>();
        int i = 0;
        while (i < deliveries.size()) {
            Subscription s = deliveries.get(i).subscription;
            List<ConsumerRecord<Object, Object>> run = new ArrayList<>();
            while (i < deliveries.size() && deliveries.get(i).subscription == s) {
                ConsumerRecord<Object, Object> r = deliveries.get(i).record;
                run.add(r);
                byTopic.merge(baseName(r.topic()), 1, Integer::sum);
                i++;
            }
            s.deliver(run);
        }
        long delivered = System.nanoTime();
        return new Dispatched(deliveries.size(), byTopic, (fetched - start) / 1000, (delivered - fetched) / 1000, 0);
    }

    /**
     * Commits the offsets of what the steps since the last commit delivered. The {@link Simulation} calls it once a
     * step's work is done and committed: a service that keeps what it took in only in memory until the step commits
     * (the oracle's pricers, saved with each step) must never find, after a restart, offsets past records whose
     * effect it did not save.
     */
    public synchronized void commitOffsets() {
        subscriptions.forEach(Subscription::commit);
    }

    private String baseName(String topic) {
        return Topic.fromName(topic, prefix).map(Topic::baseName).orElse(topic);
    }

    private int rank(String topic) {
        return Topic.fromName(topic, prefix).map(Enum::ordinal).orElse(Integer.MAX_VALUE);
    }

    private record Delivery(Subscription subscription, ConsumerRecord<Object, Object> record) {
    }

    private final Comparator<Delivery> order = Comparator
            .<Delivery>comparingInt(d -> rank(d.record.topic()))
            .thenComparing(d -> d.record.topic())
            .thenComparing(d -> d.record.key() == null ? "" : d.record.key().toString())
            .thenComparingInt(d -> d.record.partition())
            .thenComparingLong(d -> d.record.offset());

    /** One listener container's topics, read by a consumer of the container's group on all their partitions. */
    private final class Subscription {
        final String id;
        final List<String> topics;
        final Object listener;
        final boolean batch;
        final Consumer<Object, Object> consumer;
        final Map<TopicPartition, Deque<ConsumerRecord<Object, Object>>> buffered = new HashMap<>();
        final Map<TopicPartition, Long> delivered = new LinkedHashMap<>();

        Subscription(MessageListenerContainer container) {
            var properties = container.getContainerProperties();
            if (properties.getTopics() == null || properties.getTopics().length == 0) {
                throw new IllegalStateException("listener " + container.getListenerId() + " names no topics; simulated"
                        + " time supports listeners of named topics only");
            }
            this.id = container.getListenerId();
            this.topics = List.of(properties.getTopics());
            this.listener = properties.getMessageListener();
            this.batch = listener instanceof BatchAcknowledgingConsumerAwareMessageListener<?, ?>;
            Properties overrides = new Properties();
            overrides.putAll(properties.getKafkaConsumerProperties());
            // a step reads only what is already committed: an empty fetch need not wait at the broker
            overrides.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
            this.consumer = consumers.createConsumer(container.getGroupId(), null, "-simulated", overrides);
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " of listener " + id + " does not exist");
                }
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> positions = new LinkedHashMap<>();
            partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
            if (listener instanceof ConsumerSeekAware seekAware) {
                seekAware.onPartitionsAssigned(positions, new Seeks(consumer));
            }
        }

        /** The end offset of each of this listener's partitions the step reads. */
        private Map<TopicPartition, Long> targets(Map<String, List<Long>> endOffsets) {
            Map<TopicPartition, Long> targets = new LinkedHashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
                List<Long> ends = endOffsets.get(tp.topic());
                if (ends != null && tp.partition() < ends.size()) {
                    targets.put(tp, ends.get(tp.partition()));
                }
            }
            return targets;
        }

        /** Polls into the buffer until every partition is read up to the step's end offsets. */
        void readUpTo(Map<String, List<Long>> endOffsets) {
            Map<TopicPartition, Long> targets = targets(endOffsets);
            long deadline = System.nanoTime() + FETCH_TIMEOUT.toNanos();
            while (targets.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    // the broker did not deliver (killed, restarting): the infrastructure's failure, so the step is
                    // answered 503 and asked again, from where this read got to
                    throw new org.apache.kafka.common.errors.TimeoutException("listener " + id
                            + " could not read up to " + targets + " within " + FETCH_TIMEOUT);
                }
                for (ConsumerRecord<Object, Object> r : consumer.poll(Duration.ofMillis(50))) {
                    buffered.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayDeque<>()).add(r);
                }
            }
        }

        /** Takes every buffered record below the step's end offsets out of the buffer (read by {@link #readUpTo}). */
        List<ConsumerRecord<Object, Object>> take(Map<String, List<Long>> endOffsets) {
            List<ConsumerRecord<Object, Object>> due = new ArrayList<>();
            targets(endOffsets).forEach((tp, end) -> {
                Deque<ConsumerRecord<Object, Object>> queue = buffered.get(tp);
                while (queue != null && !queue.isEmpty() && queue.peek().offset() < end) {
                    due.add(queue.poll());
                }
            });
            return due;
        }

        void deliver(List<ConsumerRecord<Object, Object>> records) {
            if (batch) {
                deliverBatch(records);
            } else {
                records.forEach(this::deliverOne);
            }
            for (ConsumerRecord<Object, Object> r : records) {
                delivered.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
            }
        }

        @SuppressWarnings("unchecked")
        private void deliverBatch(List<ConsumerRecord<Object, Object>> records) {
            var target = (BatchAcknowledgingConsumerAwareMessageListener<Object, Object>) listener;
            int from = 0;
            RetryPolicy.Attempts attempts = retries.attempts();
            int failing = -1;
            while (from < records.size()) {
                List<ConsumerRecord<Object, Object>> rest = records.subList(from, records.size());
                try {
                    target.onMessage(rest, null, consumer);
                    rest.forEach(r -> stalls.movedOn(KafkaWiringAutoConfiguration.partition(r)));
                    return;
                } catch (RuntimeException e) {
                    BatchListenerFailedException failed = RetryPolicy.find(e, BatchListenerFailedException.class);
                    int index = failed == null || failed.getIndex() < 0 ? 0 : failed.getIndex();
                    if (from + index != failing) {
                        failing = from + index;
                        attempts = retries.attempts();
                    }
                    stalls.failed(KafkaWiringAutoConfiguration.partition(rest.get(index)), e);
                    if (!retried(attempts, e)) {
                        deadLetters.accept(rest.get(index), consumer, e);
                        stalls.movedOn(KafkaWiringAutoConfiguration.partition(rest.get(index)));
                        from += index + 1;
                        continue;
                    }
                    from += index;
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void deliverOne(ConsumerRecord<Object, Object> record) {
            if (record.value() == null) {
                deadLetters.accept(record, consumer, PolledBatch.unreadable(record));
                return;
            }
            var target = (AcknowledgingConsumerAwareMessageListener<Object, Object>) listener;
            RetryPolicy.Attempts attempts = retries.attempts();
            while (true) {
                try {
                    target.onMessage(record, null, consumer);
                    stalls.movedOn(KafkaWiringAutoConfiguration.partition(record));
                    return;
                } catch (RuntimeException e) {
                    stalls.failed(KafkaWiringAutoConfiguration.partition(record), e);
                    if (!retried(attempts, e)) {
                        deadLetters.accept(record, consumer, e);
                        stalls.movedOn(KafkaWiringAutoConfiguration.partition(record));
                        return;
                    }
                }
            }
        }

        /** Pauses before the next attempt and answers true, or answers false: the record is to be dead-lettered. */
        private boolean retried(RetryPolicy.Attempts attempts, RuntimeException e) {
            long pause = attempts.next(e);
            if (pause == BackOffExecution.STOP) {
                return false;
            }
            log.warn("listener {} failed on simulated time, retrying in {} ms: {}", id, pause, e.toString());
            try {
                Thread.sleep(pause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while retrying listener " + id, e);
            }
            return true;
        }

        void commit() {
            if (delivered.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            delivered.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
            // asynchronously: the step need not wait for the group coordinator. A commit lost with the process
            // means records delivered again after a restart, which the inbox (or a price's sequence) drops.
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error != null) {
                    log.warn("listener {} could not commit its offsets (a later step's commit covers them): {}", id,
                            error.toString());
                }
            });
            delivered.clear();
        }
    }

    /**
     * Seeks a listener asks for when it is assigned its partitions. Seeking to a point in time is ignored:
     * records carry the wall-clock time they were written at, not simulated time, so a simulated platform
     * reads its topics from its groups' committed offsets (or the start).
     */
    private record Seeks(Consumer<Object, Object> consumer) implements ConsumerSeekAware.ConsumerSeekCallback {

        @Override
        public void seek(String topic, int partition, long offset) {
            consumer.seek(new TopicPartition(topic, partition), offset);
        }

        @Override
        public void seek(String topic, int partition, java.util.function.Function<Long, Long> offset) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.seek(tp, offset.apply(consumer.position(tp)));
        }

        @Override
        public void seekToBeginning(String topic, int partition) {
            consumer.seekToBeginning(List.of(new TopicPartition(topic, partition)));
        }

        @Override
        public void seekToEnd(String topic, int partition) {
            consumer.seekToEnd(List.of(new TopicPartition(topic, partition)));
        }

        @Override
        public void seekRelative(String topic, int partition, long offset, boolean toCurrent) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.seek(tp, Math.max(0, consumer.position(tp) + offset));
        }

        @Override
        public void seekToTimestamp(String topic, int partition, long timestamp) {
            log.debug("simulated time: ignoring a seek of {}-{} to wall-clock time {}", topic, partition, timestamp);
        }

        @Override
        public void seekToTimestamp(java.util.Collection<TopicPartition> partitions, long timestamp) {
            log.debug("simulated time: ignoring a seek of {} to wall-clock time {}", partitions, timestamp);
        }
    }
}
