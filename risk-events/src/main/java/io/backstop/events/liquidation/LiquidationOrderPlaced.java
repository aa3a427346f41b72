package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * An immediate-or-cancel limit order to the exchange. Its limit is never worse than the position's
 * bankruptcy price: a SELL never below it, a BUY never above it.
 *
 * @param accountId         the liquidated account, or the fund group when the owner is the fund
 * @param marginCallEventId the margin call this order answers; null for fund unwinds
 * @param slice             1-based index of this slice of the liquidation
 */
public record LiquidationOrderPlaced(UUID orderId, UUID liquidationId, OrderOwner owner, String accountId,
                                     String symbol, Side side, BigDecimal quantity, BigDecimal limitPrice,
                                     UUID marginCallEventId, Integer slice) implements EventPayload {

    public LiquidationOrderPlaced {
        Contract.required("orderId", orderId);
        Contract.required("liquidationId", liquidationId);
        Contract.required("owner", owner);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.positive("limitPrice", limitPrice);
        if (owner == OrderOwner.ACCOUNT) {
            Contract.required("marginCallEventId", marginCallEventId);
        }
        Contract.required("slice", slice);
        if (slice < 1) {
            throw new io.backstop.events.InvalidField("slice", "must be at least 1, got " + slice);
        }
    }

    @Override
    public String key() {
        return symbol;
    }
}
