package io.backstop.kit.kafka;

import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which of this service's partitions are stalled: their consumer fails on them again and again instead of moving
 * on (an outage it waits out, a failure it retries). Fed by the consumers' error handling (each failed attempt at a
 * partition's record) and by their successes; read by the health indicators — readiness out of service once a
 * stall lasts {@code backstop.kafka.stalled-after}, liveness down once one outlasts {@code backstop.kafka.stall-limit}
 * while the database answers (see {@link KafkaWiringAutoConfiguration}).
 *
 * <p>A partition that stops failing without a success being seen (taken away by a rebalance, say) is no longer
 * stalled once {@code quietAfter} passes without a failure: a consumer that is still failing fails again within its
 * longest back-off. Pure: the time is an injected nanosecond clock.
 */
public final class ConsumerStalls {

    /** The longest stall: which partition, for how long, how many failed attempts, the last one's error. */
    public record Stall(String partition, Duration lasting, int failures, String lastError) {
    }

    private record Failing(long since, long last, int failures, String lastError) {
    }

    private final LongSupplier nanos;
    private final long quietAfter;
    private final Map<String, Failing> failing = new ConcurrentHashMap<>();

    public ConsumerStalls(LongSupplier nanos, Duration quietAfter) {
        if (quietAfter.isNegative() || quietAfter.isZero()) {
            throw new IllegalArgumentException("quietAfter must be positive");
        }
        this.nanos = nanos;
        this.quietAfter = quietAfter.toNanos();
    }

    /** An attempt at a record of {@code partition} (topic-partition) failed. */
    public void failed(String partition, Throwable failure) {
        long now = nanos.getAsLong();
        String error = describe(failure);
        failing.compute(partition, (p, f) -> f == null || quiet(f, now) ? new Failing(now, now, 1, error)
                : new Failing(f.since(), now, f.failures() + 1, error));
    }

    /** {@code partition} moved on: its records were applied, or the failing one was dead-lettered. */
    public void movedOn(String partition) {
        failing.remove(partition);
    }

    /** The partition failing for the longest time, if any still is. */
    public Optional<Stall> longest() {
        long now = nanos.getAsLong();
        failing.values().removeIf(f -> quiet(f, now));
        return failing.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().since()))
                .map(e -> new Stall(e.getKey(), Duration.ofNanos(now - e.getValue().since()), e.getValue().failures(),
                        e.getValue().lastError()));
    }

    /** The innermost cause, as an operator reads it in the health details: class and message, bounded. */
    static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return text.length() > 240 ? text.substring(0, 240) + "…" : text;
    }

    private boolean quiet(Failing f, long now) {
        return now - f.last() > quietAfter;
    }
}
