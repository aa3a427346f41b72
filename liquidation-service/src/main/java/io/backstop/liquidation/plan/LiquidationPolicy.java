package io.backstop.liquidation.plan;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * How liquidations are run (all configurable under {@code backstop.liquidation}).
 *
 * @param buffer           a partial close restores equity to maintenance x (1 + buffer); Drift uses 2%
 * @param feeRate          liquidation fee on the filled notional, capped by what the fill leaves above
 *                         the bankruptcy price
 * @param minNotional      a position whose remainder would be worth less than this is closed fully
 * @param fullCloseBelow   equity below this fraction of maintenance closes the scope fully
 * @param sliceNotional    an order worth more than this is cut into slices
 * @param sliceFraction    each slice's share of the quantity to close (Hyperliquid: 20%)
 * @param sliceCooldown    time between two slices of one position (Hyperliquid: 30 s)
 * @param maxRounds        rounds of orders: partial closes until the last, which closes everything in the market;
 *                         what it leaves becomes a shortfall
 * @param maxDuration      time from the margin call after which what is left becomes a shortfall (checked
 *                         between rounds)
 */
public record LiquidationPolicy(BigDecimal buffer, BigDecimal feeRate, BigDecimal minNotional,
                                BigDecimal fullCloseBelow, BigDecimal sliceNotional, BigDecimal sliceFraction,
                                Duration sliceCooldown, int maxRounds, Duration maxDuration) {

    public LiquidationPolicy {
        nonNegative("buffer", buffer);
        nonNegative("fee-rate", feeRate);
        nonNegative("min-notional", minNotional);
        nonNegative("full-close-below", fullCloseBelow);
        if (sliceNotional == null || sliceNotional.signum() <= 0) {
            throw new IllegalArgumentException("slice-notional must be positive, got " + sliceNotional);
        }
        if (sliceFraction == null || sliceFraction.signum() <= 0 || sliceFraction.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("slice-fraction must be in (0, 1], got " + sliceFraction);
        }
        if (sliceCooldown == null || sliceCooldown.isNegative()) {
            throw new IllegalArgumentException("slice-cooldown must not be negative, got " + sliceCooldown);
        }
        if (maxDuration == null || maxDuration.isNegative() || maxDuration.isZero()) {
            throw new IllegalArgumentException("max-duration must be positive, got " + maxDuration);
        }
        if (maxRounds < 1) {
            throw new IllegalArgumentException("max-rounds must be at least 1, got " + maxRounds);
        }
    }

    /** Backstop's defaults: 2% buffer, 0.5% fee, 100 USDT minimum, full close below 50% of MM, 3 rounds or 5 minutes. */
    public static LiquidationPolicy defaults() {
        return new LiquidationPolicy(new BigDecimal("0.02"), new BigDecimal("0.005"), new BigDecimal("100"),
                new BigDecimal("0.5"), new BigDecimal("500000"), new BigDecimal("0.2"), Duration.ofSeconds(30), 3,
                Duration.ofMinutes(5));
    }

    private static void nonNegative(String name, BigDecimal value) {
        if (value == null || value.signum() < 0) {
            throw new IllegalArgumentException(name + " must be 0 or more, got " + value);
        }
    }
}
