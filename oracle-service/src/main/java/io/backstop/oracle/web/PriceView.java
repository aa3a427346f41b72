package io.backstop.oracle.web;

import io.backstop.events.oracle.PriceSource;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.oracle.pricing.PriceSnapshot;
import io.backstop.oracle.pricing.PriceEvents;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A symbol's price as the API shows it: the fields of {@code oracle.prices}, its sequence, and the
 * age of its trusted index. Prices are decimal strings in the quote currency. A configured symbol
 * that never had a trusted price shows status STALE and no prices.
 *
 * @param ageSeconds seconds between priceTime and lastTrustedAt
 */
public record PriceView(String symbol, Long sequence, BigDecimal indexPrice, BigDecimal markPrice, BigDecimal twap,
                        BigDecimal confidence, PriceStatus status, BigDecimal marketPrice, List<PriceSource> sources,
                        Instant priceTime, Instant lastTrustedAt, Double ageSeconds) {

    static PriceView of(PriceSnapshot p) {
        return new PriceView(p.symbol(), p.sequence(), p.indexPrice(), p.markPrice(), p.twap(), p.confidence(),
                p.status(), p.marketPrice(), PriceEvents.sources(p.sources()), p.priceTime(), p.lastTrustedAt(),
                p.age().toMillis() / 1000.0);
    }

    static PriceView never(String symbol) {
        return new PriceView(symbol, null, null, null, null, null, PriceStatus.STALE, null, List.of(), null, null, null);
    }
}
