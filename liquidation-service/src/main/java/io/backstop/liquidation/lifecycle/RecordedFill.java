package io.backstop.liquidation.lifecycle;

import java.math.BigDecimal;

/**
 * A closing trade of an account recorded here (a liquidation fill, or a takeover or ADL of its bankrupt
 * remainder at the fill's price without a fee), as a margin call's scope sees it.
 */
public record RecordedFill(String tradeId, String symbol, BigDecimal quantity, BigDecimal price, BigDecimal fee) {
}
