package io.backstop.kit.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerSeekAware;

/**
 * A listener that, whenever it is assigned partitions, starts reading them at a point in time instead of
 * at a committed offset: for data every instance reads in full with its own group (prices: a little in
 * the past, so every symbol is known at once and nothing published during the assignment is skipped;
 * a live feed: from the instance's start). Older records are never read.
 */
public abstract class StartAtTimeListener implements ConsumerSeekAware {

    private final LongSupplier startAtMillis;

    /** @param startAtMillis where to start at each assignment, in epoch milliseconds */
    protected StartAtTimeListener(LongSupplier startAtMillis) {
        this.startAtMillis = startAtMillis;
    }

    /** Each assignment starts {@code replay} before that moment. */
    protected static LongSupplier replaying(Clock clock, Duration replay) {
        return () -> clock.millis() - replay.toMillis();
    }

    /** Every assignment starts at the moment this is called (the instance's start). */
    protected static LongSupplier fromNow(Clock clock) {
        long now = clock.millis();
        return () -> now;
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        callback.seekToTimestamp(assignments.keySet(), startAtMillis.getAsLong());
    }
}
