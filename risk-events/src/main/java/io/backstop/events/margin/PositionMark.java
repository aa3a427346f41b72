package io.backstop.events.margin;

import io.backstop.events.Contract;
import io.backstop.events.InvalidField;
import io.backstop.events.MarginMode;
import java.math.BigDecimal;

/**
 * An open position valued at a mark price. Money is in the settlement asset.
 *
 * @param size              signed size in base units: positive long, negative short, never zero
 * @param notional          |size| x markPrice
 * @param isolatedMargin    margin held by an isolated position; null for cross
 * @param liquidationPrice  the mark at which this position alone brings equity to maintenance
 *                          (other prices held), or null when no positive price does
 */
public record PositionMark(String symbol, BigDecimal size, BigDecimal entryPrice, BigDecimal markPrice,
                           BigDecimal notional, BigDecimal unrealizedPnl, BigDecimal maintenanceMargin,
                           MarginMode marginMode, BigDecimal isolatedMargin, BigDecimal liquidationPrice) {

    public PositionMark {
        Contract.text("symbol", symbol);
        Contract.signed("size", size);
        if (size.signum() == 0) {
            throw new InvalidField("size", "must not be zero for an open position");
        }
        Contract.positive("entryPrice", entryPrice);
        Contract.positive("markPrice", markPrice);
        Contract.nonNegative("notional", notional);
        Contract.signed("unrealizedPnl", unrealizedPnl);
        Contract.nonNegative("maintenanceMargin", maintenanceMargin);
        Contract.required("marginMode", marginMode);
        if (marginMode == MarginMode.ISOLATED) {
            Contract.nonNegative("isolatedMargin", isolatedMargin);
        }
        Contract.optionalNonNegative("liquidationPrice", liquidationPrice);
    }
}
