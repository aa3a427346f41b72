package io.backstop.kit.web.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaitingLineTest {

    private static final long MS = 1_000_000;
    private final WaitingLine<String> line = new WaitingLine<>(5 * MS, 50 * MS);

    @Test
    void withoutAQueueFirstComeFirstServed() {
        line.add("a", 0);
        line.add("b", 1 * MS);
        line.add("c", 2 * MS);

        assertThat(takeAll(5 * MS)).containsExactly("a", "b", "c");
    }

    @Test
    void whileAQueueStandsTheNewestIsTakenFirst() {
        line.add("a", 0);
        line.add("b", 1 * MS);
        line.add("c", 2 * MS);

        // the oldest has waited 6 ms > 5 ms target
        assertThat(line.take(6 * MS).item()).isEqualTo("c");
        assertThat(line.take(6 * MS).item()).isEqualTo("b");
        assertThat(line.take(6 * MS).item()).as("the last one left is both oldest and newest").isEqualTo("a");
        assertThat(line.take(6 * MS)).isNull();
    }

    @Test
    void pastTheDeadlineTheOldestAreTakenAtOnceToBeAnswered() {
        line.add("old", 0);
        line.add("older-than-deadline-too", 1 * MS);
        line.add("recent", 45 * MS);

        WaitingLine.Waiting<String> first = line.take(52 * MS);
        assertThat(first.item()).isEqualTo("old");
        assertThat(first.arrivedNanos()).as("taken with its arrival").isZero();
        assertThat(line.take(52 * MS).item()).isEqualTo("older-than-deadline-too");
        assertThat(line.take(52 * MS).item()).isEqualTo("recent");
    }

    @Test
    void aSurgeKeepsTheNewestFastAndCutsTheOldestAtTheDeadline() {
        // four arrive per millisecond, one is taken per millisecond
        List<Long> servedWaits = new ArrayList<>();
        List<Long> expiredWaits = new ArrayList<>();
        long t = 0;
        for (int ms = 0; ms < 1000; ms++, t += MS) {
            for (int i = 0; i < 4; i++) {
                line.add("q", t);
            }
            WaitingLine.Waiting<String> next = line.take(t);
            long waited = t - next.arrivedNanos();
            (waited > 50 * MS ? expiredWaits : servedWaits).add(waited);
            // what waited past the deadline is answered at once (429): it costs little, so take all of it
            while (line.oldestWait(t) > 50 * MS) {
                expiredWaits.add(t - line.take(t).arrivedNanos());
            }
        }
        assertThat(servedWaits.stream().mapToLong(Long::longValue).max().orElseThrow())
                .as("served within the deadline").isLessThanOrEqualTo(50 * MS);
        assertThat(expiredWaits).isNotEmpty();
        assertThat(line.oldestWait(t - MS)).as("the line never grows past the deadline").isLessThanOrEqualTo(50 * MS);
    }

    @Test
    void aRemovedTaskIsNotTaken() {
        line.add("a", 0);
        line.add("b", 0);

        assertThat(line.remove("a")).isTrue();
        assertThat(line.remove("a")).isFalse();
        assertThat(takeAll(0)).containsExactly("b");
    }

    @Test
    void refusesATargetAboveTheDeadline() {
        assertThatThrownBy(() -> new WaitingLine<>(10 * MS, 5 * MS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target");
        assertThatThrownBy(() -> new WaitingLine<>(0, 5 * MS)).isInstanceOf(IllegalArgumentException.class);
    }

    private List<String> takeAll(long now) {
        List<String> taken = new ArrayList<>();
        for (var w = line.take(now); w != null; w = line.take(now)) {
            taken.add(w.item());
        }
        return taken;
    }
}
