package io.backstop.liquidation.lifecycle;

import static io.backstop.liquidation.lifecycle.Fixtures.CALL;
import static io.backstop.liquidation.lifecycle.Fixtures.T0;
import static io.backstop.liquidation.lifecycle.Fixtures.btc;
import static io.backstop.liquidation.lifecycle.Fixtures.liquidation;
import static io.backstop.liquidation.lifecycle.Fixtures.scope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.Topic;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.ScopeState;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiquidationEndTest {

    @Test
    void aShortfallEndsTheLeaseWithWhatTheRoundHandedToTheFund() {
        // a short whose bankruptcy price is clamped at 0: closing there leaves 10,000 below zero
        ScopeState bankrupt = scope("-70000", btc("-1", "50000", "60000"));
        RoundDecider.Decision d = new RoundDecider(LiquidationPolicy.defaults(), 2)
                .decide(liquidation(LiquidationStatus.QUEUED, 1, bankrupt), bankrupt, T0);

        var event = LiquidationEnd.of(d.liquidation(), List.of("x-1", "x-2"), d.shortfalls(), T0);

        LiquidationEnded ended = event.payload();
        assertThat(ended.outcome()).isEqualTo(LiquidationOutcome.SHORTFALL);
        assertThat(ended.marginCallId()).isEqualTo(CALL);
        assertThat(ended.fills()).containsExactly("x-1", "x-2");
        assertThat(ended.shortfalls()).isEqualTo(d.shortfalls());
        assertThat(ended.shortfalls().get(0).deficit()).isEqualByComparingTo("10000.00");
        assertThat(event.type().topic()).isEqualTo(Topic.LIQUIDATION_FILLS);
        assertThat(event.payload().key()).isEqualTo(d.liquidation().accountId()); // the fills' partition
    }

    @Test
    void theSameEndIsTheSameEvent() {
        Liquidation completed = liquidation(LiquidationStatus.COMPLETED, 2, scope("10"));
        assertThat(LiquidationEnd.of(completed, List.of("x-1"), List.of(), T0).eventId())
                .isEqualTo(LiquidationEnd.of(completed, List.of("x-1"), List.of(), T0.plusSeconds(5)).eventId());
    }

    @Test
    void everyFinalStatusHasAnOutcomeAndAnOpenLiquidationHasNoEnd() {
        for (LiquidationStatus status : LiquidationStatus.values()) {
            Liquidation l = liquidation(status, 0, scope("10"));
            if (status.open()) {
                assertThatThrownBy(() -> LiquidationEnd.of(l, List.of(), List.of(), T0))
                        .isInstanceOf(IllegalLiquidationTransition.class);
            } else if (status != LiquidationStatus.SHORTFALL) {
                assertThat(LiquidationEnd.of(l, List.of(), List.of(), T0).payload().outcome().name())
                        .isEqualTo(status.name());
            }
        }
    }
}
