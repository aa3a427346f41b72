package io.backstop.events.oracle;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * The oracle's price of a symbol (an instrument or a collateral asset), in its quote currency.
 * Sequenced per symbol in the envelope.
 *
 * @param indexPrice  robust aggregate of the trusted venues (the last trusted one when not OK)
 * @param markPrice   index plus the smoothed, bounded perpetual basis; equal to the index without perpetual quotes
 * @param twap        time-weighted average of the index over the configured window
 * @param confidence  dispersion band of the trusted sources, in price units
 * @param marketPrice for wrapped assets: their own spot pair's price, shown but never used; else null
 * @param priceTime   when the index was computed (the oracle's clock)
 * @param lastTrustedAt when the index was last computed from a quorum (its age is priceTime minus this)
 */
public record OraclePricePublished(String symbol, BigDecimal indexPrice, BigDecimal markPrice, BigDecimal twap,
                                   BigDecimal confidence, PriceStatus status, BigDecimal marketPrice,
                                   List<PriceSource> sources, Instant priceTime, Instant lastTrustedAt)
        implements EventPayload {

    public OraclePricePublished {
        Contract.text("symbol", symbol);
        Contract.positive("indexPrice", indexPrice);
        Contract.positive("markPrice", markPrice);
        Contract.positive("twap", twap);
        Contract.nonNegative("confidence", confidence);
        Contract.required("status", status);
        Contract.optionalPositive("marketPrice", marketPrice);
        sources = Contract.list("sources", sources);
        Contract.required("priceTime", priceTime);
        Contract.required("lastTrustedAt", lastTrustedAt);
    }

    @Override
    public String key() {
        return symbol;
    }
}
