package io.backstop.liquidation.lifecycle;

import static io.backstop.liquidation.lifecycle.Fixtures.T0;
import static io.backstop.liquidation.lifecycle.Fixtures.btc;
import static io.backstop.liquidation.lifecycle.Fixtures.liquidation;
import static io.backstop.liquidation.lifecycle.Fixtures.scope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.liquidation.plan.LiquidationMath;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.ScopeState;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundDeciderTest {

    private final RoundDecider decider = new RoundDecider(LiquidationPolicy.defaults(), 2);

    @Test
    void aScopeWithNothingLeftCompletesInAnyRound() {
        ScopeState empty = scope("10");
        RoundDecider.Decision d = decider.decide(liquidation(LiquidationStatus.QUEUED, 2, empty), empty, T0);
        assertThat(d.step()).isEqualTo(RoundDecider.Step.COMPLETED);
        assertThat(d.liquidation().status()).isEqualTo(LiquidationStatus.COMPLETED);
        assertThat(d.outcome()).containsEntry("why", "closed");
        assertThat(d.orders()).isEmpty();
        assertThat(d.events()).isEmpty();
    }

    @Test
    void beforeAnyOrderEquityBackAtMaintenanceCancelsAsRecovered() {
        ScopeState recovered = scope("250", btc("1", "61000", "60000")); // MM 250
        RoundDecider.Decision d = decider.decide(liquidation(LiquidationStatus.QUEUED, 0, recovered), recovered, T0);
        assertThat(d.step()).isEqualTo(RoundDecider.Step.CANCELLED_RECOVERED);
        assertThat(d.liquidation().status()).isEqualTo(LiquidationStatus.CANCELLED_RECOVERED);
        assertThat(d.outcome()).containsEntry("equity", "250");
        assertThat(new BigDecimal((String) d.outcome().get("maintenanceMargin"))).isEqualByComparingTo("250");
    }

    @Test
    void afterARoundOnlyMaintenancePlusTheBufferCompletes() {
        ScopeState atMaintenance = scope("254.99", btc("1", "61000", "60000")); // buffer: 250 x 1.02 = 255
        RoundDecider.Decision short_ = decider.decide(liquidation(LiquidationStatus.QUEUED, 1, atMaintenance),
                atMaintenance, T0);
        assertThat(short_.step()).isEqualTo(RoundDecider.Step.ORDERS_PLACED);

        ScopeState restored = scope("255", btc("1", "61000", "60000"));
        RoundDecider.Decision d = decider.decide(liquidation(LiquidationStatus.QUEUED, 1, restored), restored, T0);
        assertThat(d.step()).isEqualTo(RoundDecider.Step.COMPLETED);
        assertThat(d.liquidation().round()).isEqualTo(1);
        assertThat(d.outcome()).containsEntry("why", "restored to maintenance plus the buffer");
    }

    @Test
    void aRoundPlacesTheFirstSliceOfEachCloseAtOnceAndSchedulesTheRestACooldownApart() {
        // 10 BTC at 60,000 (600,000 notional, MM 2,950) with 1,000 of equity: under half of MM, closed fully
        ScopeState state = scope("1000", btc("10", "60500", "60000"));
        Liquidation l = liquidation(LiquidationStatus.QUEUED, 0, state);
        RoundDecider.Decision d = decider.decide(l, state, T0);

        assertThat(d.step()).isEqualTo(RoundDecider.Step.ORDERS_PLACED);
        assertThat(d.liquidation()).extracting(Liquidation::status, Liquidation::round)
                .containsExactly(LiquidationStatus.ACTIVE, 1);
        assertThat(d.outcome()).isNull();
        BigDecimal bankruptcy = LiquidationMath.bankruptcyPrices(state).get("BTCUSDT");
        assertThat(d.orders()).hasSize(5).allSatisfy(o -> {
            assertThat(o.side()).isEqualTo(Side.SELL);
            assertThat(o.limitPrice()).isEqualByComparingTo(bankruptcy);
            assertThat(o.round()).isEqualTo(1);
        });
        assertThat(d.orders().stream().map(Order::quantity).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("10");
        assertThat(d.orders().get(0).status()).isEqualTo(OrderStatus.OPEN);
        assertThat(d.orders().get(0).notBefore()).isEqualTo(T0);
        assertThat(d.orders().get(1).status()).isEqualTo(OrderStatus.SCHEDULED);
        assertThat(d.orders().get(1).notBefore()).isEqualTo(T0.plusSeconds(30));
        assertThat(d.events()).singleElement().satisfies(e -> {
            LiquidationOrderPlaced placed = (LiquidationOrderPlaced) e.payload();
            assertThat(placed.orderId()).isEqualTo(d.orders().get(0).id());
            assertThat(placed.marginCallEventId()).isEqualTo(l.marginCallId());
            assertThat(e.causationId()).isEqualTo(l.marginCallId());
        });
        // derived ids: the same round decided again places the same orders
        assertThat(decider.decide(l, state, T0).orders()).isEqualTo(d.orders());
    }

    @Test
    void theFirstRoundsOrdersAreTimedFromTheCallsTickToTheDecision() {
        ScopeState state = scope("1000", btc("10", "60500", "60000"));
        Liquidation l = liquidation(LiquidationStatus.QUEUED, 0, state, T0.minusMillis(750));

        RoundDecider.Decision d = decider.decide(l, state, T0);

        assertThat(d.step()).isEqualTo(RoundDecider.Step.ORDERS_PLACED);
        assertThat(d.tickToOrder()).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void aLaterRoundIsNotTheCallsFirstOrderAndIsNotTimed() {
        ScopeState state = scope("1000", btc("10", "60500", "60000"));
        Liquidation second = liquidation(LiquidationStatus.QUEUED, 1, state, T0.minusSeconds(30));

        RoundDecider.Decision d = decider.decide(second, state, T0);

        assertThat(d.step()).isEqualTo(RoundDecider.Step.ORDERS_PLACED);
        assertThat(d.orders()).isNotEmpty();
        assertThat(d.tickToOrder()).isNull();
    }

    @Test
    void aCallWithoutAPriceTimeIsNotTimed() {
        ScopeState state = scope("1000", btc("10", "60500", "60000"));

        RoundDecider.Decision d = decider.decide(liquidation(LiquidationStatus.QUEUED, 0, state), state, T0);

        assertThat(d.step()).isEqualTo(RoundDecider.Step.ORDERS_PLACED);
        assertThat(d.tickToOrder()).isNull();
    }

    @Test
    void aFirstRoundThatPlacesNoOrderIsNotTimed() {
        ScopeState recovered = scope("250", btc("1", "61000", "60000"));
        ScopeState bankrupt = scope("-10", btc("1", "61000", "60000"));

        RoundDecider.Decision cancelled = decider.decide(
                liquidation(LiquidationStatus.QUEUED, 0, recovered, T0.minusMillis(5)), recovered, T0);
        RoundDecider.Decision shortfall = decider.decide(
                liquidation(LiquidationStatus.QUEUED, 0, bankrupt, T0.minusMillis(5)), bankrupt, T0);

        assertThat(List.of(cancelled.step(), shortfall.step()))
                .containsExactly(RoundDecider.Step.CANCELLED_RECOVERED, RoundDecider.Step.SHORTFALL);
        assertThat(cancelled.tickToOrder()).isNull();
        assertThat(shortfall.tickToOrder()).isNull();
    }

    @Test
    void aTickTimedAfterTheDecisionCountsAsNoTime() {
        ScopeState state = scope("1000", btc("10", "60500", "60000"));
        Liquidation l = liquidation(LiquidationStatus.QUEUED, 0, state, T0.plusMillis(40));

        assertThat(decider.decide(l, state, T0).tickToOrder()).isEqualTo(Duration.ZERO);
    }

    @Test
    void negativeEquityHandsEveryPositionToTheFundWithTheDeficitBeyondAZeroPrice() {
        // a short whose bankruptcy price would be -10,000: clamped at 0, closing there leaves 10,000 below zero
        ScopeState state = scope("-70000", btc("-1", "50000", "60000"));
        Liquidation l = liquidation(LiquidationStatus.QUEUED, 1, state);
        RoundDecider.Decision d = decider.decide(l, state, T0);

        assertThat(d.step()).isEqualTo(RoundDecider.Step.SHORTFALL);
        assertThat(d.liquidation().status()).isEqualTo(LiquidationStatus.SHORTFALL);
        assertThat(d.outcome()).containsEntry("why", "the mark passed the bankruptcy price");
        assertThat(d.shortfalls()).singleElement().satisfies(s -> {
            assertThat(s.symbol()).isEqualTo("BTCUSDT");
            assertThat(s.quantity()).isEqualByComparingTo("1");
        });
        LiquidationShortfallRaised raised = (LiquidationShortfallRaised) d.events().get(0).payload();
        assertThat(raised.shortfallId()).isEqualTo(d.shortfalls().get(0).shortfallId());
        assertThat(raised.positionSide()).isEqualTo(PositionSide.SHORT);
        assertThat(raised.bankruptcyPrice()).isEqualByComparingTo("0");
        assertThat(raised.deficit()).isEqualByComparingTo("10000.00");
    }

    @Test
    void aBankruptcyPriceTheMarketCanReachLeavesNoDeficit() {
        ScopeState state = scope("-500", btc("1", "61000", "60000")); // bankruptcy 60,500: above the mark
        RoundDecider.Decision d = decider.decide(liquidation(LiquidationStatus.QUEUED, 1, state), state, T0);
        LiquidationShortfallRaised raised = (LiquidationShortfallRaised) d.events().get(0).payload();
        assertThat(raised.bankruptcyPrice()).isEqualByComparingTo("60500");
        assertThat(raised.deficit()).isEqualByComparingTo("0");
    }

    @Test
    void outOfRoundsOrOutOfTimeWhatIsLeftGoesToTheFund() {
        ScopeState state = scope("200", btc("1", "61000", "60000"));
        RoundDecider.Decision outOfRounds = decider.decide(liquidation(LiquidationStatus.QUEUED, 3, state), state, T0);
        assertThat(outOfRounds.step()).isEqualTo(RoundDecider.Step.SHORTFALL);
        assertThat(outOfRounds.outcome()).containsEntry("why", "not filled within 3 rounds");

        Duration max = LiquidationPolicy.defaults().maxDuration();
        RoundDecider.Decision inTime = decider.decide(liquidation(LiquidationStatus.QUEUED, 1, state), state,
                T0.plus(max).minusMillis(1));
        assertThat(inTime.step()).isEqualTo(RoundDecider.Step.ORDERS_PLACED);
        RoundDecider.Decision late = decider.decide(liquidation(LiquidationStatus.QUEUED, 1, state), state, T0.plus(max));
        assertThat(late.step()).isEqualTo(RoundDecider.Step.SHORTFALL);
        assertThat(late.outcome()).containsEntry("why", "not filled within " + max);
    }

    @Test
    void onlyAQueuedLiquidationHasARound() {
        ScopeState state = scope("200", btc("1", "61000", "60000"));
        assertThatThrownBy(() -> decider.decide(liquidation(LiquidationStatus.ACTIVE, 1, state), state, T0))
                .isInstanceOf(IllegalLiquidationTransition.class).hasMessageContaining("start a round");
    }
}
