package io.backstop.markets;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The market catalogue, under {@code backstop.markets}: each perpetual's oracle symbol, price scale
 * and brackets. Its defaults are {@code backstop-markets.yml} (imported by the services that value
 * positions), so margin-service and liquidation-service always agree on the tiers; an environment
 * overrides them like any property. {@link #markets()} validates it and names every problem.
 */
@ConfigurationProperties("backstop.markets")
public class MarketsProperties {

    private Map<String, Symbol> symbols = new LinkedHashMap<>();

    public Map<String, Symbol> getSymbols() {
        return symbols;
    }

    public void setSymbols(Map<String, Symbol> symbols) {
        this.symbols = symbols;
    }

    public static class Symbol {
        /** The oracle symbol whose mark prices it (default: the symbol itself). */
        private String priceSymbol;
        private int priceScale = 2;
        private List<Tier> brackets = new ArrayList<>();

        public String getPriceSymbol() {
            return priceSymbol;
        }

        public void setPriceSymbol(String priceSymbol) {
            this.priceSymbol = priceSymbol;
        }

        public int getPriceScale() {
            return priceScale;
        }

        public void setPriceScale(int priceScale) {
            this.priceScale = priceScale;
        }

        public List<Tier> getBrackets() {
            return brackets;
        }

        public void setBrackets(List<Tier> brackets) {
            this.brackets = brackets;
        }
    }

    /** A bracket as configured; its maintenance amount (cum) is derived, never typed in. */
    public static class Tier {
        private BigDecimal floor;
        private BigDecimal mmr;
        private int maxLeverage;

        public BigDecimal getFloor() {
            return floor;
        }

        public void setFloor(BigDecimal floor) {
            this.floor = floor;
        }

        public BigDecimal getMmr() {
            return mmr;
        }

        public void setMmr(BigDecimal mmr) {
            this.mmr = mmr;
        }

        public int getMaxLeverage() {
            return maxLeverage;
        }

        public void setMaxLeverage(int maxLeverage) {
            this.maxLeverage = maxLeverage;
        }
    }

    /** Thrown at start when the catalogue is invalid; lists every problem with its property. */
    public static final class InvalidMarkets extends IllegalStateException {
        InvalidMarkets(List<String> problems) {
            super("Invalid market catalogue:\n  - " + String.join("\n  - ", problems));
        }
    }

    /** The validated markets by symbol (upper case). */
    public Map<String, Market> markets() {
        List<String> problems = new ArrayList<>();
        Map<String, Market> markets = new LinkedHashMap<>();
        if (symbols.isEmpty()) {
            problems.add("backstop.markets.symbols: no symbol is configured");
        }
        symbols.forEach((name, symbol) -> {
            String id = name.toUpperCase(Locale.ROOT);
            if (symbol.getPriceScale() < 0 || symbol.getPriceScale() > 18) {
                problems.add("backstop.markets.symbols." + name + ".price-scale: must be in [0, 18]");
            }
            try {
                MarginBrackets brackets = MarginBrackets.of(symbol.getBrackets().stream()
                        .map(b -> new MarginBrackets.Tier(b.getFloor(), b.getMmr(), b.getMaxLeverage())).toList());
                String priceSymbol = symbol.getPriceSymbol() == null ? id
                        : symbol.getPriceSymbol().toUpperCase(Locale.ROOT);
                markets.put(id, new Market(id, priceSymbol, brackets, symbol.getPriceScale()));
            } catch (IllegalArgumentException e) {
                problems.add("backstop.markets.symbols." + name + ".brackets: " + e.getMessage());
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidMarkets(problems);
        }
        return markets;
    }
}
