package io.backstop.kit.kafka;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerSeekAware;

/**
 * A listener that, whenever it is assigned partitions, starts reading them at a point in time instead of
 * at a committed offset: for data every instance reads in full with its own group (prices: a little in
 * the past, so every symbol is known at once and nothing published during the assignment is skipped;
 * a live feed: from the instance's start). Older records are never read.
 */
public abstract class StartAtTimeListener implements ConsumerSeekAware {

    /** Where to start, in epoch milliseconds, at this assignment. */
    protected abstract long startAtMillis();

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        callback.seekToTimestamp(assignments.keySet(), startAtMillis());
    }
}
