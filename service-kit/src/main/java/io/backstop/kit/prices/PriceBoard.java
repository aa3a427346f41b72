package io.backstop.kit.prices;

import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest oracle price of every symbol: mark (positions) and index (collateral); newer sequences win.
 * Filled by a service's own listener of {@code oracle.prices}; rebuilt by replaying it.
 */
public final class PriceBoard {

    /** One symbol's latest prices. */
    public record Price(BigDecimal index, BigDecimal mark, long sequence) {
    }

    private final Map<String, Price> prices = new ConcurrentHashMap<>();

    public void update(String symbol, BigDecimal index, BigDecimal mark, long sequence) {
        prices.merge(symbol, new Price(index, mark, sequence), (old, now) -> now.sequence() > old.sequence() ? now : old);
    }

    /** The latest mark of {@code symbol}, if any price of it was seen. */
    public java.util.Optional<BigDecimal> mark(String symbol) {
        return java.util.Optional.ofNullable(prices.get(symbol)).map(Price::mark);
    }

    /** Marks by symbol (for positions). */
    public Map<String, BigDecimal> marks() {
        Map<String, BigDecimal> marks = new java.util.HashMap<>();
        prices.forEach((symbol, price) -> marks.put(symbol, price.mark()));
        return marks;
    }

    /** Index prices by symbol (for collateral). */
    public Map<String, BigDecimal> indexes() {
        Map<String, BigDecimal> indexes = new java.util.HashMap<>();
        prices.forEach((symbol, price) -> indexes.put(symbol, price.index()));
        return indexes;
    }
}
