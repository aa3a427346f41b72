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
                List.of(collateral), List.of(position), Map.of("BTC", 7L));
    }

    private final MarginCallIssued cross = call("200", mark("BTCUSDT", "2", MarginMode.CROSS));

    @Test
    void aCallForAFreeScopeIsQueuedOnTheScopeItStates() {
        CallIntake.Intake in = intake.decide(CALL, cross, false, T0);
        Liquidation l = in.liquidation();
        assertThat(l.status()).isEqualTo(LiquidationStatus.QUEUED);
        assertThat(l.id()).isEqualTo(CallIntake.liquidationId(CALL));
        assertThat(l.scope()).isEqualTo("CROSS");
        assertThat(l.createdAt()).isEqualTo(T0);
        assertThat(l.state().equity()).isEqualByComparingTo("200");
        assertThat(l.state().position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("2");
        assertThat(in.why()).isNull();
    }

    @Test
    void theCallsPriceTimeIsKeptWithItsLiquidationAndACallWithoutOneHasNone() {
        MarginCallIssued timed = new MarginCallIssued(cross.accountId(), cross.equity(), cross.maintenanceMargin(),
                cross.initialMargin(), cross.collateral(), cross.positions(), cross.priceSequences(),
                T0.minusMillis(120));

        assertThat(intake.decide(CALL, timed, false, T0).liquidation().priceTime()).isEqualTo(T0.minusMillis(120));
        assertThat(intake.decide(CALL, cross, false, T0).liquidation().priceTime()).isNull();
    }

    @Test
    void aCallForAScopeInProgressIsSkippedWithItsReason() {
        CallIntake.Intake busy = intake.decide(CALL, cross, true, T0);
        assertThat(busy.liquidation().status()).isEqualTo(LiquidationStatus.SKIPPED_IN_PROGRESS);
        assertThat((String) busy.why().get("reason")).contains("already in progress");
    }

    @Test
    void anIsolatedCallIsForItsPositionsScopeAndCollateralMovesEquityByItsHaircutWeight() {
        MarginCallIssued isolated = call("200", mark("BTCUSDT", "-1", MarginMode.ISOLATED),
                new CollateralValue("USDT", new BigDecimal("500"), BigDecimal.ONE, BigDecimal.ZERO, new BigDecimal("500")),
                new CollateralValue("BNB", new BigDecimal("10"), new BigDecimal("600"), new BigDecimal("0.1"),
                        new BigDecimal("5400")));
        Liquidation l = intake.decide(CALL, isolated, false, T0).liquidation();
        assertThat(l.scope()).isEqualTo("ISOLATED:BTCUSDT").isEqualTo(CallIntake.scopeKey(isolated));
        assertThat(l.state().collateral()).containsOnlyKeys("BNB");
        assertThat(l.state().collateral().get("BNB").weight()).isEqualByComparingTo("9");
    }

    @Test
    void aCallOnASymbolOutsideTheCatalogueBreaksTheContract() {
        MarginCallIssued unknown = call("200", mark("DOGEUSDT", "2", MarginMode.CROSS));
        assertThatThrownBy(() -> intake.decide(CALL, unknown, false, T0))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("DOGEUSDT");
    }
}
