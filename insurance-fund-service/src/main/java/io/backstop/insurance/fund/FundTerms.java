package io.backstop.insurance.fund;

import java.math.BigDecimal;
import java.util.List;

/**
 * What the operator configured for one fund group.
 *
 * @param symbols                    the symbols whose shortfalls and fees go to this fund
 * @param capacityFraction           the fund may hold inherited positions (notional at mark) up to this fraction of
 *                                   its balance
 * @param guaranteeOpenInterestLimit while the group's open interest (notional) is at or below this, the operator
 *                                   covers what the fund cannot; null when there is no guarantee
 */
public record FundTerms(List<String> symbols, BigDecimal capacityFraction, BigDecimal guaranteeOpenInterestLimit) {

    /** Whether the operator's guarantee holds at this open interest (notional of the group's symbols). */
    public boolean guaranteeHolds(BigDecimal openInterest) {
        return guaranteeOpenInterestLimit != null && openInterest.compareTo(guaranteeOpenInterestLimit) <= 0;
    }
}
