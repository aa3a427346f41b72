package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import java.math.BigDecimal;

/** One trade of an order's execution on the exchange. */
public record ExecutionFill(String tradeId, BigDecimal price, BigDecimal quantity) {

    public ExecutionFill {
        Contract.text("tradeId", tradeId);
        Contract.positive("price", price);
        Contract.positive("quantity", quantity);
    }
}
