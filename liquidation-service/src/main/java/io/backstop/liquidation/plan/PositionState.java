package io.backstop.liquidation.plan;

import io.backstop.events.Side;
import io.backstop.markets.MarginBrackets;
import java.math.BigDecimal;

/**
 * One open position of the scope being liquidated, marked.
 *
 * @param size  signed: positive long, negative short
 * @param mark  the mark price the scope's equity is stated at
 */
public record PositionState(String symbol, BigDecimal size, BigDecimal entryPrice, BigDecimal mark,
                            MarginBrackets brackets, int priceScale) {

    public BigDecimal quantity() {
        return size.abs();
    }

    public BigDecimal notional() {
        return quantity().multiply(mark);
    }

    public BigDecimal maintenance() {
        return brackets.maintenance(notional());
    }

    /** The side of an order that closes (part of) it. */
    public Side closingSide() {
        return size.signum() > 0 ? Side.SELL : Side.BUY;
    }

    public PositionState withMark(BigDecimal newMark) {
        return new PositionState(symbol, size, entryPrice, newMark, brackets, priceScale);
    }

    public PositionState withSize(BigDecimal newSize) {
        return new PositionState(symbol, newSize, entryPrice, mark, brackets, priceScale);
    }
}
