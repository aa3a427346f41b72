package io.backstop.insurance.waterfall;

import java.math.BigDecimal;

/**
 * A fund as the waterfall sees it when a shortfall arrives.
 *
 * @param balance           money in the settlement asset
 * @param inheritedNotional notional, at the marks, of the positions it took over and has not unwound
 * @param capacityFraction  the fund may hold inherited positions up to this fraction of its balance
 * @param guaranteeHolds    whether the operator's guarantee covers what the fund cannot (no ADL, no
 *                          socialized loss) at this moment
 */
public record FundSnapshot(String group, BigDecimal balance, BigDecimal inheritedNotional,
                           BigDecimal capacityFraction, boolean guaranteeHolds) {

    /** Notional the fund may still take over: fraction × balance − inherited, never below zero. */
    public BigDecimal capacity() {
        return capacityFraction.multiply(balance).subtract(inheritedNotional).max(BigDecimal.ZERO);
    }
}
