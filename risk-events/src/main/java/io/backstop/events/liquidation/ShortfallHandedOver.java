package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * One remainder a liquidation handed to the fund, as its {@link LiquidationShortfallRaised} said: the waterfall
 * settles it by closing {@code quantity} (takeover and ADL of the bankrupt side) and, when {@code deficit} is
 * positive, by covering at least that much (settlement asset).
 */
public record ShortfallHandedOver(UUID shortfallId, String symbol, BigDecimal quantity, BigDecimal deficit) {

    public ShortfallHandedOver {
        Contract.required("shortfallId", shortfallId);
        Contract.text("symbol", symbol);
        Contract.positive("quantity", quantity);
        Contract.nonNegative("deficit", deficit);
    }
}
