package io.backstop.insurance.fund;

import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * One of the fund's unwinding orders (IOC, on {@code liquidation.orders}): base quantity, limit price in the
 * settlement asset; status {@code OPEN} until its execution arrives, then {@code DONE}.
 */
public record FundOrder(UUID id, String group, String symbol, Side side, BigDecimal quantity, BigDecimal limitPrice,
                        String status) {

    public static final String OPEN = "OPEN";
    public static final String DONE = "DONE";

    public boolean isOpen() {
        return OPEN.equals(status);
    }
}
