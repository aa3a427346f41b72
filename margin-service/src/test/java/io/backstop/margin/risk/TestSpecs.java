package io.backstop.margin.risk;

import io.backstop.events.oracle.PriceStatus;
import io.backstop.markets.MarginBrackets;
import io.backstop.markets.SampleMarkets;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Brackets, assets and prices for tests. */
public final class TestSpecs {

    private TestSpecs() {
    }

    /** Binance-like BTCUSDT brackets: cum derives to 0, 50, 3050, 48050, 348050. */
    public static MarginBrackets btcBrackets() {
        return SampleMarkets.btcBrackets();
    }

    public static MarginBrackets ethBrackets() {
        return SampleMarkets.ethBrackets();
    }

    public static Map<String, InstrumentSpec> instruments() {
        return Map.of("BTCUSDT", new InstrumentSpec("BTCUSDT", "BTCUSDT", btcBrackets(), 2),
                "ETHUSDT", new InstrumentSpec("ETHUSDT", "ETHUSDT", ethBrackets(), 2));
    }

    public static Map<String, AssetSpec> assets() {
        return Map.of("USDT", new AssetSpec("USDT", null, BigDecimal.ZERO),
                "USDE", new AssetSpec("USDE", "USDE", new BigDecimal("0.02")),
                "BTC", new AssetSpec("BTC", "BTC", new BigDecimal("0.05")),
                "ETH", new AssetSpec("ETH", "ETH", new BigDecimal("0.05")),
                "WBETH", new AssetSpec("WBETH", "WBETH", new BigDecimal("0.07")));
    }

    public static RiskCalculator calculator() {
        return new RiskCalculator(assets(), instruments());
    }

    /** A mutable price book. */
    public static final class Prices implements PriceBook {
        private final Map<String, Quote> quotes = new HashMap<>();
        private long sequence;

        public Prices set(String symbol, String price) {
            return set(symbol, price, PriceStatus.OK);
        }

        public Prices set(String symbol, String price, PriceStatus status) {
            return set(symbol, price, status, Instant.EPOCH);
        }

        /** A trusted price the oracle published at {@code time} (its priceTime; null for none). */
        public Prices at(String symbol, String price, Instant time) {
            return set(symbol, price, PriceStatus.OK, time);
        }

        private Prices set(String symbol, String price, PriceStatus status, Instant time) {
            BigDecimal p = new BigDecimal(price);
            quotes.put(symbol, new Quote(symbol, p, p, status, ++sequence, time));
            return this;
        }

        @Override
        public Optional<Quote> quote(String priceSymbol) {
            return Optional.ofNullable(quotes.get(priceSymbol));
        }
    }
}
