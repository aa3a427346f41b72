package io.backstop.lab.replay;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The world's honest prices as they were at each step of a replay, for judging an event by the prices of the
 * moment it was decided at (a margin call decided one step before the observer reads it). Keeps the last
 * {@link #KEPT} of simulated time. Used by the replay's thread only.
 */
final class HonestPrices {

    static final Duration KEPT = Duration.ofMinutes(30);

    private final TreeMap<Instant, Map<String, Double>> byTime = new TreeMap<>();

    /** The honest price of every market at {@code at}. */
    void record(Instant at, Map<String, Double> prices) {
        byTime.put(at, Map.copyOf(prices));
        while (byTime.firstKey().isBefore(at.minus(KEPT))) {
            byTime.pollFirstEntry();
        }
    }

    /**
     * An asset's honest price at {@code at} (as at the last step at or before it).
     *
     * @throws IllegalArgumentException if the world has no such market, or nothing was recorded by then
     */
    BigDecimal at(String asset, Instant at) {
        var entry = byTime.floorEntry(at);
        Double price = entry == null ? null : entry.getValue().get(asset);
        if (price == null) {
            throw new IllegalArgumentException("no honest price of " + asset + " at " + at);
        }
        return BigDecimal.valueOf(price);
    }
}
