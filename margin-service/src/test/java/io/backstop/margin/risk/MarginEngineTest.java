package io.backstop.margin.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MarginEngineTest {

    private final MarginEngine engine = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"),
            UUID::randomUUID);
    private final TestSpecs.Prices prices = new TestSpecs.Prices();

    /** 100,000 USDT, of which 1,000 behind an isolated 1 BTC short at 60,000. */
    static Account isolatedShort() {
        Account account = new Account("iso", "USDT");
        account.deposit("USDT", new BigDecimal("100000"));
        account.trade("BTCUSDT", Side.SELL, new BigDecimal("1"), new BigDecimal("60000"), MarginMode.ISOLATED,
                BigDecimal.ZERO, "USDT", new BigDecimal("1000"));
        return account;
    }

    /** 10,000 USDT behind a 10 BTC long at 60,000: equity meets maintenance (tier 2) at 59,291.46. */
    static Account leveragedLong() {
        Account account = new Account("trader", "USDT");
        account.deposit("USDT", new BigDecimal("10000"));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("10"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        return account;
    }

    @Test
    void aCollateralWhosePriceHasNotArrivedHoldsTheDecisionInsteadOfCountingForNothing() {
        Account account = new Account("btc-backed", "USDT");
        account.deposit("BTC", new BigDecimal("1"));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("1"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        prices.set("BTCUSDT", "60000"); // the perpetual's mark, not yet BTC's index

        MarginReview review = engine.review(account, prices);

        assertThat(review.calls()).isEmpty();
        assertThat(account.status()).isEqualTo(AccountStatus.HEALTHY);
        prices.set("BTC", "60000");
        assertThat(engine.review(account, prices).calls()).isEmpty(); // 57,000 of collateral against 60,000 at 1x
        assertThat(account.status()).isEqualTo(AccountStatus.HEALTHY);
    }

    @Test
    void aCollateralNoLongerHeldDoesNotHoldTheDecision() {
        Account account = leveragedLong();
        account.deposit("BTC", new BigDecimal("1"));
        account.withdraw("BTC", new BigDecimal("1")); // a zero balance stays in the map
        prices.set("BTCUSDT", "59000"); // beyond maintenance; BTC's own index never arrives

        MarginReview review = engine.review(account, prices);

        assertThat(account.balances()).containsKey("BTC");
        assertThat(review.calls()).as("decided without waiting for the price of what is not held").hasSize(1);
    }

    @Test
    void aBreachIssuesExactlyOneCallUntilItsLiquidationHasEnded() {
        Account account = leveragedLong();
        prices.set("BTCUSDT", "60000");
        assertThat(engine.review(account, prices).calls()).isEmpty();

        prices.set("BTCUSDT", "59000");
        MarginReview first = engine.review(account, prices);
        assertThat(first.calls()).singleElement().satisfies(call -> {
            assertThat(call.scope()).isEqualTo(Account.CROSS);
            assertThat(call.equity()).isEqualByComparingTo("0"); // 10000 - 10 x 1000
            assertThat(call.maintenanceMargin()).isEqualByComparingTo("2900"); // 590000 x 0.005 - 50
            assertThat(call.positions()).hasSize(1);
            assertThat(call.priceSequences()).containsKey("BTCUSDT");
        });
        assertThat(account.status()).isEqualTo(AccountStatus.LIQUIDATING);
        UUID lease = first.calls().get(0).callId();

        prices.set("BTCUSDT", "58990");
        assertThat(engine.review(account, prices).calls()).as("no second call while one is open").isEmpty();
        assertThat(account.status()).isEqualTo(AccountStatus.BANKRUPT);

        prices.set("BTCUSDT", "61000");
        assertThat(engine.review(account, prices).calls()).isEmpty();
        assertThat(account.status()).as("a recovery does not end the lease: the liquidation decides")
                .isEqualTo(AccountStatus.LIQUIDATING);
        assertThat(account.scope(Account.CROSS).openCallId()).isEqualTo(lease);

        assertThat(account.endLiquidation(Account.CROSS, lease, List.of())).isEqualTo(Account.LeaseEnd.RELEASED);
        assertThat(engine.review(account, prices).calls()).isEmpty();
        assertThat(account.status()).isIn(AccountStatus.HEALTHY, AccountStatus.AT_RISK);
        assertThat(account.scope(Account.CROSS).openCallId()).isNull();

        prices.set("BTCUSDT", "59000");
        MarginReview again = engine.review(account, prices);
        assertThat(again.calls()).singleElement().extracting(MarginReview.Call::callId).isNotEqualTo(lease);
    }

    @Test
    void anUntrustedPriceHoldsTheCallUntilItIsTrustedAgain() {
        Account account = leveragedLong();
        prices.set("BTCUSDT", "59200", PriceStatus.STALE);

        MarginReview held = engine.review(account, prices);
        assertThat(held.calls()).isEmpty();
        assertThat(held.held()).containsExactly(Account.CROSS);
        assertThat(account.status()).isEqualTo(AccountStatus.MARGIN_CALL);
        assertThat(account.scope(Account.CROSS).held()).isTrue();

        prices.set("BTCUSDT", "59200", PriceStatus.DEGRADED);
        assertThat(engine.review(account, prices).calls()).isEmpty();

        prices.set("BTCUSDT", "59200", PriceStatus.OK);
        assertThat(engine.review(account, prices).calls()).hasSize(1);
        assertThat(account.status()).isEqualTo(AccountStatus.LIQUIDATING);
    }

    @Test
    void aHeldCallIsDroppedWhenTheTrustedPriceShowsTheAccountRecovered() {
        Account account = leveragedLong();
        prices.set("BTCUSDT", "59200", PriceStatus.STALE);
        engine.review(account, prices);

        prices.set("BTCUSDT", "60500", PriceStatus.OK);
        MarginReview review = engine.review(account, prices);

        assertThat(review.calls()).isEmpty();
        assertThat(account.status()).isIn(AccountStatus.HEALTHY, AccountStatus.AT_RISK);
        assertThat(account.scope(Account.CROSS).held()).isFalse();
    }

    @Test
    void aWbethBackedEthLongIsNotCalledWhenOnlyWbethsOwnPairCrashes() {
        Account account = new Account("eth-holder", "USDT");
        account.deposit("WBETH", new BigDecimal("10"));
        // 580 ETH long (2.2M notional): maintenance 33,715 against 10 WBETH worth 37,813.8 after haircut
        account.trade("ETHUSDT", Side.BUY, new BigDecimal("580"), new BigDecimal("3800"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        // the oracle prices WBETH at ETH x rate = 3800 x 1.07, whatever its own pair does
        prices.set("ETHUSDT", "3800").set("WBETH", "4066");
        assertThat(engine.review(account, prices).calls()).isEmpty();

        // its thin pair trades 20% lower; the oracle's WBETH price does not move, so nothing happens
        prices.set("WBETH", "4066");
        assertThat(engine.review(account, prices).calls()).isEmpty();
        assertThat(account.status()).isNotIn(AccountStatus.MARGIN_CALL, AccountStatus.LIQUIDATING);

        // had WBETH been marked at its own pair (the naive oracle), the same account would be called
        Account naive = new Account("eth-holder", "USDT");
        naive.deposit("WBETH", new BigDecimal("10"));
        naive.trade("ETHUSDT", Side.BUY, new BigDecimal("580"), new BigDecimal("3800"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        TestSpecs.Prices naivePrices = new TestSpecs.Prices().set("ETHUSDT", "3800").set("WBETH", "3252.80");
        assertThat(engine.review(naive, naivePrices).calls()).hasSize(1);
    }

    @Test
    void anIsolatedBreachCallsOnlyItsScope() {
        Account account = isolatedShort();
        prices.set("BTCUSDT", "60900");

        MarginReview review = engine.review(account, prices);

        assertThat(review.calls()).singleElement().satisfies(call -> {
            assertThat(call.scope()).isEqualTo("ISOLATED:BTCUSDT");
            assertThat(call.equity()).isEqualByComparingTo("100"); // 1000 - 900
            assertThat(call.collateral()).isEmpty();
        });
        assertThat(account.scope(Account.CROSS).status()).isEqualTo(AccountStatus.HEALTHY);
        assertThat(account.status()).isEqualTo(AccountStatus.LIQUIDATING);
    }

    @Test
    void aCallCarriesTheOracleTimeOfTheNewestPriceItsScopeWasJudgedAt() {
        Account account = new Account("eth-holder", "USDT");
        account.deposit("WBETH", new BigDecimal("10"));
        account.trade("ETHUSDT", Side.BUY, new BigDecimal("580"), new BigDecimal("3800"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        account.deposit("USDT", new BigDecimal("100000"));
        account.trade("BTCUSDT", Side.SELL, new BigDecimal("1"), new BigDecimal("60000"), MarginMode.ISOLATED,
                BigDecimal.ZERO, "USDT", new BigDecimal("1000"));
        Instant t0 = Instant.parse("2025-10-10T21:00:00Z");
        prices.at("WBETH", "4066", t0).at("BTCUSDT", "60000", t0.plusSeconds(1)).at("ETHUSDT", "3800", t0);
        assertThat(engine.review(account, prices).calls()).isEmpty();

        // the ETH tick takes the cross scope below maintenance; the BTC price, newer, is not the cross scope's
        prices.at("ETHUSDT", "3500", t0.plusMillis(400));
        MarginReview review = engine.review(account, prices);

        assertThat(review.calls()).singleElement().satisfies(call -> {
            assertThat(call.scope()).isEqualTo(Account.CROSS);
            assertThat(call.priceTime()).isEqualTo(t0.plusMillis(400));
        });

        // the isolated scope's call is judged at its own symbol's price only
        prices.at("BTCUSDT", "60900", t0.plusSeconds(2));
        assertThat(engine.review(account, prices).calls()).singleElement().satisfies(call -> {
            assertThat(call.scope()).isEqualTo("ISOLATED:BTCUSDT");
            assertThat(call.priceTime()).isEqualTo(t0.plusSeconds(2));
        });
    }

    @Test
    void aCallWhosePricesHaveNoOracleTimeHasNone() {
        Account account = leveragedLong();
        prices.at("BTCUSDT", "59000", null);

        assertThat(engine.review(account, prices).calls()).singleElement()
                .satisfies(call -> assertThat(call.priceTime()).isNull());
    }

    @Test
    void nothingIsDecidedWithoutAPriceForEverythingTheAccountHolds() {
        Account account = leveragedLong();

        MarginReview review = engine.review(account, prices);

        assertThat(review.calls()).isEmpty();
        assertThat(review.risk().missing()).containsExactly("BTCUSDT");
        assertThat(account.status()).isEqualTo(AccountStatus.HEALTHY);
    }
}
