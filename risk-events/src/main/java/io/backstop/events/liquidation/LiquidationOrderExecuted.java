package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/**
 * The exchange's answer to an IOC liquidation order: the trades it matched (possibly none) and the
 * quantity it cancelled. Filled plus cancelled equals the order's quantity.
 */
public record LiquidationOrderExecuted(UUID orderId, UUID liquidationId, String symbol, Side side,
                                       List<ExecutionFill> fills, BigDecimal cancelledQuantity)
        implements EventPayload {

    public LiquidationOrderExecuted {
        Contract.required("orderId", orderId);
        Contract.required("liquidationId", liquidationId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        fills = Contract.list("fills", fills);
        Contract.nonNegative("cancelledQuantity", cancelledQuantity);
        if (fills.isEmpty() && cancelledQuantity.signum() == 0) {
            throw new InvalidField("fills", "an execution with no fill must cancel a positive quantity");
        }
    }

    public BigDecimal filledQuantity() {
        return fills.stream().map(ExecutionFill::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /**
     * The liquidation (or the fund's unwinding of a symbol), not the symbol: the executions of a burst on one symbol
     * spread over the partitions and the instances that read them, and one liquidation's stay in order on one.
     */
    @Override
    public String key() {
        return liquidationId.toString();
    }
}
