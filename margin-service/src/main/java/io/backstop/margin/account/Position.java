package io.backstop.margin.account;

import io.backstop.events.MarginMode;
import java.math.BigDecimal;

/**
 * An open linear perpetual position.
 *
 * @param size           signed base units: positive long, negative short; zero means flat
 * @param entryPrice     average entry, settlement asset per base unit
 * @param isolatedMargin margin held by an isolated position (settlement asset); zero for cross
 */
public record Position(String symbol, BigDecimal size, BigDecimal entryPrice, MarginMode mode,
                       BigDecimal isolatedMargin) {

    public boolean flat() {
        return size.signum() == 0;
    }

    public boolean isolated() {
        return mode == MarginMode.ISOLATED;
    }
}
