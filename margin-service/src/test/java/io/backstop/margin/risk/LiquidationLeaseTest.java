package io.backstop.margin.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.account.ScopeStanding;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A margin call leases its scope to the liquidation: nothing else calls the scope until margin-service has applied
 * the liquidation's end and, for a shortfall, the waterfall's outcome; then the scope is reviewed at once.
 */
class LiquidationLeaseTest {

    private static final UUID SHORTFALL = UUID.fromString("00000000-0000-0000-0000-00000000005f");

    private final MarginEngine engine = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"),
            UUID::randomUUID);
    private final TestSpecs.Prices prices = new TestSpecs.Prices();

    /** 10,000 USDT behind a 10 BTC long at 60,000, called at 59,000 (equity 0, maintenance 2,900). */
    private Account called() {
        Account account = MarginEngineTest.leveragedLong();
        prices.set("BTCUSDT", "59000");
        assertThat(engine.review(account, prices).calls()).hasSize(1);
        return account;
    }

    private static UUID lease(Account account, String scope) {
        return account.scope(scope).openCallId();
    }

    @Test
    void aCallEndedWithoutClosingAnythingIsFollowedByTheNextCallAtOnce() {
        Account account = called();
        UUID first = lease(account, Account.CROSS);

        // liquidation-service skipped it, or cancelled it as recovered at its prices: the scope is still below
        assertThat(account.endLiquidation(Account.CROSS, first, List.of())).isEqualTo(Account.LeaseEnd.RELEASED);
        MarginReview review = engine.review(account, prices);

        assertThat(review.calls()).singleElement().satisfies(call -> assertThat(call.callId()).isNotEqualTo(first));
        assertThat(account.scope(Account.CROSS).status()).isEqualTo(AccountStatus.LIQUIDATING);
        assertThat(lease(account, Account.CROSS)).isEqualTo(review.calls().get(0).callId());
    }

    @Test
    void anEndOfAnotherCallOrAnEndAppliedTwiceChangesNothing() {
        Account account = called();
        UUID first = lease(account, Account.CROSS);

        assertThat(account.endLiquidation(Account.CROSS, UUID.randomUUID(), List.of()))
                .isEqualTo(Account.LeaseEnd.NOT_THE_LEASE);
        assertThat(lease(account, Account.CROSS)).isEqualTo(first);

        assertThat(account.endLiquidation(Account.CROSS, first, List.of())).isEqualTo(Account.LeaseEnd.RELEASED);
        engine.review(account, prices);
        UUID second = lease(account, Account.CROSS);
        assertThat(account.endLiquidation(Account.CROSS, first, List.of()))
                .as("a redelivered end never releases the next lease").isEqualTo(Account.LeaseEnd.NOT_THE_LEASE);
        assertThat(lease(account, Account.CROSS)).isEqualTo(second);
        assertThat(engine.review(account, prices).calls()).isEmpty();
    }

    @Test
    void aShortfallHoldsTheLeaseUntilTheWaterfallClosedItAndCoveredItsDeficit() {
        Account account = called();
        UUID call = lease(account, Account.CROSS);
        prices.set("BTCUSDT", "58000"); // equity -10,000: bankrupt
        engine.review(account, prices);
        assertThat(account.status()).isEqualTo(AccountStatus.BANKRUPT);

        // the fund's takeover of 6 BTC is applied before the liquidation's end (another partition)
        BigDecimal realized = account.trade("BTCUSDT", Side.SELL, new BigDecimal("6"), new BigDecimal("59000"),
                MarginMode.CROSS, BigDecimal.ZERO, "USDT", null);
        assertThat(account.shortfallClosed(SHORTFALL, new BigDecimal("6"))).isEmpty();
        assertThat(account.endLiquidation(Account.CROSS, call, List.of(new ShortfallHandedOver(SHORTFALL, "BTCUSDT",
                new BigDecimal("10"), new BigDecimal("25"))))).isEqualTo(Account.LeaseEnd.AWAITING_WATERFALL);
        assertThat(engine.review(account, prices).calls()).as("still leased: the waterfall is not done").isEmpty();
        assertThat(account.scope(Account.CROSS).awaitingWaterfall()).isTrue();

        // ADL closes the other 4; the deficit is still to be covered
        realized = realized.add(account.trade("BTCUSDT", Side.SELL, new BigDecimal("4"), new BigDecimal("59000"),
                MarginMode.CROSS, BigDecimal.ZERO, "USDT", null));
        assertThat(account.shortfallClosed(SHORTFALL, new BigDecimal("4"))).isEmpty();
        assertThat(engine.review(account, prices).calls()).isEmpty();
        assertThat(account.scope(Account.CROSS).leased()).isTrue();

        account.deposit("USDT", new BigDecimal("25"));
        assertThat(account.deficitCovered(SHORTFALL, new BigDecimal("25"))).contains(Account.CROSS);
        engine.review(account, prices);

        assertThat(account.scope(Account.CROSS).leased()).isFalse();
        assertThat(account.status()).isEqualTo(AccountStatus.HEALTHY);
        assertThat(account.settlements()).as("a released lease forgets its shortfalls").isEmpty();
        // money: the deposit, the realized loss of the closing trades, the deficit credited
        assertThat(realized).isEqualByComparingTo("-10000");
        assertThat(account.balance("USDT")).isEqualByComparingTo(new BigDecimal("10000").add(realized)
                .add(new BigDecimal("25")));
    }

    @Test
    void anIsolatedScopeWhosePositionTheWaterfallClosedStaysLeasedUntilItsEnd() {
        Account account = MarginEngineTest.isolatedShort();
        prices.set("BTCUSDT", "61100"); // isolated equity -100
        engine.review(account, prices);
        String scope = Account.isolatedScope("BTCUSDT");
        UUID call = lease(account, scope);

        account.trade("BTCUSDT", Side.BUY, new BigDecimal("1"), new BigDecimal("61000"), MarginMode.ISOLATED,
                BigDecimal.ZERO, "USDT", null);
        account.shortfallClosed(SHORTFALL, BigDecimal.ONE);
        engine.review(account, prices);
        assertThat(account.scope(scope).leased()).isTrue();

        assertThat(account.endLiquidation(scope, call, List.of(new ShortfallHandedOver(SHORTFALL, "BTCUSDT",
                BigDecimal.ONE, BigDecimal.ZERO)))).isEqualTo(Account.LeaseEnd.RELEASED);
        engine.review(account, prices);

        assertThat(account.scopes()).doesNotContainKey(scope);
        assertThat(account.status()).isEqualTo(AccountStatus.HEALTHY);
        // 100,000 - 1,000 into the position + (1,000 - 1,000 lost on it) returned when it closed
        assertThat(account.balance("USDT")).isEqualByComparingTo("99000");
    }

    @Test
    void everyScopeBelowMaintenanceIsLeasedOrHeldForAStatedReason() {
        Account account = called();
        ScopeStanding leased = engine.standings(account, engine.calculator().assess(account, prices)).get(0);
        assertThat(leased.belowMaintenance()).isTrue();
        assertThat(leased.liquidation()).isEqualTo(lease(account, Account.CROSS));
        assertThat(leased.unattended()).isFalse();

        account.endLiquidation(Account.CROSS, lease(account, Account.CROSS), List.of());
        ScopeStanding released = engine.standings(account, engine.calculator().assess(account, prices)).get(0);
        assertThat(released.unattended()).as("released and not reviewed yet: nothing attends to it").isTrue();

        prices.set("BTCUSDT", "59000", PriceStatus.STALE);
        engine.review(account, prices);
        ScopeStanding held = engine.standings(account, engine.calculator().assess(account, prices)).get(0);
        assertThat(held.liquidation()).isNull();
        assertThat(held.hold()).contains("oracle breaker").contains("BTCUSDT");
        assertThat(held.unattended()).isFalse();
    }
}
