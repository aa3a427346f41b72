package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * The public record of one liquidation trade, published as it happens with no sampling or rate cap.
 * It names no account.
 */
public record LiquidationReported(UUID liquidationId, String tradeId, String symbol, Side side,
                                  BigDecimal quantity, BigDecimal price, BigDecimal notional,
                                  Instant executedAt) implements EventPayload {

    public LiquidationReported {
        Contract.required("liquidationId", liquidationId);
        Contract.text("tradeId", tradeId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.positive("price", price);
        Contract.positive("notional", notional);
        Contract.required("executedAt", executedAt);
    }

    @Override
    public String key() {
        return symbol;
    }
}
