package io.backstop.margin.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.backstop.margin.account.Account;
import io.backstop.margin.config.SeedCommand;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.MarginReview;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.risk.TestSpecs;
import io.backstop.margin.seed.SeedPopulation;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A takeover's account registered from the screen's own valuation in doubles
 * ({@link ScreenFeed#registerIfClearlyHealthy}) stands in the screen as an exact review would have left it, and is
 * registered so only when that review would decide nothing. Over the seeded account base (the shipped markets, cross and isolated, the collateral mix) at its reference
 * prices and after two crashes of the volatile assets.
 */
class ScreenFeedTest {

    private static final int ACCOUNTS = 3_000;
    private static final Set<String> STABLE = Set.of("USDC", "USDE");
    private static final double ALERT = 0.8;

    private static RiskCalculator calculator;
    private static MarginEngine margin;
    private static SeedPopulation population;

    @BeforeAll
    static void shipped() {
        SeedCommand.Shipped shipped = SeedCommand.shipped();
        calculator = shipped.calculator();
        margin = new MarginEngine(calculator, BigDecimal.valueOf(ALERT), UUID::randomUUID);
        population = new SeedPopulation(new SeedPopulation.Spec(ACCOUNTS, ACCOUNTS * 25L / 8, 3,
                SeedPopulation.REFERENCE_PRICES), calculator, shipped.settlementAsset());
    }

    @Test
    void anAccountScreenedHealthyStandsInTheScreenAsAfterAnExactReviewThatDecidedNothing() {
        int refusedAtTheLowest = 0;
        for (String level : List.of("1", "0.8", "0.6")) {
            TestSpecs.Prices prices = prices(level);
            ScreenFeed exact = new ScreenFeed(new RiskScreen(ALERT), calculator, calculator.instruments());
            ScreenFeed screened = new ScreenFeed(new RiskScreen(ALERT), calculator, calculator.instruments());
            List<Account> clear = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < ACCOUNTS; i++) {
                Account account = population.account(i, 1);
                AccountRisk risk = calculator.assess(account, prices);
                exact.register(account, risk, prices);
                if (screened.registerIfClearlyHealthy(account, prices)) {
                    clear.add(account);
                    MarginReview review = margin.review(population.account(i, 1), prices);
                    assertThat(review.calls()).as("%s at %s", account.id(), level).isEmpty();
                    assertThat(review.held()).isEmpty();
                    assertThat(review.statusChanged()).as("%s at %s", account.id(), level).isFalse();
                } else {
                    refused++;
                    assertThat(nearOrBeyondTheEdge(risk)).as("%s refused at %s", account.id(), level).isTrue();
                    screened.register(account, risk, prices); // as the engine's exact review does
                }
                sameFigures(exact, screened, account, level);
            }
            assertThat(clear).as("accounts screened clearly healthy at %s", level).isNotEmpty();
            // the same price moves on both screens: the exposures registered are the same too
            for (String symbol : List.of("BTCUSDT", "BTC", "ETHUSDT", "ETH", "SOLUSDT", "WBETH")) {
                BigDecimal moved = prices.quote(symbol).orElseThrow().mark().multiply(new BigDecimal("0.93"));
                prices.set(symbol, moved.toPlainString());
                exact.price(prices.quote(symbol).orElseThrow(), id -> { });
                screened.price(prices.quote(symbol).orElseThrow(), id -> { });
            }
            for (Account account : clear) {
                sameFigures(exact, screened, account, level + " then 7% lower");
            }
            refusedAtTheLowest = refused;
        }
        assertThat(refusedAtTheLowest).as("the crash leaves accounts near or beyond the edge").isPositive();
    }

    @Test
    void anAccountMissingAPriceIsNotScreened() {
        Account account = population.account(7, 1);
        TestSpecs.Prices none = new TestSpecs.Prices();
        ScreenFeed feed = new ScreenFeed(new RiskScreen(ALERT), calculator, calculator.instruments());

        assertThat(feed.registerIfClearlyHealthy(account, none)).isFalse();
        assertThat(feed.slotOf(account.id(), Account.CROSS)).as("nothing registered").isNull();
    }

    private static void sameFigures(ScreenFeed exact, ScreenFeed screened, Account account, String when) {
        for (String scope : scopes(account)) {
            Integer slot = exact.slotOf(account.id(), scope);
            assertThat(screened.slotOf(account.id(), scope)).as("%s %s at %s", account.id(), scope, when)
                    .isEqualTo(slot);
            RiskScreen a = exact.screen();
            RiskScreen b = screened.screen();
            assertThat(b.equity(slot)).as("equity of %s %s at %s", account.id(), scope, when)
                    .isCloseTo(a.equity(slot), within(1e-9 * Math.max(1, Math.abs(a.equity(slot)))));
            assertThat(b.maintenance(slot)).as("maintenance of %s %s at %s", account.id(), scope, when)
                    .isCloseTo(a.maintenance(slot), within(1e-9 * Math.max(1, a.maintenance(slot))));
            assertThat(b.band(slot)).isEqualTo(a.band(slot));
        }
    }

    private static List<String> scopes(Account account) {
        List<String> scopes = new ArrayList<>(List.of(Account.CROSS));
        account.positions().values().stream().filter(p -> p.isolated())
                .forEach(p -> scopes.add(Account.isolatedScope(p.symbol())));
        return scopes;
    }

    /** A scope with positions whose exact equity is not positive, or whose ratio is within a millionth of the alert. */
    private static boolean nearOrBeyondTheEdge(AccountRisk risk) {
        boolean cross = risk.positions().stream().anyMatch(p -> !p.isolated());
        if (cross && near(risk.equity(), risk.maintenanceMargin())) {
            return true;
        }
        return risk.positions().stream().anyMatch(p -> p.isolated()
                && near(p.isolatedEquity(), p.maintenanceMargin()));
    }

    private static boolean near(BigDecimal equity, BigDecimal maintenance) {
        return equity.signum() <= 0 || maintenance.doubleValue() >= ALERT * (1 - 1e-6) * equity.doubleValue();
    }

    /** The reference prices with every volatile asset at {@code level} of its reference. */
    private static TestSpecs.Prices prices(String level) {
        TestSpecs.Prices prices = new TestSpecs.Prices();
        for (Map.Entry<String, BigDecimal> reference : SeedPopulation.REFERENCE_PRICES.entrySet()) {
            BigDecimal price = STABLE.contains(reference.getKey()) ? reference.getValue()
                    : reference.getValue().multiply(new BigDecimal(level));
            prices.set(reference.getKey(), price.toPlainString());
        }
        return prices;
    }
}
