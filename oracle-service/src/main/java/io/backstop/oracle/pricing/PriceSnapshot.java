package io.backstop.oracle.pricing;

import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A symbol's price as the oracle evaluated it. Prices are in the quote currency, rounded to the
 * symbol's scale.
 *
 * @param sequence       per-symbol publication sequence (0 when never published)
 * @param marketPrice    a wrapped asset's own pair, or a stablecoin's unfloored index; else null
 * @param lastTrustedAt  when the index last came from a quorum
 * @param tickReceivedAt when the tick that triggered this evaluation arrived (null for timer evaluations)
 */
public record PriceSnapshot(String symbol, long sequence, BigDecimal indexPrice, BigDecimal markPrice, BigDecimal twap,
                            BigDecimal confidence, PriceStatus status, BigDecimal marketPrice,
                            List<SourceVerdict> sources, Instant priceTime, Instant lastTrustedAt,
                            Instant tickReceivedAt) {

    /** How old the trusted index is at {@code priceTime}. */
    public Duration age() {
        return Duration.between(lastTrustedAt, priceTime);
    }

    PriceSnapshot withSequence(long newSequence) {
        return new PriceSnapshot(symbol, newSequence, indexPrice, markPrice, twap, confidence, status, marketPrice,
                sources, priceTime, lastTrustedAt, tickReceivedAt);
    }
}
