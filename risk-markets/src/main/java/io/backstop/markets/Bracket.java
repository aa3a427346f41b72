package io.backstop.markets;

import java.math.BigDecimal;

/**
 * One maintenance-margin tier of a symbol: positions whose notional is at least {@code floor} (and
 * below the next tier's floor) need MM = notional x mmr - cum and may use at most maxLeverage.
 *
 * @param floor       notional (settlement asset) from which the tier applies
 * @param mmr         maintenance margin rate
 * @param maxLeverage initial margin = notional / maxLeverage
 * @param cum         maintenance amount, derived: cum(n) = floor(n) x (mmr(n) - mmr(n-1)) + cum(n-1), so
 *                    MM is continuous across tier boundaries
 */
public record Bracket(BigDecimal floor, BigDecimal mmr, int maxLeverage, BigDecimal cum) {
}
