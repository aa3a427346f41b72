package io.backstop.margin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A live round's backlog stops at the round's own time, or later by as long as the round's tasks took, but never more
 * than {@link AccountEngine#BACKLOG_TIME_LIMIT} later: a round's length, which a command waits for, stays bounded
 * whatever its tasks and its prices cost.
 */
class BacklogTimeTest {

    private static final long START = 1_000_000_000L; // any System.nanoTime() reading
    private static final long UNTIL = START + AccountEngine.REVIEW_TIME_PER_ROUND.toNanos();

    @Test
    void aQuietRoundsBacklogStopsAtTheRoundsOwnTime() {
        long tasksStart = START + ms(20);
        assertThat(AccountEngine.backlogUntil(UNTIL, tasksStart, tasksStart + ms(5))).isEqualTo(UNTIL);
    }

    @Test
    void aBusyRoundsBacklogHasAsLongAsItsTasksTook() {
        long tasksStart = START + ms(100);
        long now = tasksStart + ms(400);
        assertThat(AccountEngine.backlogUntil(UNTIL, tasksStart, now)).isEqualTo(now + ms(400));
    }

    @Test
    void theTasksShareIsCappedAndThePricesLongReviewsAreNotMatched() {
        long tasksStart = START + ms(6_000); // the prices' reviews ran long on a starved machine
        long now = tasksStart + ms(5_000);   // and the tasks longer
        assertThat(AccountEngine.backlogUntil(UNTIL, tasksStart, now))
                .isEqualTo(now + AccountEngine.BACKLOG_TIME_LIMIT.toNanos());
        assertThat(AccountEngine.backlogUntil(UNTIL, tasksStart, tasksStart + ms(10)))
                .as("prices past the round's time, tasks quick: the backlog gets the tasks' share only")
                .isEqualTo(tasksStart + ms(20));
    }

    @Test
    void readingsAcrossTheNanoTimeWrapAreOrderedBySubtraction() {
        long until = Long.MAX_VALUE - ms(10);
        long tasksStart = Long.MAX_VALUE - ms(100);
        long now = tasksStart + ms(300); // wrapped past Long.MAX_VALUE
        assertThat(AccountEngine.backlogUntil(until, tasksStart, now)).isEqualTo(now + ms(300));
    }

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }
}
