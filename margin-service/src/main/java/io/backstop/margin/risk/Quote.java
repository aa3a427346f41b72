package io.backstop.margin.risk;

import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.time.Instant;

/** The oracle's latest price of a symbol as the margin engine uses it. */
public record Quote(String symbol, BigDecimal index, BigDecimal mark, PriceStatus status, long sequence,
                    Instant time) {

    public boolean trusted() {
        return status.trusted();
    }
}
