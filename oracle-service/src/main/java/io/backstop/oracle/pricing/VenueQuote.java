package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * A venue's latest quote for a symbol. Its price is the mid of the book when the venue publishes a
 * sane one, else the last trade.
 *
 * @param venueTime  when the venue observed it (its age is measured from this)
 * @param receivedAt when the oracle received it (for tick-to-publish latency)
 */
public record VenueQuote(String venue, BigDecimal bid, BigDecimal ask, BigDecimal last, Instant venueTime,
                         Instant receivedAt) {

    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    public boolean crossed() {
        return bid != null && ask != null && bid.compareTo(ask) > 0;
    }

    /** Mid when both sides are present and not crossed, else the last trade. */
    public BigDecimal price() {
        if (bid != null && ask != null && !crossed()) {
            return bid.add(ask).divide(TWO, Math.max(bid.scale(), ask.scale()) + 1, RoundingMode.HALF_EVEN)
                    .stripTrailingZeros();
        }
        return last;
    }

    public boolean sameAs(VenueQuote other) {
        return other != null && venueTime.equals(other.venueTime) && equal(bid, other.bid) && equal(ask, other.ask)
                && last.compareTo(other.last) == 0;
    }

    private static boolean equal(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }
}
