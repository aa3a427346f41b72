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
        RiskScreen screen = new RiskScreen(0.8);
        ScreenFeed feed = feed(screen);
        List<Account> accounts = register(feed, 400, random);
        assertThat(walk(screen, feed, accounts, random, 60, 0)).as("the walk moved some accounts across bands")
                .isPositive();
    }

    /**
     * Accounts changed and registered again between prices (collateral added, positions closed and opened, isolated
     * ones too), in a screen that drops its vacant entries early: the screen still follows the exact valuation.
     */
    @Test
    void followsTheExactValuationWhileAccountsChangeBetweenPrices() {
        Random random = new Random(12);
        RiskScreen screen = new RiskScreen(0.8, 8);
        ScreenFeed feed = feed(screen);
        List<Account> accounts = register(feed, 400, random);
        assertThat(walk(screen, feed, accounts, random, 60, 15)).as("the walk moved some accounts across bands")
                .isPositive();
        assertThat(screen.descents()).isEqualTo(descents(screen));
    }

    /**
     * A first registration puts every table in slot order; reviews, which register each account again in whatever
     * order they come, leave it so (each price's pass walks the scopes' figures forward: about 12x faster at 1.6M
     * positions than in no order).
     */
    @Test
    void reviewsInAnyOrderKeepEveryTableInSlotOrder() {
        Random random = new Random(13);
        RiskScreen screen = new RiskScreen(0.8);
        ScreenFeed feed = feed(screen);
        List<Account> accounts = register(feed, 2_000, random);
        int entries = screen.entries();
        assertThat(entries).isGreaterThan(2_000);
        assertInSlotOrder(screen);

        for (int round = 0; round < 3; round++) {
            List<Account> reviewed = new ArrayList<>(accounts);
            java.util.Collections.shuffle(reviewed, random);
            reviewed.forEach(a -> feed.register(a, calculator.assess(a, prices), prices));
            assertInSlotOrder(screen);
            assertThat(screen.entries()).isEqualTo(entries);
            assertThat(screen.vacant()).isZero();
        }
        assertThat(walk(screen, feed, accounts, random, 60, 0)).isPositive();
    }

    /**
     * Accounts gone (a partition moved away) leave their entries vacant until they are a quarter of a table, which
     * then drops them keeping the rest in order; new accounts take the freed slots, out of order, and are counted so.
     */
    @Test
    void entriesOfAccountsGoneAreDroppedAndTheRestKeepTheirOrder() {
        Random random = new Random(14);
        RiskScreen screen = new RiskScreen(0.8, 8);
        ScreenFeed feed = feed(screen);
        List<Account> accounts = register(feed, 1_000, random);
        int entries = screen.entries();
        List<Account> gone = new ArrayList<>(accounts);
        java.util.Collections.shuffle(gone, random);
        gone = new ArrayList<>(gone.subList(0, 600));
        int vacantMost = 0;
        for (Account account : gone) {
            feed.forget(account.id());
            vacantMost = Math.max(vacantMost, screen.vacant());
        }
        accounts.removeAll(gone);
        assertThat(vacantMost).as("vacant entries before a table dropped them").isPositive();
        assertThat(screen.entries()).as("entries dropped").isLessThan(entries);
        assertThat(screen.vacant()).isLessThanOrEqualTo(screen.entries() / 4 + 4 * 9);
        assertInSlotOrder(screen);
        for (Account account : accounts) {
            assertThat(feed.slotOf(account.id(), Account.CROSS)).isNotNull();
        }

        List<Account> added = register(feed, 300, random, "n");
        accounts.addAll(added);
        assertThat(screen.descents()).as("new accounts in freed slots").isPositive().isEqualTo(descents(screen));
        assertThat(walk(screen, feed, accounts, random, 30, 10)).isPositive();
        assertThat(screen.descents()).isEqualTo(descents(screen));
        List<Integer> used = new ArrayList<>();
        for (Account account : accounts) {
            used.add(feed.slotOf(account.id(), Account.CROSS));
        }
        assertThat(used).doesNotHaveDuplicates();
    }

    private ScreenFeed feed(RiskScreen screen) {
        level.forEach((symbol, price) -> prices.set(symbol, price(price)));
        ScreenFeed feed = new ScreenFeed(screen, calculator, TestSpecs.instruments().values());
        level.keySet().forEach(symbol -> feed.price(prices.quote(symbol).orElseThrow(), a -> { }));
        return feed;
    }

    private List<Account> register(ScreenFeed feed, int count, Random random) {
        return register(feed, count, random, "a");
    }

    private List<Account> register(ScreenFeed feed, int count, Random random, String prefix) {
        List<Account> accounts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Account account = randomAccount(prefix + i, random);
            accounts.add(account);
            feed.register(account, calculator.assess(account, prices), prices);
        }
        return accounts;
    }

    /**
     * Moves a random symbol's price {@code steps} times, changing and registering again {@code changedPerStep}
     * accounts between prices; after each price checks every account's scope figures and band against the exact
     * valuation, and that each band change was reported. Returns the number of band changes.
     */
    private int walk(RiskScreen screen, ScreenFeed feed, List<Account> accounts, Random random, int steps,
                     int changedPerStep) {
        Map<String, Byte> bands = new HashMap<>();
        accounts.forEach(a -> bands.put(a.id(), exactBand(calculator.assess(a, prices))));
        int changes = 0;
        for (int step = 0; step < steps; step++) {
            for (int c = 0; c < changedPerStep; c++) {
                Account account = accounts.get(random.nextInt(accounts.size()));
                change(account, random);
                AccountRisk risk = calculator.assess(account, prices);
                feed.register(account, risk, prices);
                bands.put(account.id(), exactBand(risk));
            }
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
        return changes;
    }

    /** Adds collateral, closes a position or opens one (cross or isolated) at the current prices. */
    private void change(Account account, Random random) {
        switch (random.nextInt(3)) {
            case 0 -> account.deposit(random.nextBoolean() ? "BTC" : "ETH", new BigDecimal("0.05"));
            case 1 -> account.positions().values().stream().findFirst().ifPresent(position -> account.trade(
                    position.symbol(), position.size().signum() > 0 ? Side.SELL : Side.BUY, position.size().abs(),
                    new BigDecimal(price(level.get(position.symbol()))), position.mode(), BigDecimal.ZERO, "USDT",
                    null));
            default -> {
                String symbol = random.nextBoolean() ? "BTCUSDT" : "ETHUSDT";
                if (account.position(symbol).isEmpty()) {
                    boolean isolated = random.nextBoolean();
                    account.trade(symbol, random.nextBoolean() ? Side.BUY : Side.SELL, new BigDecimal("0.01"),
                            new BigDecimal(price(level.get(symbol))), isolated ? MarginMode.ISOLATED : MarginMode.CROSS,
                            BigDecimal.ZERO, "USDT", isolated ? new BigDecimal("300") : null);
                }
            }
        }
    }

    /** Every table's live entries in ascending slot order, and the screen's count of descents 0. */
    private static void assertInSlotOrder(RiskScreen screen) {
        for (String symbol : SYMBOLS) {
            for (int[] slots : screen.slotsInOrder(symbol)) {
                assertThat(slots).as("%s's entries", symbol).isSorted();
            }
        }
        assertThat(screen.descents()).isZero();
    }

    /** The descents of every table, counted from its entries. */
    private static int descents(RiskScreen screen) {
        int descents = 0;
        for (String symbol : SYMBOLS) {
            for (int[] slots : screen.slotsInOrder(symbol)) {
                for (int i = 1; i < slots.length; i++) {
                    descents += slots[i] < slots[i - 1] ? 1 : 0;
                }
            }
        }
        return descents;
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
