package io.backstop.liquidation.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
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
    void withNothingWaitingThePollTakesItsFirstRoundsMostUrgentFirstUpToTheLimit() {
        IntakeRounds.Split<CallPriority> all = IntakeRounds.split(List.of(shallowSmall, deep, shallowLarge), SELF,
                Optional.empty(), 200);
        assertThat(all.now()).containsExactly(deep, shallowLarge, shallowSmall);
        assertThat(all.queued()).isEmpty();

        IntakeRounds.Split<CallPriority> two = IntakeRounds.split(List.of(shallowSmall, deep, shallowLarge), SELF,
                Optional.empty(), 2);
        assertThat(two.now()).containsExactly(deep, shallowLarge);
        assertThat(two.queued()).containsExactly(shallowSmall);
        assertThat(IntakeRounds.split(List.<CallPriority>of(), SELF, Optional.empty(), 200).now()).isEmpty();
    }

    @Test
    void onlyWhatIsMoreUrgentThanTheMostUrgentWaitingOneIsTakenNowTheRestWaitsItsTurn() {
        CallPriority waiting = call("0.90", "1000", 9); // between the large and the small shallow call
        IntakeRounds.Split<CallPriority> split = IntakeRounds.split(List.of(shallowSmall, deep, shallowLarge), SELF,
                Optional.of(waiting), 200);
        assertThat(split.now()).containsExactly(deep, shallowLarge);
        assertThat(split.queued()).containsExactly(shallowSmall);
        // one as urgent as the one waiting is not taken before it (the order is total: ties go by call id)
        assertThat(IntakeRounds.split(List.of(waiting), SELF, Optional.of(waiting), 200).now()).isEmpty();
        // behind a deeper one waiting, all of the poll waits
        IntakeRounds.Split<CallPriority> behind = IntakeRounds.split(List.of(shallowSmall, shallowLarge), SELF,
                Optional.of(deep), 200);
        assertThat(behind.now()).isEmpty();
        assertThat(behind.queued()).containsExactly(shallowLarge, shallowSmall);
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> IntakeRounds.split(List.of(deep), SELF, Optional.empty(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit of 0");
    }
}
