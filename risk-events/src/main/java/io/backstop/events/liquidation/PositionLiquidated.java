package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * A liquidation trade applied to an account. The account's settlement balance changes by
 * {@code realizedPnl - fee}; the fee goes to the insurance fund. Money is in the settlement asset.
 *
 * @param side            the closing trade's side (SELL closes a long)
 * @param realizedPnl     (price - entry) x quantity for a long closed, (entry - price) x quantity for a short
 * @param fee             liquidation fee, capped by what the fill leaves above the bankruptcy price
 * @param bankruptcyPrice the price at which closing leaves the account's equity at zero
 */
public record PositionLiquidated(UUID liquidationId, UUID orderId, String tradeId, String accountId,
                                 String symbol, Side side, BigDecimal quantity, BigDecimal price,
                                 BigDecimal realizedPnl, BigDecimal fee, BigDecimal bankruptcyPrice)
        implements EventPayload {

    public PositionLiquidated {
        Contract.required("liquidationId", liquidationId);
        Contract.required("orderId", orderId);
        Contract.text("tradeId", tradeId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.positive("price", price);
        Contract.signed("realizedPnl", realizedPnl);
        Contract.nonNegative("fee", fee);
        Contract.nonNegative("bankruptcyPrice", bankruptcyPrice);
    }

    @Override
    public String key() {
        return accountId;
    }
}
