package io.backstop.liquidation.plan;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The margin scope under liquidation (the cross positions with the account's collateral, or one
 * isolated position with its margin), as the margin call stated it and re-marked since.
 *
 * @param equity     the scope's equity at the positions' marks and the collateral's prices
 * @param positions  its open positions, each with the mark the equity is stated at
 * @param collateral per price symbol, the weight by which its price moves equity (amount x (1 - haircut),
 *                   or the amount of a debt), with the price the equity is stated at
 */
public record ScopeState(BigDecimal equity, List<PositionState> positions, Map<String, Collateral> collateral) {

    public ScopeState {
        positions = List.copyOf(positions);
        collateral = Map.copyOf(collateral);
    }

    /** Collateral valued by one price: equity moves by weight x price move. */
    public record Collateral(BigDecimal weight, BigDecimal price) {
    }

    public BigDecimal maintenance() {
        return positions.stream().map(PositionState::maintenance).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public BigDecimal notional() {
        return positions.stream().map(PositionState::notional).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** Equity over maintenance (negative when equity is); the lower, the more underwater. */
    public BigDecimal health() {
        BigDecimal maintenance = maintenance();
        return maintenance.signum() == 0 ? BigDecimal.valueOf(Long.MAX_VALUE)
                : equity.divide(maintenance, 12, java.math.RoundingMode.FLOOR);
    }

    public boolean belowMaintenance() {
        return equity.compareTo(maintenance()) < 0;
    }

    /**
     * The same scope at new marks (by position symbol) and collateral prices (by price symbol): equity
     * moves exactly by size x mark move and weight x price move; a missing price keeps the old one.
     */
    public ScopeState remark(Map<String, BigDecimal> marks, Map<String, BigDecimal> collateralPrices) {
        BigDecimal e = equity;
        List<PositionState> remarked = new ArrayList<>(positions.size());
        for (PositionState p : positions) {
            BigDecimal mark = marks.getOrDefault(p.symbol(), p.mark());
            e = e.add(p.size().multiply(mark.subtract(p.mark())));
            remarked.add(p.withMark(mark));
        }
        Map<String, Collateral> revalued = new LinkedHashMap<>();
        for (Map.Entry<String, Collateral> c : collateral.entrySet()) {
            BigDecimal price = collateralPrices.getOrDefault(c.getKey(), c.getValue().price());
            e = e.add(c.getValue().weight().multiply(price.subtract(c.getValue().price())));
            revalued.put(c.getKey(), new Collateral(c.getValue().weight(), price));
        }
        return new ScopeState(e, remarked, revalued);
    }

    /**
     * After a fill of {@code quantity} of a position at {@code price} with {@code fee}: the position
     * shrinks, and equity (at the position's mark) changes by what closing at the price instead of the
     * mark gives, less the fee.
     */
    public ScopeState afterFill(String symbol, BigDecimal quantity, BigDecimal price, BigDecimal fee) {
        BigDecimal e = equity.subtract(fee);
        List<PositionState> after = new ArrayList<>(positions.size());
        for (PositionState p : positions) {
            if (!p.symbol().equals(symbol)) {
                after.add(p);
                continue;
            }
            BigDecimal signed = p.size().signum() > 0 ? quantity : quantity.negate();
            e = e.add(signed.multiply(price.subtract(p.mark())));
            BigDecimal remaining = p.size().subtract(signed);
            if (remaining.signum() != 0) {
                after.add(p.withSize(remaining));
            }
        }
        return new ScopeState(e, after, collateral);
    }

    public java.util.Optional<PositionState> position(String symbol) {
        return positions.stream().filter(p -> p.symbol().equals(symbol)).findFirst();
    }
}
