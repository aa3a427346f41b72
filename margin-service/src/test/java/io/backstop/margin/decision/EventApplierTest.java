package io.backstop.margin.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.EventPayload;
import io.backstop.events.MarginMode;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.trading.TradeFilled;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a consumed event changes in its account, and what margin-service emits after it. */
class EventApplierTest {

    private static final Instant NOW = Instant.parse("2025-10-10T21:00:00Z");
    private static final String TOPIC = "trades.fills";

    private final MarginEngine margin = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"),
            UUID::randomUUID);
    private final EventApplier applier = new EventApplier(margin, Clock.fixed(NOW, ZoneOffset.UTC), "USDT");
    private final TestSpecs.Prices prices = new TestSpecs.Prices();
    private final Recorder changes = new Recorder();

    /** The batch as the applier sees it: the accounts held, and what it was told, in order. */
    private static final class Recorder implements EventApplier.Changes {
        final Map<String, Account> held = new HashMap<>();
        final List<String> told = new ArrayList<>();

        @Override
        public Account account(String accountId) {
            return held.get(accountId);
        }

        @Override
        public void changing(Account account, boolean structural) {
            told.add("changing " + account.id() + (structural ? " structurally" : ""));
        }

        @Override
        public void leaseEnded(Account.LeaseEnd end) {
            told.add("lease " + end);
        }
    }

    /** 10,000 USDT, no position yet. */
    private Account funded() {
        Account account = new Account("trader", "USDT");
        account.deposit("USDT", new BigDecimal("10000"));
        changes.held.put(account.id(), account);
        return account;
    }

    private static EventEnvelope<EventPayload> event(EventPayload payload) {
        return EventEnvelope.of(payload, NOW, null, 1L);
    }

    private static TradeFilled buy(String quantity, String price) {
        return new TradeFilled("t-" + UUID.randomUUID(), "trader", "BTCUSDT", Side.BUY, new BigDecimal(quantity),
                new BigDecimal(price), BigDecimal.ZERO, "USDT", MarginMode.CROSS, null);
    }

    /** A 10 BTC long behind 10,000 USDT, called at 59,000: its cross scope is leased to a liquidation. */
    private Account called() {
        Account account = funded();
        prices.set("BTCUSDT", "59000");
        EventApplier.Applied fill = applier.apply(TOPIC, event(buy("10", "60000")), prices, changes);
        assertThat(fill.review().calls()).hasSize(1);
        assertThat(account.scope(Account.CROSS).leased()).isTrue();
        changes.told.clear();
        return account;
    }

    @Test
    void aFillTradesTheAccountAndItsReviewIssuesTheMarginCallItsPriceDemands() {
        Account account = funded();
        prices.set("BTCUSDT", "59000");

        EventApplier.Applied applied = applier.apply(TOPIC, event(buy("10", "60000")), prices, changes);

        assertThat(changes.told).containsExactly("changing trader structurally");
        assertThat(account.position("BTCUSDT")).hasValueSatisfying(p -> assertThat(p.size()).isEqualByComparingTo("10"));
        assertThat(applied.emitted()).isEmpty();
        assertThat(applied.review().changedAccount()).isTrue();
        EventEnvelope<MarginCallIssued> call = applied.review().calls().get(0);
        assertThat(applied.review().calls()).hasSize(1);
        assertThat(call.occurredAt()).isEqualTo(NOW);
        assertThat(call.eventId()).isEqualTo(account.scope(Account.CROSS).openCallId());
        assertThat(call.payload().accountId()).isEqualTo("trader");
        assertThat(call.payload().equity()).isEqualByComparingTo("0"); // 10,000 - 10 x 1,000
        assertThat(call.payload().maintenanceMargin()).isEqualByComparingTo("2900"); // 590,000 x 0.005 - 50
        assertThat(account.scope(Account.CROSS).status()).isEqualTo(AccountStatus.LIQUIDATING);
    }

    @Test
    void aFillAtAHealthyPriceChangesTheAccountButEmitsNothing() {
        Account account = funded();
        prices.set("BTCUSDT", "60000");

        EventApplier.Applied applied = applier.apply(TOPIC, event(buy("1", "60000")), prices, changes);

        assertThat(applied.review().calls()).isEmpty();
        assertThat(account.balance("USDT")).isEqualByComparingTo("10000");
        assertThat(account.status()).isEqualTo(AccountStatus.HEALTHY);
    }

    @Test
    void anEventForAnAccountNotHeldIsRejectedBeforeAnythingChanges() {
        funded();
        TradeFilled elsewhere = new TradeFilled("t-1", "stranger", "BTCUSDT", Side.BUY, BigDecimal.ONE,
                new BigDecimal("60000"), BigDecimal.ZERO, "USDT", MarginMode.CROSS, null);

        assertThatThrownBy(() -> applier.apply(TOPIC, event(elsewhere), prices, changes))
                .isInstanceOfSatisfying(ContractViolation.class, e -> assertThat(e.getMessage()).contains("stranger"));
        assertThat(changes.told).isEmpty();
    }

    @Test
    void aFillOfAnUnconfiguredSymbolIsRejectedBeforeAnythingChanges() {
        Account account = funded();
        long version = account.version();
        TradeFilled unknown = new TradeFilled("t-1", "trader", "DOGEUSDT", Side.BUY, BigDecimal.ONE,
                BigDecimal.ONE, BigDecimal.ZERO, "USDT", MarginMode.CROSS, null);

        assertThatThrownBy(() -> applier.apply(TOPIC, event(unknown), prices, changes))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("DOGEUSDT");
        assertThat(changes.told).isEmpty();
        assertThat(account.version()).isEqualTo(version);
    }

    @Test
    void aRefusalNamesTheFieldThatHoldsTheUnknownNameAsTheDeadLetterWillShowIt() {
        funded();
        TradeFilled unknownFee = new TradeFilled("t-1", "trader", "BTCUSDT", Side.BUY, BigDecimal.ONE,
                new BigDecimal("60000"), BigDecimal.ONE, "DOGE", MarginMode.CROSS, null);
        AdlLegSettled unknownBankrupt = new AdlLegSettled(UUID.randomUUID(), UUID.randomUUID(), "stranger", "trader",
                "BTCUSDT", Side.SELL, BigDecimal.ONE, BigDecimal.ONE, new BigDecimal("60000"), 1);

        assertThatThrownBy(() -> applier.apply(TOPIC, event(unknownFee), prices, changes))
                .isInstanceOfSatisfying(ContractViolation.class, e -> assertThat(e.field()).isEqualTo(
                        "payload.feeAsset"));
        assertThatThrownBy(() -> applier.apply("adl.settlements", event(unknownBankrupt), prices, changes))
                .isInstanceOfSatisfying(ContractViolation.class, e -> assertThat(e.field()).isEqualTo(
                        "payload.bankruptAccountId"));
        assertThat(changes.told).isEmpty();
    }

    private static PositionAutoDeleveraged adlRequest(UUID shortfall, Side side, String quantity) {
        return new PositionAutoDeleveraged(shortfall, "trader", "bankrupt", "BTCUSDT", side, new BigDecimal(quantity),
                new BigDecimal("60000"), 2);
    }

    private static AdlLegSettled answer(EventApplier.Applied applied) {
        assertThat(applied.emitted()).hasSize(1);
        return (AdlLegSettled) applied.emitted().get(0).payload();
    }

    @Test
    void anAdlRequestClosesWhatIsAskedAndAnswersWithTheLegForTheBankruptSide() {
        Account account = funded();
        prices.set("BTCUSDT", "60000");
        applier.apply(TOPIC, event(buy("3", "60000")), prices, changes);
        changes.told.clear();
        UUID shortfall = UUID.randomUUID();
        EventEnvelope<EventPayload> request = event(adlRequest(shortfall, Side.SELL, "1"));

        EventApplier.Applied applied = applier.apply("adl.executions", request, prices, changes);

        assertThat(changes.told).containsExactly("changing trader structurally");
        assertThat(account.position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("2");
        AdlLegSettled leg = answer(applied);
        assertThat(applied.emitted().get(0).causationId()).isEqualTo(request.eventId());
        assertThat(leg.requestId()).isEqualTo(request.eventId());
        assertThat(leg.shortfallId()).isEqualTo(shortfall);
        assertThat(leg.bankruptAccountId()).isEqualTo("bankrupt");
        assertThat(leg.accountId()).isEqualTo("trader");
        assertThat(leg.bankruptSide()).as("the bankrupt short buys back").isEqualTo(Side.BUY);
        assertThat(leg.applied()).isEqualByComparingTo("1");
        assertThat(leg.refused()).isEqualByComparingTo("0");
        assertThat(leg.rank()).isEqualTo(2);
        assertThat(applied.emitted().get(0).key()).as("to the bankrupt account's partition").isEqualTo("bankrupt");
    }

    @Test
    void anAdlRequestBeyondThePositionClosesWhatIsLeftAndRefusesTheRest() {
        Account account = funded();
        prices.set("BTCUSDT", "60000");
        applier.apply(TOPIC, event(buy("1", "60000")), prices, changes);

        AdlLegSettled leg = answer(applier.apply("adl.executions", event(adlRequest(UUID.randomUUID(), Side.SELL, "2.5")),
                prices, changes));

        assertThat(account.position("BTCUSDT")).as("closed, never flipped").isEmpty();
        assertThat(leg.applied()).isEqualByComparingTo("1");
        assertThat(leg.refused()).isEqualByComparingTo("1.5");
    }

    @Test
    void anAdlRequestThatWouldGrowOrFindsNoPositionIsRefusedWholeAndTheAccountIsUntouched() {
        Account account = funded();
        prices.set("BTCUSDT", "60000");
        applier.apply(TOPIC, event(buy("1", "60000")), prices, changes);
        changes.told.clear();
        long version = account.version();

        AdlLegSettled grows = answer(applier.apply("adl.executions", event(adlRequest(UUID.randomUUID(), Side.BUY, "1")),
                prices, changes));
        assertThat(grows.applied()).isEqualByComparingTo("0");
        assertThat(grows.refused()).isEqualByComparingTo("1");
        assertThat(changes.told).isEmpty();
        assertThat(account.version()).isEqualTo(version);
        assertThat(account.position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("1");

        PositionAutoDeleveraged other = new PositionAutoDeleveraged(UUID.randomUUID(), "trader", "bankrupt", "ETHUSDT",
                Side.SELL, BigDecimal.ONE, new BigDecimal("3000"), 1);
        assertThat(answer(applier.apply("adl.executions", event(other), prices, changes)).applied())
                .as("no position on the symbol").isEqualByComparingTo("0");
        assertThat(account.version()).isEqualTo(version);
    }

    @Test
    void anAdlRequestForAPositionItsLiquidationOrTheWaterfallHoldsIsRefusedWhole() {
        Account account = called();
        UUID call = account.scope(Account.CROSS).openCallId();
        long version = account.version();

        AdlLegSettled whileLiquidated = answer(applier.apply("adl.executions",
                event(adlRequest(UUID.randomUUID(), Side.SELL, "4")), prices, changes));
        assertThat(whileLiquidated.applied()).as("leased to its liquidation").isEqualByComparingTo("0");
        assertThat(whileLiquidated.refused()).isEqualByComparingTo("4");
        assertThat(account.version()).isEqualTo(version);

        UUID shortfall = UUID.randomUUID();
        applier.apply("liquidation.fills", event(new LiquidationEnded(UUID.randomUUID(), call, "trader", Account.CROSS,
                LiquidationOutcome.SHORTFALL, List.of(), List.of(new ShortfallHandedOver(shortfall, "BTCUSDT",
                new BigDecimal("10"), BigDecimal.ZERO)))), prices, changes);
        AdlLegSettled whileHandedOver = answer(applier.apply("adl.executions",
                event(adlRequest(UUID.randomUUID(), Side.SELL, "4")), prices, changes));
        assertThat(whileHandedOver.applied()).as("the remainder is the waterfall's").isEqualByComparingTo("0");
        assertThat(account.position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("10");

        // so the waterfall's own leg can still close the bankrupt side, and release the lease
        AdlLegSettled own = new AdlLegSettled(shortfall, UUID.randomUUID(), "trader", "rich", "BTCUSDT", Side.SELL,
                new BigDecimal("10"), new BigDecimal("10"), new BigDecimal("59000"), 1);
        applier.apply("adl.settlements", event(own), prices, changes);
        assertThat(account.position("BTCUSDT")).isEmpty();
        assertThat(account.scope(Account.CROSS).leased()).isFalse();
    }

    @Test
    void aSettledLegClosesTheBankruptSideAndTheLastOneReleasesTheLease() {
        Account account = called();
        UUID call = account.scope(Account.CROSS).openCallId();
        UUID shortfall = UUID.randomUUID();
        applier.apply("liquidation.fills", event(new LiquidationEnded(UUID.randomUUID(), call, "trader", Account.CROSS,
                LiquidationOutcome.SHORTFALL, List.of(), List.of(new ShortfallHandedOver(shortfall, "BTCUSDT",
                new BigDecimal("10"), BigDecimal.ZERO)))), prices, changes);
        changes.told.clear();

        AdlLegSettled refused = new AdlLegSettled(shortfall, UUID.randomUUID(), "trader", "rich", "BTCUSDT", Side.SELL,
                new BigDecimal("4"), BigDecimal.ZERO, new BigDecimal("59000"), 1);
        EventApplier.Applied none = applier.apply("adl.settlements", event(refused), prices, changes);
        assertThat(changes.told).as("a refused leg closes nothing").isEmpty();
        assertThat(none.emitted()).isEmpty();
        assertThat(account.position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("10");

        applier.apply("adl.settlements", event(new AdlLegSettled(shortfall, UUID.randomUUID(), "trader", "rich",
                "BTCUSDT", Side.SELL, new BigDecimal("4"), new BigDecimal("4"), new BigDecimal("59000"), 1)), prices,
                changes);
        assertThat(changes.told).containsExactly("changing trader structurally");
        assertThat(account.position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("6");
        assertThat(account.scope(Account.CROSS).leased()).as("6 still with the waterfall").isTrue();
        changes.told.clear();

        applier.apply("adl.settlements", event(new AdlLegSettled(shortfall, UUID.randomUUID(), "trader", "poor",
                "BTCUSDT", Side.SELL, new BigDecimal("6"), new BigDecimal("6"), new BigDecimal("59000"), 2)), prices,
                changes);
        assertThat(changes.told).containsExactly("changing trader structurally", "lease RELEASED");
        assertThat(account.positions()).isEmpty();
        assertThat(account.scope(Account.CROSS).leased()).isFalse();
    }

    @Test
    void aSettledLegThatWouldNotCloseTheBankruptPositionIsRejectedBeforeAnythingChanges() {
        Account account = funded();
        prices.set("BTCUSDT", "60000");
        applier.apply(TOPIC, event(buy("1", "60000")), prices, changes);
        changes.told.clear();
        long version = account.version();
        AdlLegSettled tooMuch = new AdlLegSettled(UUID.randomUUID(), UUID.randomUUID(), "trader", "rich", "BTCUSDT",
                Side.SELL, new BigDecimal("2"), new BigDecimal("2"), new BigDecimal("60000"), 1);

        assertThatThrownBy(() -> applier.apply("adl.settlements", event(tooMuch), prices, changes))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("would not close");
        assertThat(changes.told).isEmpty();
        assertThat(account.version()).isEqualTo(version);
    }

    @Test
    void aLiquidationEndedWithNothingClosedReleasesTheLeaseAndTheReviewCallsTheScopeAgainAtOnce() {
        Account account = called();
        UUID first = account.scope(Account.CROSS).openCallId();
        LiquidationEnded ended = new LiquidationEnded(UUID.randomUUID(), first, "trader", Account.CROSS,
                LiquidationOutcome.CANCELLED_RECOVERED, List.of(), List.of());

        EventApplier.Applied applied = applier.apply("liquidation.fills", event(ended), prices, changes);

        assertThat(changes.told).containsExactly("changing trader", "lease RELEASED");
        assertThat(applied.review().calls()).singleElement()
                .satisfies(call -> assertThat(call.eventId()).isNotEqualTo(first));
        assertThat(account.scope(Account.CROSS).openCallId()).isEqualTo(applied.review().calls().get(0).eventId());
    }

    @Test
    void theEndOfAnotherCallIsToldAndChangesNoLease() {
        Account account = called();
        UUID lease = account.scope(Account.CROSS).openCallId();
        LiquidationEnded other = new LiquidationEnded(UUID.randomUUID(), UUID.randomUUID(), "trader", Account.CROSS,
                LiquidationOutcome.COMPLETED, List.of(), List.of());

        EventApplier.Applied applied = applier.apply("liquidation.fills", event(other), prices, changes);

        assertThat(changes.told).containsExactly("changing trader", "lease NOT_THE_LEASE");
        assertThat(applied.review().calls()).isEmpty();
        assertThat(account.scope(Account.CROSS).openCallId()).isEqualTo(lease);
    }

    @Test
    void theWaterfallsOutcomesCloseThePositionAndCoverTheDeficitThenReleaseTheLease() {
        Account account = called();
        UUID call = account.scope(Account.CROSS).openCallId();
        UUID shortfall = UUID.randomUUID();
        LiquidationEnded ended = new LiquidationEnded(UUID.randomUUID(), call, "trader", Account.CROSS,
                LiquidationOutcome.SHORTFALL, List.of(), List.of(new ShortfallHandedOver(shortfall, "BTCUSDT",
                new BigDecimal("10"), new BigDecimal("100"))));
        applier.apply("liquidation.fills", event(ended), prices, changes);
        assertThat(changes.told).containsExactly("changing trader", "lease AWAITING_WATERFALL");
        changes.told.clear();
        EventEnvelope<EventPayload> takeover = event(new PositionTakenOver(shortfall, "USDT", "trader", "BTCUSDT",
                PositionSide.LONG, new BigDecimal("10"), new BigDecimal("59010")));

        EventApplier.Applied taken = applier.apply("insurance.takeovers", takeover, prices, changes);

        assertThat(changes.told).containsExactly("changing trader structurally");
        assertThat(account.positions()).isEmpty();
        assertThat(account.balance("USDT")).isEqualByComparingTo("100"); // 10,000 - 10 x (60,000 - 59,010)
        assertThat(taken.emitted()).isEmpty();
        assertThat(account.scope(Account.CROSS).leased()).as("the deficit is still to be covered").isTrue();
        changes.told.clear();

        EventApplier.Applied covered = applier.apply("insurance.takeovers", event(new DeficitCovered(shortfall,
                "trader", "BTCUSDT", new BigDecimal("100"), "USDT", new BigDecimal("100"), BigDecimal.ZERO)), prices,
                changes);

        assertThat(changes.told).containsExactly("changing trader structurally", "lease RELEASED");
        assertThat(account.balance("USDT")).isEqualByComparingTo("200");
        assertThat(covered.review().calls()).as("nothing left to liquidate").isEmpty();
        assertThat(account.scope(Account.CROSS).leased()).isFalse();
    }

    @Test
    void anEventMarginDoesNotApplyIsRejected() {
        funded();
        EventEnvelope<EventPayload> foreign = event(new AccountPositionsSnapshotted("trader", BigDecimal.ZERO,
                BigDecimal.ZERO, BigDecimal.ZERO, null, List.of()));

        assertThatThrownBy(() -> applier.apply(TOPIC, foreign, prices, changes))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("does not apply");
        assertThat(changes.told).isEmpty();
    }
}
