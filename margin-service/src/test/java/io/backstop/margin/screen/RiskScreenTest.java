package io.backstop.margin.screen;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The screen follows the exact valuation: after any walk of prices, every scope's double equity and
 * maintenance match the BigDecimal ones, and every account whose band changed was reported.
 */
class RiskScreenTest {

    private static final List<String> SYMBOLS = List.of("BTCUSDT", "ETHUSDT", "BTC", "ETH");
    private final RiskCalculator calculator = TestSpecs.calculator();
    private final TestSpecs.Prices prices = new TestSpecs.Prices();
    private final Map<String, Double> level = new HashMap<>(Map.of("BTCUSDT", 60000.0, "ETHUSDT", 4000.0,
            "BTC", 60100.0, "ETH", 4010.0));

    @Test
    void followsTheExactValuationThroughARandomWalkAndReportsEveryBandChange() {
        Random random = new Random(11);
        level.forEach((symbol, price) -> prices.set(symbol, price(price)));
        RiskScreen screen = new RiskScreen(0.8);
        ScreenFeed feed = new ScreenFeed(screen, calculator, TestSpecs.instruments().values());
        level.keySet().forEach(symbol -> feed.price(prices.quote(symbol).orElseThrow(), a -> { }));
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            Account account = randomAccount("a" + i, random);
            accounts.add(account);
            feed.register(account, calculator.assess(account, prices), prices);
        }
        Map<String, Byte> bands = new HashMap<>();
        accounts.forEach(a -> bands.put(a.id(), exactBand(calculator.assess(a, prices))));

        int changes = 0;
        for (int step = 0; step < 60; step++) {
            String symbol = SYMBOLS.get(random.nextInt(SYMBOLS.size()));
            level.compute(symbol, (s, p) -> p * (1 + (random.nextDouble() - 0.5) * 0.06));
            prices.set(symbol, price(level.get(symbol)));
            Set<String> reported = new HashSet<>();
            feed.price(prices.quote(symbol).orElseThrow(), reported::add);

            for (Account account : accounts) {
                AccountRisk exact = calculator.assess(account, prices);
                int slot = feed.slotOf(account.id(), Account.CROSS);
                assertThat(screen.equity(slot)).isCloseTo(exact.equity().doubleValue(),
                        org.assertj.core.data.Offset.offset(1e-6 * Math.max(1, Math.abs(exact.equity().doubleValue()))));
                assertThat(screen.maintenance(slot)).isCloseTo(exact.maintenanceMargin().doubleValue(),
                        org.assertj.core.data.Offset.offset(1e-6 * Math.max(1, exact.maintenanceMargin().doubleValue())));
                byte band = exactBand(exact);
                if (band != bands.get(account.id())) {
                    changes++;
                    assertThat(reported).as("band change of %s at step %d", account.id(), step).contains(account.id());
                    bands.put(account.id(), band);
                }
                assertThat(screen.band(slot)).isEqualTo(band);
            }
        }
        assertThat(changes).as("the walk moved some accounts across bands").isPositive();
    }

    @Test
    void aReRegisteredAccountLeavesNoStaleExposure() {
        prices.set("BTCUSDT", "60000").set("BTC", "60000").set("ETHUSDT", "4000").set("ETH", "4000");
        RiskScreen screen = new RiskScreen(0.8);
        ScreenFeed feed = new ScreenFeed(screen, calculator, TestSpecs.instruments().values());
        SYMBOLS.forEach(s -> feed.price(prices.quote(s).orElseThrow(), a -> { }));
        Account account = new Account("x", "USDT");
        account.deposit("USDT", new BigDecimal("10000"));
        account.trade("BTCUSDT", Side.BUY, BigDecimal.ONE, new BigDecimal("60000"), MarginMode.CROSS, BigDecimal.ZERO,
                "USDT", null);
        feed.register(account, calculator.assess(account, prices), prices);
        account.trade("BTCUSDT", Side.SELL, BigDecimal.ONE, new BigDecimal("60000"), MarginMode.CROSS, BigDecimal.ZERO,
                "USDT", null);
        feed.register(account, calculator.assess(account, prices), prices);

        prices.set("BTCUSDT", "30000");
        feed.price(prices.quote("BTCUSDT").orElseThrow(), a -> { });

        assertThat(screen.equity(feed.slotOf("x", Account.CROSS))).isEqualTo(10000.0);
    }

    private Account randomAccount(String id, Random random) {
        Account account = new Account(id, "USDT");
        account.deposit("USDT", BigDecimal.valueOf(1000 + random.nextInt(20000)));
        if (random.nextBoolean()) {
            account.deposit("BTC", BigDecimal.valueOf(random.nextInt(100), 2).add(new BigDecimal("0.01")));
        }
        if (random.nextBoolean()) {
            account.deposit("ETH", BigDecimal.valueOf(random.nextInt(500), 2).add(new BigDecimal("0.01")));
        }
        String[] symbols = {"BTCUSDT", "ETHUSDT"};
        for (String symbol : symbols) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            double price = level.get(symbol);
            double leverage = 1 + random.nextInt(30);
            BigDecimal quantity = BigDecimal.valueOf(account.balance("USDT").doubleValue() * leverage / price / 2)
                    .setScale(3, RoundingMode.DOWN).max(new BigDecimal("0.001"));
            boolean isolated = random.nextInt(5) == 0;
            account.trade(symbol, random.nextBoolean() ? Side.BUY : Side.SELL, quantity, new BigDecimal(price(price)),
                    isolated ? MarginMode.ISOLATED : MarginMode.CROSS, BigDecimal.ZERO, "USDT",
                    isolated ? new BigDecimal("500") : null);
        }
        return account;
    }

    private static byte exactBand(AccountRisk risk) {
        double e = risk.equity().doubleValue();
        double m = risk.maintenanceMargin().doubleValue();
        return e < m ? (e < 0 ? RiskScreen.NEGATIVE_EQUITY : RiskScreen.BELOW_MAINTENANCE)
                : m >= 0.8 * e ? RiskScreen.AT_RISK : RiskScreen.HEALTHY;
    }

    private static String price(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }
}
