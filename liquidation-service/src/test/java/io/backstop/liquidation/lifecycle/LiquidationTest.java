package io.backstop.liquidation.lifecycle;

import static io.backstop.liquidation.lifecycle.Fixtures.btc;
import static io.backstop.liquidation.lifecycle.Fixtures.liquidation;
import static io.backstop.liquidation.lifecycle.Fixtures.scope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.liquidation.plan.ScopeState;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class LiquidationTest {

    private static final ScopeState BEFORE = scope("200", btc("1", "61000", "60000"));
    private static final ScopeState AFTER = scope("150", btc("0.5", "61000", "60000"));

    /** Every move, with the statuses it is legal from (round 0, or any round for those that do not care). */
    private static final Map<String, BiFunction<Liquidation, ScopeState, Liquidation>> MOVES = Map.of(
            "placeRound", Liquidation::placeRound,
            "filled", Liquidation::filled,
            "endRound", Liquidation::endRound,
            "complete", Liquidation::complete,
            "cancelRecovered", Liquidation::cancelRecovered,
            "shortfall", Liquidation::shortfall);
    private static final Map<String, Set<LiquidationStatus>> LEGAL_FROM = Map.of(
            "placeRound", EnumSet.of(LiquidationStatus.QUEUED),
            "filled", EnumSet.of(LiquidationStatus.ACTIVE),
            "endRound", EnumSet.of(LiquidationStatus.ACTIVE),
            "complete", EnumSet.of(LiquidationStatus.QUEUED, LiquidationStatus.ACTIVE),
            "cancelRecovered", EnumSet.of(LiquidationStatus.QUEUED),
            "shortfall", EnumSet.of(LiquidationStatus.QUEUED));

    @Test
    void everyMoveIsLegalFromItsStatusesOnlyAndAnyOtherIsRejectedNamingTheLiquidation() {
        for (String move : MOVES.keySet()) {
            for (LiquidationStatus from : LiquidationStatus.values()) {
                Liquidation l = liquidation(from, 0, BEFORE);
                if (LEGAL_FROM.get(move).contains(from)) {
                    assertThat(MOVES.get(move).apply(l, AFTER).state()).as(move + " from " + from).isEqualTo(AFTER);
                } else {
                    assertThatThrownBy(() -> MOVES.get(move).apply(l, AFTER)).as(move + " from " + from)
                            .isInstanceOf(IllegalLiquidationTransition.class)
                            .hasMessageContaining(l.id().toString()).hasMessageContaining("from " + from);
                }
            }
        }
    }

    @Test
    void aCallBecomesQueuedOrSkippedInRoundZero() {
        Liquidation queued = Liquidation.queued(Fixtures.CALL, Fixtures.CALL, "alice", "CROSS", BEFORE, Fixtures.T0,
                null);
        Liquidation skipped = Liquidation.skipped(Fixtures.CALL, Fixtures.CALL, "alice", "CROSS", BEFORE, Fixtures.T0,
                null);

        assertThat(queued.status()).isEqualTo(LiquidationStatus.QUEUED);
        assertThat(skipped.status()).isEqualTo(LiquidationStatus.SKIPPED_IN_PROGRESS);
        assertThat(List.of(queued.round(), skipped.round())).containsOnly(0);
        assertThat(queued.status().open()).isTrue();
        assertThat(skipped.status().open()).isFalse();
    }

    @Test
    void theCallsPriceTimeStaysWithTheLiquidationThroughItsMoves() {
        java.time.Instant tick = Fixtures.T0.minusMillis(300);
        Liquidation queued = Liquidation.queued(Fixtures.CALL, Fixtures.CALL, "alice", "CROSS", BEFORE, Fixtures.T0,
                tick);

        Liquidation later = queued.placeRound(AFTER).filled(AFTER).endRound(AFTER).placeRound(AFTER);

        assertThat(List.of(queued.priceTime(), later.priceTime())).containsOnly(tick);
        assertThat(later.round()).isEqualTo(2);
    }

    @Test
    void placingARoundActivatesTheNextRoundAndEndingItQueuesTheLiquidationAgainInThatRound() {
        Liquidation active = liquidation(LiquidationStatus.QUEUED, 1, BEFORE).placeRound(AFTER);
        assertThat(active.status()).isEqualTo(LiquidationStatus.ACTIVE);
        assertThat(active.round()).isEqualTo(2);

        Liquidation filled = active.filled(BEFORE);
        assertThat(filled.status()).isEqualTo(LiquidationStatus.ACTIVE);
        assertThat(filled.round()).isEqualTo(2);

        Liquidation queued = filled.endRound(AFTER);
        assertThat(queued.status()).isEqualTo(LiquidationStatus.QUEUED);
        assertThat(queued.round()).isEqualTo(2);
        assertThat(queued.createdAt()).isEqualTo(Fixtures.T0);
    }

    @Test
    void finalMovesKeepTheRoundAndEndTheLiquidation() {
        Liquidation queued = liquidation(LiquidationStatus.QUEUED, 2, BEFORE);
        assertThat(queued.complete(AFTER)).extracting(Liquidation::status, Liquidation::round)
                .containsExactly(LiquidationStatus.COMPLETED, 2);
        assertThat(queued.shortfall(AFTER)).extracting(Liquidation::status, Liquidation::round)
                .containsExactly(LiquidationStatus.SHORTFALL, 2);
        assertThat(liquidation(LiquidationStatus.ACTIVE, 2, BEFORE).complete(AFTER).status())
                .isEqualTo(LiquidationStatus.COMPLETED);
        for (LiquidationStatus status : EnumSet.of(LiquidationStatus.COMPLETED, LiquidationStatus.SHORTFALL,
                LiquidationStatus.CANCELLED_RECOVERED, LiquidationStatus.SKIPPED_IN_PROGRESS)) {
            assertThat(status.open()).as(status.name()).isFalse();
        }
    }

    @Test
    void aLiquidationThatPlacedOrdersIsNeverCancelledAsRecovered() {
        Liquidation afterARound = liquidation(LiquidationStatus.QUEUED, 1, BEFORE);
        assertThatThrownBy(() -> afterARound.cancelRecovered(AFTER))
                .isInstanceOf(IllegalLiquidationTransition.class).hasMessageContaining("round 1");
        assertThat(liquidation(LiquidationStatus.QUEUED, 0, BEFORE).cancelRecovered(AFTER).status())
                .isEqualTo(LiquidationStatus.CANCELLED_RECOVERED);
    }
}
