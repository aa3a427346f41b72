package io.backstop.markets;

import java.math.BigDecimal;
import java.util.List;

/** Brackets for tests, shaped like the shipped catalogue's (Binance-like). */
public final class SampleMarkets {

    private SampleMarkets() {
    }

    /** BTCUSDT: cum derives to 0, 50, 3050, 48050, 348050. */
    public static MarginBrackets btcBrackets() {
        return MarginBrackets.of(List.of(
                new MarginBrackets.Tier(new BigDecimal("0"), new BigDecimal("0.004"), 125),
                new MarginBrackets.Tier(new BigDecimal("50000"), new BigDecimal("0.005"), 100),
                new MarginBrackets.Tier(new BigDecimal("600000"), new BigDecimal("0.01"), 50),
                new MarginBrackets.Tier(new BigDecimal("3000000"), new BigDecimal("0.025"), 20),
                new MarginBrackets.Tier(new BigDecimal("12000000"), new BigDecimal("0.05"), 10)));
    }

    /** ETHUSDT: four tiers from 0.5% to 2%. */
    public static MarginBrackets ethBrackets() {
        return MarginBrackets.of(List.of(
                new MarginBrackets.Tier(new BigDecimal("0"), new BigDecimal("0.005"), 100),
                new MarginBrackets.Tier(new BigDecimal("10000"), new BigDecimal("0.0065"), 75),
                new MarginBrackets.Tier(new BigDecimal("100000"), new BigDecimal("0.01"), 50),
                new MarginBrackets.Tier(new BigDecimal("1000000"), new BigDecimal("0.02"), 25)));
    }
}
