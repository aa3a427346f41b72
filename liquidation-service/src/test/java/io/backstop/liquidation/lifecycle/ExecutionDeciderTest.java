package io.backstop.liquidation.lifecycle;

import static io.backstop.liquidation.lifecycle.Fixtures.T0;
import static io.backstop.liquidation.lifecycle.Fixtures.btc;
import static io.backstop.liquidation.lifecycle.Fixtures.liquidation;
import static io.backstop.liquidation.lifecycle.Fixtures.scope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.ContractViolation;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.ScopeState;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ExecutionDeciderTest {

    private static final UUID EXECUTION = UUID.fromString("00000000-0000-0000-0000-0000000e0ec1");
    private final ExecutionDecider decider = new ExecutionDecider(LiquidationPolicy.defaults(), 2, "USDT");

    // 2 BTC long entered at 61,000, marked at 60,000, 400 of equity; the order sells 1.5 limited at 59,800
    private final ScopeState state = scope("400", btc("2", "61000", "60000"));
    private final Liquidation active = liquidation(LiquidationStatus.ACTIVE, 1, state);
    private final Order order = new Order(UUID.fromString("00000000-0000-0000-0000-00000000000d"), active.id(),
            "BTCUSDT", Side.SELL, new BigDecimal("1.5"), new BigDecimal("59800"), 1, 1, OrderStatus.OPEN, T0);

    private LiquidationOrderExecuted executed(ExecutionFill... fills) {
        return executed("BTCUSDT", Side.SELL, fills);
    }

    private LiquidationOrderExecuted executed(String symbol, Side side, ExecutionFill... fills) {
        return new LiquidationOrderExecuted(order.id(), active.id(), symbol, side, List.of(fills), BigDecimal.ZERO);
    }

    @Test
    void eachFillIsRecordedAndEmittedForMarginTheFeedAndTheFundAndMovesTheScopeExactly() {
        ExecutionDecider.Executed e = decider.execute(active, order, false, executed(
                new ExecutionFill("t1", new BigDecimal("59900"), new BigDecimal("1")),
                new ExecutionFill("t2", new BigDecimal("59850"), new BigDecimal("0.5"))), EXECUTION, T0);

        assertThat(e.filled()).isEqualByComparingTo("1.5");
        assertThat(e.fills()).extracting(Fill::tradeId).containsExactly("t1", "t2");
        Fill first = e.fills().get(0);
        // realized against the entry: 1 x (59,900 - 61,000); fee 0.5% of 59,900, under the 100 above bankruptcy
        assertThat(first.realizedPnl()).isEqualByComparingTo("-1100");
        assertThat(first.fee()).isEqualByComparingTo("100");
        assertThat(first.remainder()).isEqualByComparingTo("0");
        // the scope: equity moves by each fill's price against the mark, less its fee
        BigDecimal fees = e.fills().stream().map(Fill::fee).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal expected = new BigDecimal("400").add(new BigDecimal("-100")).add(new BigDecimal("-75")).subtract(fees);
        assertThat(e.liquidation().state().equity()).isEqualByComparingTo(expected);
        assertThat(e.liquidation().state().position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("0.5");
        assertThat(e.liquidation().status()).isEqualTo(LiquidationStatus.ACTIVE);

        assertThat(e.events()).extracting(ev -> ev.payload().getClass().getSimpleName()).containsExactly(
                "PositionLiquidated", "LiquidationReported", "LiquidationFeeCollected",
                "PositionLiquidated", "LiquidationReported", "LiquidationFeeCollected");
        assertThat(e.events()).allSatisfy(ev -> assertThat(ev.causationId()).isEqualTo(EXECUTION));
        PositionLiquidated liquidated = (PositionLiquidated) e.events().get(0).payload();
        assertThat(liquidated.fee()).isEqualByComparingTo(first.fee());
        assertThat(((LiquidationReported) e.events().get(1).payload()).notional()).isEqualByComparingTo("59900");
        assertThat(((LiquidationFeeCollected) e.events().get(2).payload()).asset()).isEqualTo("USDT");
    }

    @Test
    void aFillLeavingNothingAboveBankruptcyPaysNoFeeAndEmitsNoFeeEvent() {
        ExecutionDecider.Executed e = decider.execute(active, order, false,
                executed(new ExecutionFill("t1", new BigDecimal("59800"), new BigDecimal("1"))), EXECUTION, T0);
        assertThat(e.fills().get(0).fee()).isEqualByComparingTo("0");
        assertThat(e.events()).noneMatch(ev -> ev.payload() instanceof LiquidationFeeCollected);
    }

    @Test
    void anExecutionOfAnOrderNotOpenOrExecutedTwiceOrFillingMoreThanAskedIsRejected() {
        LiquidationOrderExecuted one = executed(new ExecutionFill("t1", new BigDecimal("59900"), new BigDecimal("1")));
        Order done = new Order(order.id(), order.liquidationId(), order.symbol(), order.side(), order.quantity(),
                order.limitPrice(), 1, 1, OrderStatus.DONE, T0);
        assertThatThrownBy(() -> decider.execute(active, done, false, one, EXECUTION, T0))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("not open");
        assertThatThrownBy(() -> decider.execute(active, order, true, one, EXECUTION, T0))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("not open");
        LiquidationOrderExecuted tooMuch = executed(new ExecutionFill("t1", new BigDecimal("59900"), new BigDecimal("1")),
                new ExecutionFill("t2", new BigDecimal("59900"), new BigDecimal("0.6")));
        assertThatThrownBy(() -> decider.execute(active, order, false, tooMuch, EXECUTION, T0))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("fills more than order");
    }

    @Test
    void anExecutionNamingAnotherSymbolSideOrLiquidationThanItsOrderIsRejectedNamingThatField() {
        ExecutionFill fill = new ExecutionFill("t1", new BigDecimal("3000"), new BigDecimal("1"));

        assertThatThrownBy(() -> decider.execute(active, order, false, executed("ETHUSDT", Side.SELL, fill),
                EXECUTION, T0)).isInstanceOfSatisfying(ContractViolation.class, e -> {
                    assertThat(e.field()).isEqualTo("payload.symbol");
                    assertThat(e.reason()).isEqualTo(ContractViolation.Reason.REJECTED_BY_CONSUMER);
                });
        assertThatThrownBy(() -> decider.execute(active, order, false, executed("BTCUSDT", Side.BUY, fill),
                EXECUTION, T0)).isInstanceOfSatisfying(ContractViolation.class, e -> {
                    assertThat(e.field()).isEqualTo("payload.side");
                    assertThat(e.reason()).isEqualTo(ContractViolation.Reason.REJECTED_BY_CONSUMER);
                });
        LiquidationOrderExecuted otherLiquidation = new LiquidationOrderExecuted(order.id(), UUID.randomUUID(),
                "BTCUSDT", Side.SELL, List.of(fill), BigDecimal.ZERO);
        assertThatThrownBy(() -> decider.execute(active, order, false, otherLiquidation, EXECUTION, T0))
                .isInstanceOfSatisfying(ContractViolation.class, e -> {
                    assertThat(e.field()).isEqualTo("payload.liquidationId");
                    assertThat(e.reason()).isEqualTo(ContractViolation.Reason.REJECTED_BY_CONSUMER);
                });
    }

    @Test
    void onlyAnActiveLiquidationTakesFills() {
        LiquidationOrderExecuted one = executed(new ExecutionFill("t1", new BigDecimal("59900"), new BigDecimal("1")));
        Liquidation queued = liquidation(LiquidationStatus.QUEUED, 1, state);
        assertThatThrownBy(() -> decider.execute(queued, order, false, one, EXECUTION, T0))
                .isInstanceOf(IllegalLiquidationTransition.class);
    }

    @Test
    void afterAPollTheRoundGoesOnEndsOrTheLiquidationCompletes() {
        ExecutionDecider.RoundState goingOn = decider.afterExecutions(active, 1);
        assertThat(goingOn.liquidation()).isEqualTo(active);
        assertThat(goingOn.nextRound()).isFalse();
        assertThat(goingOn.outcome()).isNull();

        ExecutionDecider.RoundState ended = decider.afterExecutions(active, 0);
        assertThat(ended.liquidation().status()).isEqualTo(LiquidationStatus.QUEUED);
        assertThat(ended.liquidation().round()).isEqualTo(1);
        assertThat(ended.nextRound()).isTrue();

        Liquidation closed = liquidation(LiquidationStatus.ACTIVE, 2, scope("50"));
        ExecutionDecider.RoundState completed = decider.afterExecutions(closed, 0);
        assertThat(completed.liquidation().status()).isEqualTo(LiquidationStatus.COMPLETED);
        assertThat(completed.outcome()).containsEntry("why", "closed");
        assertThat(completed.nextRound()).isFalse();
    }
}
