package io.backstop.insurance.fund;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A position the fund inherited on one symbol: signed size (positive long) and its exact cost (the sum
 * of quantity × bankruptcy price of every takeover still held). Closing part of it releases the same
 * part of the cost (rounded to {@link #COST_SCALE} decimals; closing the rest releases exactly what is
 * left), so over a full unwind the realized PnL is exact: proceeds − cost.
 */
public record Inventory(String symbol, BigDecimal size, BigDecimal cost) {

    /** Decimals of the cost released by a partial close. */
    public static final int COST_SCALE = 12;

    public static Inventory flat(String symbol) {
        return new Inventory(symbol, BigDecimal.ZERO, BigDecimal.ZERO);
    }

    public boolean isFlat() {
        return size.signum() == 0;
    }

    public BigDecimal averagePrice() {
        return size.signum() == 0 ? BigDecimal.ZERO : cost.divide(size.abs(), MathContext.DECIMAL64);
    }

    /** What a takeover does to the fund's position: the new position and the PnL it realized. */
    public record Change(Inventory after, BigDecimal realizedPnl) {
    }

    /**
     * Takes over {@code delta} (signed: positive a long) at {@code price}. In the direction of the
     * position (or from flat) it adds to the cost; against it, it first closes the fund's position at
     * that price (realizing PnL) and holds the rest.
     */
    public Change takeOver(BigDecimal delta, BigDecimal price) {
        if (size.signum() == 0 || delta.signum() == size.signum()) {
            return new Change(new Inventory(symbol, size.add(delta), cost.add(delta.abs().multiply(price))),
                    BigDecimal.ZERO);
        }
        BigDecimal closing = delta.abs().min(size.abs());
        BigDecimal pnl = pnlOfClosing(closing, price);
        Inventory after = close(closing);
        BigDecimal rest = delta.abs().subtract(closing);
        if (rest.signum() > 0) {
            after = after.takeOver(delta.signum() > 0 ? rest : rest.negate(), price).after();
        }
        return new Change(after, pnl);
    }

    /** The cost {@code quantity} releases: all of it for the whole position. */
    public BigDecimal releasedCost(BigDecimal quantity) {
        requireClosable(quantity);
        if (quantity.compareTo(size.abs()) == 0) {
            return cost;
        }
        return cost.multiply(quantity).divide(size.abs(), COST_SCALE, RoundingMode.HALF_EVEN);
    }

    /** PnL of closing {@code quantity} at {@code price}: long proceeds − cost, short cost − proceeds. */
    public BigDecimal pnlOfClosing(BigDecimal quantity, BigDecimal price) {
        BigDecimal proceeds = quantity.multiply(price);
        BigDecimal released = releasedCost(quantity);
        return size.signum() > 0 ? proceeds.subtract(released) : released.subtract(proceeds);
    }

    public Inventory close(BigDecimal quantity) {
        BigDecimal released = releasedCost(quantity);
        BigDecimal newSize = size.signum() > 0 ? size.subtract(quantity) : size.add(quantity);
        return new Inventory(symbol, newSize, cost.subtract(released));
    }

    /** Notional at {@code mark}. */
    public BigDecimal notional(BigDecimal mark) {
        return size.abs().multiply(mark);
    }

    private void requireClosable(BigDecimal quantity) {
        if (quantity.signum() <= 0 || quantity.compareTo(size.abs()) > 0) {
            throw new IllegalArgumentException("cannot close " + quantity.toPlainString() + " of the fund's "
                    + size.toPlainString() + " " + symbol);
        }
    }
}
