package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A window's first lines of a kind are logged, the rest counted and said by the next window's first line. */
class LogBudgetTest {

    private static final Instant T0 = Instant.parse("2025-10-10T21:15:00Z");

    private final LogBudget budget = new LogBudget(3, Duration.ofMinutes(1));

    @Test
    void aWindowLogsItsFirstLinesMarksTheLastAndCountsTheRestForTheNextWindowsFirstLine() {
        assertThat(budget.admit("a", T0)).isEqualTo(new LogBudget.Admission(true, 0, false));
        assertThat(budget.admit("a", T0.plusSeconds(1))).isEqualTo(new LogBudget.Admission(true, 0, false));
        assertThat(budget.admit("a", T0.plusSeconds(2))).isEqualTo(new LogBudget.Admission(true, 0, true));
        IntStream.range(0, 1000).forEach(i -> assertThat(budget.admit("a", T0.plusSeconds(59)).log()).isFalse());

        assertThat(budget.admit("a", T0.plusSeconds(60))).as("a window is a minute from its first line")
                .isEqualTo(new LogBudget.Admission(true, 1000, false));
        assertThat(budget.admit("a", T0.plusSeconds(61))).isEqualTo(new LogBudget.Admission(true, 0, false));
        assertThat(budget.admit("a", T0.plusSeconds(300))).as("nothing was left unlogged in the window before")
                .isEqualTo(new LogBudget.Admission(true, 0, false));
    }

    @Test
    void eachKindHasAWindowOfItsOwn() {
        IntStream.range(0, 5).forEach(i -> budget.admit("a", T0));

        assertThat(budget.admit("b", T0)).isEqualTo(new LogBudget.Admission(true, 0, false));
        assertThat(budget.admit("a", T0.plusSeconds(60)).unloggedBefore()).isEqualTo(2);
        assertThat(budget.admit("b", T0.plusSeconds(60)).unloggedBefore()).isZero();
    }

    @Test
    void aBudgetOfNoLineOrNoTimeIsRefused() {
        assertThatThrownBy(() -> new LogBudget(0, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a window must allow at least one line, got 0");
        assertThatThrownBy(() -> new LogBudget(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the window must be positive, got PT0S");
    }
}
