package io.backstop.insurance.web;

import io.backstop.insurance.engine.AdlStore;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.AdlQueue;
import io.backstop.insurance.waterfall.AdlRanking;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The heads of the ADL queues the queue page shows, each kept for {@link #MAX_AGE} by the injected clock. Reading a
 * head scans its side in PostgreSQL (under a second for the ~840,000 positions of a side of BTCUSDT, docs/capacity.md),
 * so a page polled by many operators reads each side once per mark and a few seconds, not once per request. A head is
 * kept per symbol, side and the mark it was ranked at: what it shows is exact at the mark the page shows, and at most
 * {@link #MAX_AGE} behind the positions margin published (the exchanges publish their ADL indicators with a delay
 * too). Thread-safe; a head being read is read once, its other requests waiting for it.
 */
final class QueueHeads {

    /** How long a head is shown after it was read. */
    static final Duration MAX_AGE = Duration.ofSeconds(5);

    /** Positions kept per head: the page's largest {@code limit}. */
    static final int DEPTH = 1000;

    /** The first {@link #DEPTH} positions of a side of {@code sideSize}, ranked and indicated, read then. */
    record Head(List<AdlQueue.Ranked> entries, int sideSize, Instant readAt) {
    }

    private record Key(String symbol, boolean longs, BigDecimal mark) {
    }

    private final AdlStore positions;
    private final AdlRanking ranking;
    private final Clock clock;
    private final ConcurrentHashMap<Key, Head> heads = new ConcurrentHashMap<>();

    QueueHeads(AdlStore positions, AdlRanking ranking, Clock clock) {
        this.positions = positions;
        this.ranking = ranking;
        this.clock = clock;
    }

    /** The head of one side of {@code symbol} at {@code mark}: kept, or read now when none younger than the age is. */
    Head head(String symbol, boolean longs, BigDecimal mark) {
        Instant now = clock.instant();
        heads.values().removeIf(h -> !fresh(h, now)); // the heads of marks gone by
        // one small map, one entry per side and mark: a read holding its entry's lock stalls no one else for long
        return heads.compute(new Key(symbol, longs, mark.stripTrailingZeros()),
                (key, kept) -> kept != null && fresh(kept, now) ? kept : read(symbol, longs, mark, now));
    }

    private Head read(String symbol, boolean longs, BigDecimal mark, Instant now) {
        // the queue as the ADL step walks it: the positions margin answered closed are passed over
        List<AdlCandidate> head = positions.headWithoutExhausted(symbol, longs, mark, ranking, DEPTH);
        // two statements: a newer snapshot between them may add a position the count missed
        int size = Math.max(positions.sideSize(symbol, longs), head.size());
        return new Head(AdlQueue.head(head, ranking, size), size, now);
    }

    private static boolean fresh(Head head, Instant now) {
        return now.isBefore(head.readAt().plus(MAX_AGE));
    }
}
