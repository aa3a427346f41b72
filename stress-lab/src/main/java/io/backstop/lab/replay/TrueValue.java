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
 */
public final class TrueValue {

    private TrueValue() {
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
}
