package io.backstop.lab.replay;

import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import java.math.BigDecimal;
import java.util.function.Function;

/**
 * A margin call judged again with the account's collateral at its <em>true</em> value: the world's
 * honest prices, the call's own amounts and haircuts, and its positions at the very marks the call
 * used. When the account still covered its maintenance margin that way, the call — and a liquidation
 * that followed it — was caused by how the collateral was priced, not by the market: a <em>wrongful</em>
 * liquidation. Judging the call rather than the account at some later moment keeps timing (a mark that
 * lagged, a price that came back) out of it: only the collateral's price differs from what Backstop used.
 * A call counts only when the collateral was <em>materially</em> mispriced — by more than {@link #MATERIAL}
 * of its true value: an oracle that tracks the venues lags the honest price by a tick, and an account
 * a hair's breadth from its maintenance margin can cross it on that alone; that is not a manipulated price.
 */
public final class TrueValue {

    /** The share of the collateral's true value by which it must have been undervalued to count. */
    public static final BigDecimal MATERIAL = new BigDecimal("0.01");

    private TrueValue() {
    }

    /** The call's collateral at {@code honest} prices, haircuts applied (debts at full value). */
    public static BigDecimal collateralAtTrueValue(MarginCallIssued call, Function<String, BigDecimal> honest) {
        BigDecimal value = BigDecimal.ZERO;
        for (CollateralValue c : call.collateral()) {
            BigDecimal price = c.asset().equals("USDT") ? BigDecimal.ONE : honest.apply(c.asset());
            BigDecimal kept = c.amount().signum() > 0 ? BigDecimal.ONE.subtract(c.haircut()) : BigDecimal.ONE;
            value = value.add(c.amount().multiply(price).multiply(kept));
        }
        return value;
    }

    /** What the call's equity would have been with each collateral balance at {@code honest} prices. */
    public static BigDecimal equityAtTrueValue(MarginCallIssued call, Function<String, BigDecimal> honest) {
        BigDecimal equity = call.equity();
        for (CollateralValue c : call.collateral()) {
            BigDecimal price = c.asset().equals("USDT") ? BigDecimal.ONE : honest.apply(c.asset());
            BigDecimal kept = c.amount().signum() > 0 ? BigDecimal.ONE.subtract(c.haircut()) : BigDecimal.ONE;
            equity = equity.subtract(c.value()).add(c.amount().multiply(price).multiply(kept));
        }
        return equity;
    }

    /** Whether the account still covered its maintenance margin with its collateral at true value. */
    public static boolean coveredAtTrueValue(MarginCallIssued call, Function<String, BigDecimal> honest) {
        return equityAtTrueValue(call, honest).compareTo(call.maintenanceMargin()) >= 0;
    }

    /**
     * Whether the call was caused by a material mispricing of the collateral: at true value the account
     * covered maintenance, and its collateral had been valued more than {@link #MATERIAL} of its true value
     * below it.
     */
    public static boolean wrongful(MarginCallIssued call, Function<String, BigDecimal> honest) {
        BigDecimal undervalued = equityAtTrueValue(call, honest).subtract(call.equity());
        return coveredAtTrueValue(call, honest)
                && undervalued.compareTo(collateralAtTrueValue(call, honest).abs().multiply(MATERIAL)) > 0;
    }
}
