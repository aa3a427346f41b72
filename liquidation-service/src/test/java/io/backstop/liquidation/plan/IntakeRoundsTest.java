package io.backstop.liquidation.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class IntakeRoundsTest {

    private static final Function<CallPriority, CallPriority> SELF = p -> p;

    private static CallPriority call(String health, String notional, int id) {
        return new CallPriority(new BigDecimal(health), new BigDecimal(notional), new UUID(0, id));
    }

    private final CallPriority deep = call("0.40", "1000", 3);
    private final CallPriority shallowLarge = call("0.90", "5000", 1);
    private final CallPriority shallowSmall = call("0.90", "100", 2);

    @Test
    void anIdleLiquidatorLeavesThePollsRoundsToItMostUrgentFirstUpToTheLimit() {
        IntakeRounds.Split<CallPriority> all = IntakeRounds.split(List.of(shallowSmall, deep, shallowLarge), SELF,
                true, 200);
        assertThat(all.now()).containsExactly(deep, shallowLarge, shallowSmall);
        assertThat(all.queued()).isEmpty();

        IntakeRounds.Split<CallPriority> two = IntakeRounds.split(List.of(shallowSmall, deep, shallowLarge), SELF,
                true, 2);
        assertThat(two.now()).containsExactly(deep, shallowLarge);
        assertThat(two.queued()).containsExactly(shallowSmall);
    }

    @Test
    void whileAnythingWaitsForTheLiquidatorEveryLiquidationIsQueued() {
        IntakeRounds.Split<CallPriority> busy = IntakeRounds.split(List.of(shallowSmall, deep), SELF, false, 200);
        assertThat(busy.now()).isEmpty();
        assertThat(busy.queued()).containsExactly(deep, shallowSmall);
        assertThat(IntakeRounds.split(List.<CallPriority>of(), SELF, true, 200).now()).isEmpty();
        assertThatThrownBy(() -> IntakeRounds.split(List.of(deep), SELF, true, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit of 0");
    }
}
