package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.util.UUID;

/** A liquidation fee paid into the insurance fund of the symbol's group, in {@code asset}. */
public record LiquidationFeeCollected(UUID liquidationId, String tradeId, String accountId, String symbol,
                                      BigDecimal amount, String asset) implements EventPayload {

    public LiquidationFeeCollected {
        Contract.required("liquidationId", liquidationId);
        Contract.text("tradeId", tradeId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.positive("amount", amount);
        Contract.text("asset", asset);
    }

    @Override
    public String key() {
        return symbol;
    }
}
