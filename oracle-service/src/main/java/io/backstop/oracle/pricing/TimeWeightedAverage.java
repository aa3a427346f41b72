package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Time-weighted average of a step function over a sliding window: each value holds from its time
 * until the next one (or a gap). The window slides in buckets of window/150 (at least 100 ms), and
 * running totals are kept exactly, so adding a value or reading the average costs O(1) amortised
 * however many values arrive. Not thread-safe.
 */
final class TimeWeightedAverage {

    private final long windowMs;
    private final long bucketMs;
    private final ArrayDeque<Bucket> buckets = new ArrayDeque<>();
    private BigDecimal totalIntegral = BigDecimal.ZERO;
    private long totalCovered;
    private BigDecimal lastValue;
    private long lastAt = Long.MIN_VALUE;

    TimeWeightedAverage(Duration window) {
        this.windowMs = window.toMillis();
        this.bucketMs = Math.max(100, windowMs / 150);
    }

    /** From {@code at} on the function is {@code value}; null means it has no value (a gap). */
    void add(Instant at, BigDecimal value) {
        long t = at.toEpochMilli();
        if (t < lastAt) {
            return; // time never runs backwards here; a late sample changes nothing
        }
        if (lastValue != null && lastAt != Long.MIN_VALUE) {
            integrate(Math.max(lastAt, t - windowMs - bucketMs), t, lastValue);
        }
        lastValue = value;
        lastAt = t;
        evict(t);
    }

    /** The average over [now - window, now], or null when the function had no value in it. */
    BigDecimal average(Instant now) {
        long t = now.toEpochMilli();
        evict(t);
        long pending = lastValue == null ? 0 : Math.min(Math.max(0, t - lastAt), windowMs);
        long covered = totalCovered + pending;
        if (covered == 0) {
            return lastValue;
        }
        BigDecimal integral = pending == 0 ? totalIntegral
                : totalIntegral.add(lastValue.multiply(BigDecimal.valueOf(pending)));
        return integral.divide(BigDecimal.valueOf(covered), MathContext.DECIMAL64);
    }

    private void integrate(long from, long to, BigDecimal value) {
        while (from < to) {
            long start = Math.floorDiv(from, bucketMs) * bucketMs;
            long end = Math.min(to, start + bucketMs);
            Bucket bucket = buckets.peekLast();
            if (bucket == null || bucket.start != start) {
                bucket = new Bucket(start);
                buckets.addLast(bucket);
            }
            long duration = end - from;
            BigDecimal piece = value.multiply(BigDecimal.valueOf(duration));
            bucket.integral = bucket.integral.add(piece);
            bucket.covered += duration;
            totalIntegral = totalIntegral.add(piece);
            totalCovered += duration;
            from = end;
        }
    }

    private void evict(long now) {
        long windowStart = now - windowMs;
        while (!buckets.isEmpty() && buckets.peekFirst().start + bucketMs <= windowStart) {
            Bucket old = buckets.removeFirst();
            totalIntegral = totalIntegral.subtract(old.integral);
            totalCovered -= old.covered;
        }
    }

    /** Everything the average remembers, to continue exactly where it stopped (see {@link SymbolPricer.State}). */
    record State(List<BucketState> buckets, BigDecimal totalIntegral, long totalCovered, BigDecimal lastValue,
                 long lastAt) {
    }

    /** One bucket: its start (epoch ms), the integral of the value over it, and the milliseconds it covers. */
    record BucketState(long start, BigDecimal integral, long covered) {
    }

    State state() {
        List<BucketState> copy = new ArrayList<>(buckets.size());
        for (Bucket b : buckets) {
            copy.add(new BucketState(b.start, b.integral, b.covered));
        }
        return new State(copy, totalIntegral, totalCovered, lastValue, lastAt);
    }

    void restore(State state) {
        buckets.clear();
        for (BucketState b : state.buckets()) {
            Bucket bucket = new Bucket(b.start());
            bucket.integral = b.integral();
            bucket.covered = b.covered();
            buckets.addLast(bucket);
        }
        totalIntegral = state.totalIntegral();
        totalCovered = state.totalCovered();
        lastValue = state.lastValue();
        lastAt = state.lastAt();
    }

    private static final class Bucket {
        final long start;
        BigDecimal integral = BigDecimal.ZERO;
        long covered;

        Bucket(long start) {
            this.start = start;
        }
    }
}
