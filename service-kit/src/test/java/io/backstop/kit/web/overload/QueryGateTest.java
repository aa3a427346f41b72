package io.backstop.kit.web.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import io.backstop.kit.web.overload.QueryGate.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryGateTest {

    private static final long MS = 1_000_000;
    private static final QueryGate.Settings SETTINGS =
            new QueryGate.Settings(Duration.ofMillis(5), Duration.ofMillis(100), Duration.ofMillis(50));

    /** A nanosecond clock the test moves by hand. */
    private long now = 1_000 * MS;

    private QueryGate gate(int limit) {
        return new QueryGate(SETTINGS, FixedLimit.of(limit), () -> now);
    }

    /** A query that has waited {@code waitedMs} when it reaches the gate now. */
    private QueryGate.Admission waited(QueryGate gate, long waitedMs) {
        return gate.admit(now - waitedMs * MS);
    }

    @Test
    void aQueryThatWaitedNoLongerThanTheDeadlineIsServedWithoutAStandingQueue() {
        QueryGate gate = gate(10);
        QueryGate.Admission admission = waited(gate, 49);
        assertThat(admission.verdict()).isEqualTo(Verdict.SERVE);
        assertThat(admission.queueNanos()).isEqualTo(49 * MS);
        assertThat(admission.inFlight()).isEqualTo(1);
        assertThat(gate.inFlight()).isEqualTo(1);
        gate.done(admission);
        assertThat(gate.inFlight()).isZero();
    }

    /** Enough queries in the current interval for the queue-time rules to apply. */
    private void crowd(QueryGate gate) {
        for (int i = 0; i < QueryGate.CROWD; i++) {
            gate.done(waited(gate, 0));
        }
    }

    @Test
    void inACrowdAQueryThatWaitedPastTheDeadlineIsShedAsLate() {
        QueryGate gate = gate(10);
        crowd(gate);
        QueryGate.Admission admission = waited(gate, 51);
        assertThat(admission.verdict()).isEqualTo(Verdict.SHED_LATE);
        assertThat(gate.inFlight()).as("a shed query takes no place").isZero();
    }

    @Test
    void aShortBurstIsServedEvenAboveTwiceTheTarget() {
        QueryGate gate = gate(10);
        // within the first interval: a burst queues up to 30 ms, but a query went through at 1 ms too
        gate.done(waited(gate, 1));
        for (int i = 0; i < 20; i++) {
            now += 2 * MS;
            QueryGate.Admission a = waited(gate, 30);
            assertThat(a.verdict()).isEqualTo(Verdict.SERVE);
            gate.done(a);
        }
        now += 100 * MS; // the interval is judged: its shortest wait was 1 ms, under the 5 ms target
        assertThat(waited(gate, 30).verdict()).isEqualTo(Verdict.SERVE);
        assertThat(gate.standingQueue()).isFalse();
    }

    @Test
    void aQueueThatStaysAboveTargetForAWholeIntervalShedsQueriesWaitingOverTwiceTheTarget() {
        QueryGate gate = gate(10);
        for (int i = 0; i < 11; i++) { // 110 ms in which no query waited less than 8 ms
            gate.done(waited(gate, 8 + i));
            now += 10 * MS;
        }
        assertThat(gate.standingQueue()).isTrue();
        assertThat(waited(gate, 11).verdict()).as("over 2 x 5 ms").isEqualTo(Verdict.SHED_QUEUED);
        QueryGate.Admission quick = waited(gate, 9);
        assertThat(quick.verdict()).as("under 2 x 5 ms").isEqualTo(Verdict.SERVE);
        gate.done(quick);
    }

    @Test
    void theStandingQueueVerdictLiftsOnceAnIntervalSawAWaitUnderTarget() {
        QueryGate gate = gate(10);
        for (int i = 0; i < 11; i++) {
            gate.done(waited(gate, 20));
            now += 10 * MS;
        }
        assertThat(gate.standingQueue()).isTrue();
        // the next interval: the queue drained, one query waited 2 ms
        for (int i = 0; i < 10; i++) {
            waited(gate, i == 5 ? 2 : 20);
            now += 10 * MS;
        }
        now += 1 * MS;
        QueryGate.Admission after = waited(gate, 20);
        assertThat(gate.standingQueue()).isFalse();
        assertThat(after.verdict()).isEqualTo(Verdict.SERVE);
    }

    @Test
    void anIdleStretchIsNoStandingQueue() {
        QueryGate gate = gate(10);
        for (int i = 0; i < 11; i++) {
            gate.done(waited(gate, 20));
            now += 10 * MS;
        }
        assertThat(gate.standingQueue()).isTrue();
        now += 5_000 * MS; // nobody asked for five seconds: the old interval is judged, then a fresh one
        gate.done(waited(gate, 0));
        now += 150 * MS;
        assertThat(waited(gate, 20).verdict()).isEqualTo(Verdict.SERVE);
        assertThat(gate.standingQueue()).isFalse();
    }

    @Test
    void aSparseCallerIsNeverShedForItsQueueTimeHoweverSlowTheMachine() {
        QueryGate gate = gate(10);
        for (int i = 0; i < 40; i++) { // four queries every 100 ms, each having waited 80 ms
            QueryGate.Admission a = waited(gate, 80);
            assertThat(a.verdict()).as("query %d", i).isEqualTo(Verdict.SERVE);
            gate.done(a);
            now += 25 * MS;
        }
        assertThat(gate.standingQueue()).isFalse();
    }

    @Test
    void atTheConcurrencyLimitAQueryIsShedUntilOneInServiceIsDone() {
        QueryGate gate = gate(2);
        QueryGate.Admission first = waited(gate, 0);
        QueryGate.Admission second = waited(gate, 0);
        assertThat(List.of(first.verdict(), second.verdict())).containsOnly(Verdict.SERVE);
        assertThat(waited(gate, 0).verdict()).isEqualTo(Verdict.SHED_AT_LIMIT);
        gate.done(first);
        assertThat(waited(gate, 0).verdict()).isEqualTo(Verdict.SERVE);
    }

    @Test
    void doneOnAShedQueryFreesNothing() {
        QueryGate gate = gate(1);
        QueryGate.Admission served = waited(gate, 0);
        QueryGate.Admission shed = waited(gate, 0);
        gate.done(shed);
        assertThat(gate.inFlight()).isEqualTo(1);
        gate.done(served);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void theAdaptiveLimitFallsWhenLatencyFromArrivalGrows() {
        Gradient2Limit limit = Gradient2Limit.newBuilder().initialLimit(50).minLimit(4).maxConcurrency(100).build();
        QueryGate gate = new QueryGate(SETTINGS, limit, () -> now);
        // a calm stretch at 1 ms, 60 asking at once (the limiter grows only when it is the bound)
        serve(gate, 50, 60, 1);
        int calm = gate.limit();
        // then every query takes 40 ms from arrival, most of it queued before the gate
        serve(gate, 5, 60, 40);
        assertThat(gate.limit()).as("limit after slow answers, was %d", calm).isLessThan(calm);
    }

    /** Serves {@code rounds x batch} queries, {@code batch} at a time, each answered {@code latencyMs} after arriving. */
    private void serve(QueryGate gate, int rounds, int batch, long latencyMs) {
        for (int r = 0; r < rounds; r++) {
            List<QueryGate.Admission> inService = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                QueryGate.Admission a = gate.admit(now);
                if (a.served()) {
                    inService.add(a);
                }
            }
            now += latencyMs * MS;
            inService.forEach(gate::done);
        }
    }

    @Test
    void settingsThatCannotWorkAreRefused() {
        assertThatThrownBy(() -> new QueryGate.Settings(Duration.ofMillis(5), Duration.ofMillis(5), Duration.ofMillis(50)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueryGate.Settings(Duration.ofMillis(30), Duration.ofMillis(100), Duration.ofMillis(50)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
