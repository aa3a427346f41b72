package io.backstop.events.trading;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import java.math.BigDecimal;

/**
 * A trade of the exchange's matching engine on an account's linear perpetual position.
 *
 * @param quantity          contracts in base units, positive; the side gives the direction
 * @param price             execution price, in the settlement asset per base unit
 * @param fee               fee charged, in {@code feeAsset}; negative for a maker rebate
 * @param isolatedMarginDelta margin moved into (positive) or out of the isolated position with this
 *                          trade, in the settlement asset; null for cross positions
 */
public record TradeFilled(String tradeId, String accountId, String symbol, Side side, BigDecimal quantity,
                          BigDecimal price, BigDecimal fee, String feeAsset, MarginMode marginMode,
                          BigDecimal isolatedMarginDelta) implements EventPayload {

    public TradeFilled {
        Contract.text("tradeId", tradeId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.positive("price", price);
        Contract.signed("fee", fee);
        Contract.text("feeAsset", feeAsset);
        Contract.required("marginMode", marginMode);
        if (marginMode == MarginMode.CROSS && isolatedMarginDelta != null) {
            throw new io.backstop.events.InvalidField("isolatedMarginDelta", "must be absent for a CROSS position");
        }
    }

    @Override
    public String key() {
        return accountId;
    }
}
