package io.backstop.liquidation.plan;

import io.backstop.events.Side;
import io.backstop.markets.Bracket;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The exact arithmetic of a liquidation: bankruptcy prices, the partial close, fees, slices. */
public final class LiquidationMath {

    private static final MathContext CONTEXT = MathContext.DECIMAL128;

    private LiquidationMath() {
    }

    /**
     * The price at which closing the whole position leaves the scope's equity at zero, other prices
     * held: {@code mark - equity / size}. Rounded to the position's price scale on the safe side (up
     * for a long, which is sold; down for a short, which is bought), so an order limited to it never
     * closes below zero equity; never below 0.
     */
    public static BigDecimal bankruptcyPrice(PositionState position, BigDecimal scopeEquity) {
        BigDecimal exact = position.mark().subtract(scopeEquity.divide(position.size(), CONTEXT));
        RoundingMode safe = position.size().signum() > 0 ? RoundingMode.CEILING : RoundingMode.FLOOR;
        return exact.setScale(position.priceScale(), safe).max(BigDecimal.ZERO);
    }

    /**
     * Every position's bankruptcy price when the scope's equity is shared among them by notional:
     * closing all of them at these prices leaves the scope at zero (to the price tick), so orders
     * limited to them can never, together, take the account below zero. One position: its own price.
     */
    public static java.util.Map<String, BigDecimal> bankruptcyPrices(ScopeState scope) {
        java.util.Map<String, BigDecimal> prices = new java.util.LinkedHashMap<>();
        for (PositionState p : scope.positions()) {
            prices.put(p.symbol(), bankruptcyPrice(p, equityShare(scope, p)));
        }
        return prices;
    }

    /**
     * The share of the scope's equity (settlement asset, unrounded) that stands behind one of its positions:
     * equity x the position's notional / the scope's notional (0 for a scope without notional). The one
     * definition: a position's bankruptcy price is where this share is used up, and a shortfall's deficit is
     * what closing at that price leaves below it, so both must use the same share.
     */
    public static BigDecimal equityShare(ScopeState scope, PositionState position) {
        BigDecimal total = scope.notional();
        return total.signum() == 0 ? BigDecimal.ZERO
                : scope.equity().multiply(position.notional()).divide(total, CONTEXT);
    }

    /** One close the plan asks for. */
    public record Close(String symbol, Side side, BigDecimal quantity, boolean full) {
    }

    /**
     * The smallest closes that restore the scope's equity to maintenance x (1 + buffer), counting the
     * liquidation fee at the mark; positions that free the most maintenance go first. A position is
     * closed fully when what would remain is worth less than the minimum notional, when closing it
     * cannot restore the scope on its own (its fee costs more than the margin it frees), or when the
     * scope's equity is below {@code fullCloseBelow} of its maintenance (then everything is closed).
     * Quantities keep the scale of the position's size (rounded up).
     */
    public static List<Close> plan(ScopeState scope, LiquidationPolicy policy) {
        List<PositionState> order = new ArrayList<>(scope.positions());
        order.sort(Comparator.comparing(PositionState::maintenance).reversed().thenComparing(PositionState::symbol));
        List<Close> closes = new ArrayList<>();
        BigDecimal maintenance = scope.maintenance();
        if (scope.equity().compareTo(maintenance.multiply(policy.fullCloseBelow())) < 0) {
            return closeAll(scope);
        }
        BigDecimal factor = BigDecimal.ONE.add(policy.buffer());
        BigDecimal equity = scope.equity();
        BigDecimal rest = maintenance;
        for (PositionState p : order) {
            if (equity.compareTo(rest.multiply(factor)) >= 0) {
                break;
            }
            BigDecimal others = rest.subtract(p.maintenance());
            BigDecimal quantity = smallestClose(p, equity, others, factor, policy.feeRate());
            boolean full = quantity == null || quantity.compareTo(p.quantity()) >= 0
                    || p.quantity().subtract(quantity).multiply(p.mark()).compareTo(policy.minNotional()) < 0;
            BigDecimal closed = full ? p.quantity() : quantity;
            closes.add(new Close(p.symbol(), p.closingSide(), closed, full));
            equity = equity.subtract(policy.feeRate().multiply(closed).multiply(p.mark()));
            rest = others.add(full ? BigDecimal.ZERO : p.brackets().maintenance(p.quantity().subtract(closed)
                    .multiply(p.mark())));
        }
        return closes;
    }

    /**
     * Every position closed fully, those that free the most maintenance first: what a liquidation's last round
     * orders (partial closes that did not restore the scope in the rounds before leave the rest to the market,
     * limited at the bankruptcy price, before anything is handed to the fund), and what a scope far below its
     * maintenance gets at once.
     */
    public static List<Close> closeAll(ScopeState scope) {
        List<PositionState> order = new ArrayList<>(scope.positions());
        order.sort(Comparator.comparing(PositionState::maintenance).reversed().thenComparing(PositionState::symbol));
        return order.stream().map(p -> new Close(p.symbol(), p.closingSide(), p.quantity(), true)).toList();
    }

    /**
     * The smallest quantity c of {@code p} with equity - fee x c x mark >= factor x (others + MM(rest of p)),
     * or null if none up to the whole position. Solved per tier: within one tier both sides are linear in c.
     */
    static BigDecimal smallestClose(PositionState p, BigDecimal equity, BigDecimal others, BigDecimal factor,
                                    BigDecimal feeRate) {
        BigDecimal q = p.quantity();
        BigDecimal mark = p.mark();
        List<Bracket> brackets = p.brackets().brackets();
        int top = brackets.indexOf(p.brackets().tierFor(p.notional()));
        BigDecimal start = BigDecimal.ZERO;
        for (int t = top; t >= 0; t--) {
            Bracket tier = brackets.get(t);
            // c where the remaining notional (q - c) x mark falls to this tier's floor: the end of its segment
            BigDecimal end = q.subtract(tier.floor().divide(mark, CONTEXT)).min(q);
            // g(c) = equity - feeRate c mark - factor (others + (q - c) mark mmr - cum) = a + slope c
            BigDecimal a = equity.subtract(factor.multiply(others.add(q.multiply(mark).multiply(tier.mmr())
                    .subtract(tier.cum()))));
            BigDecimal slope = mark.multiply(factor.multiply(tier.mmr()).subtract(feeRate));
            BigDecimal atStart = a.add(slope.multiply(start));
            if (atStart.signum() >= 0) {
                return roundUp(start, p, equity, others, factor, feeRate);
            }
            if (slope.signum() > 0) {
                BigDecimal root = a.negate().divide(slope, CONTEXT);
                if (root.compareTo(end) <= 0) {
                    return roundUp(root.max(start), p, equity, others, factor, feeRate);
                }
            }
            start = end;
        }
        return null;
    }

    /** Rounds a close up to the size's scale, then up by one unit while the exact check still fails. */
    private static BigDecimal roundUp(BigDecimal c, PositionState p, BigDecimal equity, BigDecimal others,
                                      BigDecimal factor, BigDecimal feeRate) {
        int scale = Math.max(p.size().stripTrailingZeros().scale(), 0);
        BigDecimal unit = BigDecimal.ONE.movePointLeft(scale);
        BigDecimal rounded = c.setScale(scale, RoundingMode.CEILING).max(unit);
        while (rounded.compareTo(p.quantity()) < 0 && !restores(rounded, p, equity, others, factor, feeRate)) {
            rounded = rounded.add(unit);
        }
        return rounded.min(p.quantity());
    }

    /** Whether closing c of p at its mark, paying the fee, leaves equity >= factor x the maintenance left. */
    public static boolean restores(BigDecimal c, PositionState p, BigDecimal equity, BigDecimal others,
                                   BigDecimal factor, BigDecimal feeRate) {
        BigDecimal after = equity.subtract(feeRate.multiply(c).multiply(p.mark()));
        BigDecimal left = others.add(p.brackets().maintenance(p.quantity().subtract(c).multiply(p.mark())));
        return after.compareTo(factor.multiply(left)) >= 0;
    }

    /**
     * What one fill of a liquidation does to the account, exactly.
     *
     * @param realizedPnl quantity x (price - entry), signed by the position's side
     * @param surplus     what the fill leaves above the bankruptcy price: quantity x (price - bankruptcy)
     *                    for a long, quantity x (bankruptcy - price) for a short (negative if worse)
     * @param fee         the liquidation fee: rate x notional, capped by the surplus, never negative
     * @param remainder   surplus - fee: what the fill leaves the account above bankruptcy
     */
    public record FillOutcome(BigDecimal realizedPnl, BigDecimal surplus, BigDecimal fee, BigDecimal remainder) {

        /** The change of the account's settlement balance: realized PnL less the fee. */
        public BigDecimal balanceChange() {
            return realizedPnl.subtract(fee);
        }
    }

    public static FillOutcome fill(PositionState position, BigDecimal quantity, BigDecimal price,
                                   BigDecimal bankruptcyPrice, BigDecimal feeRate, int feeScale) {
        boolean isLong = position.size().signum() > 0;
        BigDecimal realized = quantity.multiply(price.subtract(position.entryPrice()));
        BigDecimal surplus = quantity.multiply(price.subtract(bankruptcyPrice));
        if (!isLong) {
            realized = realized.negate();
            surplus = surplus.negate();
        }
        BigDecimal fee = feeRate.multiply(quantity).multiply(price).setScale(feeScale, RoundingMode.DOWN)
                .min(surplus.max(BigDecimal.ZERO));
        return new FillOutcome(realized, surplus, fee, surplus.subtract(fee));
    }

    /**
     * Cuts a close into slices when its notional exceeds the slice notional: each slice is the slice
     * fraction of the close (rounded up to the quantity's scale), the last takes what is left; the
     * slices sum exactly to the close.
     */
    public static List<BigDecimal> slices(BigDecimal quantity, BigDecimal price, LiquidationPolicy policy) {
        if (quantity.multiply(price).compareTo(policy.sliceNotional()) <= 0) {
            return List.of(quantity);
        }
        int scale = Math.max(quantity.stripTrailingZeros().scale(), 0);
        BigDecimal slice = quantity.multiply(policy.sliceFraction()).setScale(scale, RoundingMode.CEILING);
        List<BigDecimal> slices = new ArrayList<>();
        BigDecimal left = quantity;
        while (left.signum() > 0) {
            BigDecimal next = slice.min(left);
            slices.add(next);
            left = left.subtract(next);
        }
        return slices;
    }
}
