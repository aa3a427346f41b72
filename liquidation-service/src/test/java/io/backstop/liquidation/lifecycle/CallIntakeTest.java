package io.backstop.liquidation.lifecycle;

import static io.backstop.liquidation.lifecycle.Fixtures.CALL;
import static io.backstop.liquidation.lifecycle.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.ContractViolation;
import io.backstop.events.MarginMode;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.markets.Market;
import io.backstop.markets.SampleMarkets;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallIntakeTest {

    private final CallIntake intake = new CallIntake(
            Map.of("BTCUSDT", new Market("BTCUSDT", "BTC", SampleMarkets.btcBrackets(), 2)), "USDT");

    private static PositionMark mark(String symbol, String size, MarginMode mode) {
        BigDecimal s = new BigDecimal(size);
        return new PositionMark(symbol, s, new BigDecimal("61000"), new BigDecimal("60000"),
                s.abs().multiply(new BigDecimal("60000")), s.multiply(new BigDecimal("-1000")), new BigDecimal("250"),
                mode, mode == MarginMode.ISOLATED ? new BigDecimal("1000") : null, null);
    }

    private static MarginCallIssued call(String equity, PositionMark position, CollateralValue... collateral) {
        return new MarginCallIssued("alice", new BigDecimal(equity), new BigDecimal("250"), new BigDecimal("600"),
                List.of(collateral), List.of(position), Map.of("BTC", 7L), null, null);
    }

    private final MarginCallIssued cross = call("200", mark("BTCUSDT", "2", MarginMode.CROSS));

    @Test
    void aCallForAFreeScopeIsQueuedOnTheScopeItStates() {
        CallIntake.Intake in = intake.decide(CALL, cross, List.of(), CallIntake.ScopeLock.FREE, T0);
        Liquidation l = in.liquidation();
        assertThat(l.status()).isEqualTo(LiquidationStatus.QUEUED);
        assertThat(l.id()).isEqualTo(CallIntake.liquidationId(CALL));
        assertThat(l.scope()).isEqualTo("CROSS");
        assertThat(l.createdAt()).isEqualTo(T0);
        assertThat(l.state().equity()).isEqualByComparingTo("200");
        assertThat(l.state().position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("2");
        assertThat(in.why()).isNull();
        assertThat(in.adjusted()).isFalse();
    }

    @Test
    void aCallForAScopeInProgressOrAwaitingTheWaterfallIsSkippedWithItsReason() {
        CallIntake.Intake busy = intake.decide(CALL, cross, List.of(), CallIntake.ScopeLock.IN_PROGRESS, T0);
        assertThat(busy.liquidation().status()).isEqualTo(LiquidationStatus.SKIPPED_IN_PROGRESS);
        assertThat((String) busy.why().get("reason")).contains("already in progress");

        CallIntake.Intake awaiting = intake.decide(CALL, cross, List.of(), CallIntake.ScopeLock.AWAITING_WATERFALL, T0);
        assertThat(awaiting.liquidation().status()).isEqualTo(LiquidationStatus.SKIPPED_IN_PROGRESS);
        assertThat((String) awaiting.why().get("reason")).contains("waterfall has not yet settled");
    }

    @Test
    void tradesInFlightReduceTheCallsPositionsAtMostToZero() {
        List<RecordedFill> some = List.of(new RecordedFill("t1", "BTCUSDT", new BigDecimal("0.5"),
                new BigDecimal("59900"), new BigDecimal("10")));
        CallIntake.Intake adjusted = intake.decide(CALL, cross, some, CallIntake.ScopeLock.FREE, T0);
        assertThat(adjusted.liquidation().status()).isEqualTo(LiquidationStatus.QUEUED);
        assertThat(adjusted.adjusted()).isTrue();
        assertThat(adjusted.liquidation().state().position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("1.5");
        // 200 - fee 10 + 0.5 x (59,900 - 60,000)
        assertThat(adjusted.liquidation().state().equity()).isEqualByComparingTo("140");

        List<RecordedFill> more = List.of(
                new RecordedFill("t1", "BTCUSDT", new BigDecimal("1.5"), new BigDecimal("60000"), BigDecimal.ZERO),
                new RecordedFill("w1", "BTCUSDT", new BigDecimal("1"), new BigDecimal("60000"), BigDecimal.ZERO),
                new RecordedFill("t9", "ETHUSDT", new BigDecimal("3"), new BigDecimal("2000"), BigDecimal.ZERO));
        CallIntake.Intake closed = intake.decide(CALL, cross, more, CallIntake.ScopeLock.FREE, T0);
        assertThat(closed.liquidation().status()).isEqualTo(LiquidationStatus.CANCELLED_RECOVERED);
        assertThat(closed.liquidation().state().positions()).isEmpty();
        assertThat(closed.why()).containsEntry("fillsInFlight", List.of("t1", "w1", "t9"));
    }

    @Test
    void anIsolatedCallIsForItsPositionsScopeAndCollateralMovesEquityByItsHaircutWeight() {
        MarginCallIssued isolated = call("200", mark("BTCUSDT", "-1", MarginMode.ISOLATED),
                new CollateralValue("USDT", new BigDecimal("500"), BigDecimal.ONE, BigDecimal.ZERO, new BigDecimal("500")),
                new CollateralValue("BNB", new BigDecimal("10"), new BigDecimal("600"), new BigDecimal("0.1"),
                        new BigDecimal("5400")));
        Liquidation l = intake.decide(CALL, isolated, List.of(), CallIntake.ScopeLock.FREE, T0).liquidation();
        assertThat(l.scope()).isEqualTo("ISOLATED:BTCUSDT").isEqualTo(CallIntake.scopeKey(isolated));
        assertThat(l.state().collateral()).containsOnlyKeys("BNB");
        assertThat(l.state().collateral().get("BNB").weight()).isEqualByComparingTo("9");
    }

    @Test
    void aCallOnASymbolOutsideTheCatalogueBreaksTheContract() {
        MarginCallIssued unknown = call("200", mark("DOGEUSDT", "2", MarginMode.CROSS));
        assertThatThrownBy(() -> intake.decide(CALL, unknown, List.of(), CallIntake.ScopeLock.FREE, T0))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("DOGEUSDT");
    }
}
