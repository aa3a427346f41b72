package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What one configured source contributed to an index.
 *
 * @param price     the source's price as read (null when it had none)
 * @param weight    its configured weight
 * @param exclusion why it was left out, or null when included
 * @param observedAt the venue time of the source's latest quote, or null when it has none
 */
public record SourceVerdict(String venue, BigDecimal price, BigDecimal weight, Exclusion exclusion,
                            Instant observedAt) {

    public boolean included() {
        return exclusion == null;
    }

    /** Fresh: it has a recent, sane price, whether or not the outlier test kept it. */
    public boolean fresh() {
        return exclusion == null || exclusion == Exclusion.OUTLIER || exclusion == Exclusion.NAIVE_MODE;
    }

    /** The weight it carried in the index: its configured weight when included, else zero. */
    public BigDecimal effectiveWeight() {
        return included() ? weight : BigDecimal.ZERO;
    }
}
