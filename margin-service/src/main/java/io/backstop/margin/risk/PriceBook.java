package io.backstop.margin.risk;

import java.util.Optional;

/** Where the margin engine reads prices. */
@FunctionalInterface
public interface PriceBook {
    Optional<Quote> quote(String priceSymbol);
}
