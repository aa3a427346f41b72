package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The head of a side of the ADL queue, chosen by an approximate score and ranked exactly. The store orders a side
 * by a {@code float8} approximation of {@link AdlRanking#score} (PostgreSQL computes it at the mark, the one thing
 * that moves) and reads the first rows; the exact order is {@link AdlQueue#rank}'s, over every position whose
 * approximate score is within {@link #TOLERANCE} (relative) of the k-th read. That keeps the exact order: the
 * approximation is the exact score to within a few roundings of a {@code double} (a relative 1e-15, the unrealized
 * PnL being exact {@code numeric} before it is converted), far inside the tolerance, and it has the exact score's
 * sign (zero is exactly zero). So a position whose approximate score is below the band scores exactly less than
 * each of the k above it, and comes after them whatever the tie-breaks. The approximation decides nothing else:
 * which of the band come first, and their scores, are {@link AdlRanking#score}'s. This holds while the factors of a
 * score stay within a {@code double}'s normal range (1e-300 to 1e300), which money and prices do.
 */
public final class AdlHead {

    /** Relative distance below the k-th approximate score down to which every position is ranked exactly. */
    public static final double TOLERANCE = 1e-9;

    /** A position with its approximate score, as the store ordered it. */
    public record Approximate(AdlCandidate candidate, double score) {
    }

    private AdlHead() {
    }

    /** The lowest approximate score a position may have and be among the first k, the k-th scoring {@code kth}. */
    public static double floor(double kth) {
        return kth - TOLERANCE * Math.abs(kth);
    }

    /** The highest approximate score a position may have and come after one of approximate score {@code a}. */
    public static double ceiling(double a) {
        return a + TOLERANCE * Math.abs(a);
    }

    /**
     * The rank (1 first) of {@code accountId}'s position on its side, from how many positions come before it for
     * certain ({@code above}: an approximate score above {@link #ceiling} of its own) and the band of those that may
     * not ({@code band}, its own included: from {@link #floor} to {@link #ceiling} of it), ranked exactly; the rest
     * come after it. Empty when the band does not hold the account's position.
     */
    public static OptionalInt rank(String accountId, long above, List<AdlCandidate> band, AdlRanking ranking) {
        List<AdlQueue.Ranked> ranked = AdlQueue.rank(band, ranking);
        for (AdlQueue.Ranked r : ranked) {
            if (r.candidate().accountId().equals(accountId)) {
                return OptionalInt.of(Math.toIntExact(above + r.rank()));
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Whether the first {@code limit} positions of a side by approximate score, highest first ({@code descending};
     * fewer when the side holds fewer), hold every position the first {@code k} of the exact order can come from.
     * Empty when they do; else the floor a second read must reach ({@code approximate >= floor}): a band of near or
     * exact ties (many positions scoring exactly 0, say) reaches past the positions read.
     */
    public static OptionalDouble missing(List<Approximate> descending, int k, int limit) {
        if (k < 1 || limit < k) {
            throw new IllegalArgumentException("read at least the " + k + " asked, got a limit of " + limit);
        }
        if (descending.size() < limit) {
            return OptionalDouble.empty(); // the whole side
        }
        double floor = floor(descending.get(k - 1).score());
        boolean held = descending.get(descending.size() - 1).score() < floor;
        return held ? OptionalDouble.empty() : OptionalDouble.of(floor);
    }

    /**
     * Whether the first {@code limit} positions scoring exactly 0, by quantity, largest first ({@code descending};
     * fewer when there are fewer), hold the first {@code need} of them in queue order. Positions that tie on score 0
     * (Binance: every losing position, every account without a margin ratio) are ordered by the larger quantity, then
     * account id: they are the {@code need}-th's quantity and above. Empty when the positions read hold them all;
     * else that quantity, for a second read of the zero scores down to it.
     */
    public static Optional<BigDecimal> missingZeros(List<AdlCandidate> descending, int need, int limit) {
        if (need < 1 || limit < need) {
            throw new IllegalArgumentException("read at least the " + need + " needed, got a limit of " + limit);
        }
        if (descending.size() < limit) {
            return Optional.empty(); // every zero score
        }
        BigDecimal quantity = descending.get(need - 1).quantity();
        return descending.get(descending.size() - 1).quantity().compareTo(quantity) < 0 ? Optional.empty()
                : Optional.of(quantity);
    }

    /**
     * The first {@code k} of the queue in {@link AdlQueue#rank} order, from {@code band}: positions of one side that
     * include every one whose approximate score reaches {@link #floor} of the k-th (more do no harm).
     */
    public static List<AdlCandidate> exact(List<AdlCandidate> band, int k, AdlRanking ranking) {
        List<AdlQueue.Ranked> ranked = AdlQueue.rank(band, ranking);
        return ranked.subList(0, Math.min(k, ranked.size())).stream().map(AdlQueue.Ranked::candidate).toList();
    }
}
