package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ./backstop settle}'s decisions: when the platform has settled (its readings stopped moving for the quiet
 * period), and what a settled platform may not have left behind.
 */
class SettleTest {

    private static final Duration EVERY = Duration.ofMillis(1);
    private static final Settle.Reading SOUND = new Settle.Reading(0, 0, 0, 1_200, 300, 900, 0, 0, 0, 0);

    /** The readings in turn, the last one repeated; null for a reading that fails. */
    private static final class Scripted implements Settle.Platform {
        private final Deque<Settle.Reading> readings;
        private Settle.Reading last;
        int reads;

        Scripted(Settle.Reading... readings) {
            this.readings = new ArrayDeque<>();
            for (Settle.Reading r : readings) {
                this.readings.add(r == null ? FAILS : r);
            }
        }

        @Override
        public Settle.Reading read() {
            reads++;
            Settle.Reading next = readings.isEmpty() ? last : readings.poll();
            if (next == FAILS) {
                throw new IllegalStateException("cannot read metrics of http://127.0.0.1:8082",
                        new java.net.ConnectException("Connection refused"));
            }
            last = next;
            return next;
        }

        @Override
        public Map<String, Integer> deadLetterCounts() {
            return Map.of("adl.settlements processing_failed (margin-service)", 2);
        }

        private static final Settle.Reading FAILS = new Settle.Reading(-1, 0, 0, -1, -1, -1, -1, -1, -1, 0);
    }

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private int settle(Settle.Platform platform, Duration quiet, Duration timeout) throws Exception {
        return settle(platform, quiet, timeout, false);
    }

    private int settle(Settle.Platform platform, Duration quiet, Duration timeout, boolean ordersAnswered)
            throws Exception {
        // a clock that moves 10 s each time it is read: one reading every 10 s, without waiting for them
        Instant[] now = {Instant.parse("2026-12-07T12:00:00Z")};
        InstantSource steps = () -> {
            Instant at = now[0];
            now[0] = at.plusSeconds(10);
            return at;
        };
        return new Settle(platform, new PrintStream(printed, true, StandardCharsets.UTF_8), steps)
                .run(EVERY, quiet, timeout, ordersAnswered);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aCascadeThatEndsOnBothSidesSettlesOnceNothingMovedForTheQuietPeriod() throws Exception {
        Scripted platform = new Scripted(new Settle.Reading(40, 0, 0, 1_000, 200, 700, 120, 90, 0, 0),
                new Settle.Reading(0, 0, 0, 1_200, 290, 880, 10, 5, 0, 0), SOUND);

        int exit = settle(platform, Duration.ofSeconds(30), Duration.ofMinutes(10));

        assertThat(exit).isEqualTo(Settle.SOUND);
        // the third reading is the first of the sound ones; three more, 10 s apart, make 30 s without a move
        assertThat(platform.reads).isEqualTo(6);
        assertThat(printed()).contains("liquidations 1,200 (+200) ended, 0 (-40) open (0 orders open)",
                "waterfalls 290 (+90)",
                "ADL requests 880 (+180), 10 (-110) unanswered", "scopes awaiting the waterfall 5 (-85)",
                "settled: nothing moved for 30 s (50 s after the first reading)",
                "SOUND: every liquidation ended, no order of the fund unanswered, every ADL request answered, no scope"
                        + " awaiting the waterfall, nothing dead-lettered (1,200 liquidations, 300 waterfalls, 900 ADL"
                        + " legs)");
    }

    @Test
    void aScopeLeftAwaitingTheWaterfallOnceEverythingElseStoppedIsNotSound() throws Exception {
        // the one-sided ADL leg: the counterparty closed, the bankrupt side refused, the fund has booked the answer
        Settle.Reading oneSided = new Settle.Reading(0, 0, 0, 1_200, 300, 900, 0, 1, 0, 0);

        int exit = settle(new Scripted(oneSided), Duration.ofSeconds(20), Duration.ofMinutes(10));

        assertThat(exit).isEqualTo(Settle.UNSOUND);
        assertThat(printed()).contains("NOT SOUND:", "1 account scopes still awaiting the waterfall (margin-service)")
                .doesNotContain("liquidations still open", "ADL requests the fund has no answer to", "dead-lettered");
    }

    @Test
    void deadLettersAreNotSoundAndTheVerdictCountsThemByTopicReasonAndService() throws Exception {
        int exit = settle(new Scripted(new Settle.Reading(0, 0, 0, 1_200, 300, 900, 0, 0, 4, 0)),
                Duration.ofSeconds(20), Duration.ofMinutes(10));

        assertThat(exit).isEqualTo(Settle.UNSOUND);
        assertThat(printed()).contains("events dead-lettered (./backstop dead-letters lists them)",
                "2 dead letters, by topic, reason and service:", "adl.settlements processing_failed (margin-service)");
    }

    @Test
    void aPlatformStillMovingWhenTheTimeRunsOutIsNotSettled() throws Exception {
        Settle.Reading[] moving = new Settle.Reading[20];
        for (int i = 0; i < moving.length; i++) {
            moving[i] = new Settle.Reading(0, 0, 0, 1_000 + i, 300, 900, 0, 0, 0, 0);
        }

        int exit = settle(new Scripted(moving), Duration.ofSeconds(30), Duration.ofSeconds(60));

        assertThat(exit).isEqualTo(Settle.NOT_SETTLED);
        assertThat(printed()).contains("NOT SETTLED: the platform was still moving 60 s after the first reading")
                .doesNotContain("SOUND:");
    }

    @Test
    void readingsThatDoNotMoveWhileRecordsWaitUnconsumedAreNotSettled() throws Exception {
        // the fund's transaction over a poll of 5,000 shortfalls: nothing it decides is visible until it commits
        Settle.Reading working = new Settle.Reading(0, 0, 0, 1_200, 100, 300, 0, 200, 0, 4_800);
        Scripted platform = new Scripted(working, working, working, working, working, SOUND);

        int exit = settle(platform, Duration.ofSeconds(20), Duration.ofMinutes(10));

        assertThat(exit).isEqualTo(Settle.SOUND);
        assertThat(platform.reads).as("five readings 40 s unchanged, then three sound ones").isEqualTo(8);

        printed.reset();
        assertThat(settle(new Scripted(working), Duration.ofSeconds(20), Duration.ofSeconds(60)))
                .isEqualTo(Settle.NOT_SETTLED);
        assertThat(printed()).contains("4,800 records not consumed yet", "200 account scopes still awaiting");
    }

    @Test
    void aReadingThatFailsCountsTheQuietPeriodAgainFromTheNextOne() throws Exception {
        Scripted platform = new Scripted(SOUND, SOUND, null, SOUND);

        int exit = settle(platform, Duration.ofSeconds(20), Duration.ofMinutes(10));

        assertThat(exit).isEqualTo(Settle.SOUND);
        // without the failure the third reading would have settled it; after it, three more are needed
        assertThat(platform.reads).isEqualTo(6);
        assertThat(printed()).contains("cannot read the platform: cannot read metrics of http://127.0.0.1:8082:"
                + " Connection refused");
    }

    @Test
    void whileAnExchangeAnswersAnOrderStillOpenIsWorkInProgressHoweverQuietThePlatformIs() throws Exception {
        // the fund's order sent before the exchange started: answered once the fund asks about it, 30 s on
        Settle.Reading waiting = new Settle.Reading(0, 0, 1, 1_200, 300, 900, 0, 0, 0, 0);
        Scripted answered = new Scripted(waiting, waiting, waiting, waiting, waiting, waiting, SOUND);

        assertThat(settle(answered, Duration.ofSeconds(20), Duration.ofMinutes(5), true)).isEqualTo(Settle.SOUND);
        // six readings with the order open (50 s), then the answer and the quiet period again
        assertThat(answered.reads).isEqualTo(9);

        // without an exchange the same quiet platform has settled, and the order is what it left undone
        Scripted unanswered = new Scripted(waiting);
        assertThat(settle(unanswered, Duration.ofSeconds(20), Duration.ofMinutes(5))).isEqualTo(Settle.UNSOUND);
        assertThat(unanswered.reads).isEqualTo(3);
        assertThat(printed()).contains("1 of the fund's orders unwinding what it took over unanswered");
    }

    @Test
    void theReadingsOwnProblemsNameEachThingLeftUndone() {
        assertThat(SOUND.problems()).isEmpty();
        assertThat(new Settle.Reading(3, 0, 0, 0, 0, 0, 0, 0, 0, 0).problems())
                .containsExactly("3 liquidations still open (liquidation-service)");
        assertThat(new Settle.Reading(0, 0, 2, 0, 0, 0, 0, 0, 0, 0).problems()).containsExactly(
                "2 of the fund's orders unwinding what it took over unanswered (insurance-fund-service; is an exchange"
                        + " connected? in the lab, settle --exchange runs one)");
        assertThat(new Settle.Reading(3, 5, 0, 0, 0, 10, 2, 1, 1, 0).problems()).containsExactly(
                "3 liquidations still open (liquidation-service), waiting on 5 orders no exchange has answered (is one"
                        + " connected? in the lab, load --exchange and settle --exchange run one)",
                "2 ADL requests the fund has no answer to (margin-service applies them, the fund books its answers)",
                "1 account scopes still awaiting the waterfall (margin-service): a shortfall whose remainder was never"
                        + " settled on the bankrupt side",
                "events dead-lettered (./backstop dead-letters lists them)");
    }

    @Test
    void theAdminClientAcceptsItsSettings() {
        // a default API timeout below the request timeout's default (30 s) made every reading fail on the platform
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Settle.adminConfig("127.0.0.1:1"))) {
            assertThat(admin).isNotNull();
        }
    }

    @Test
    void aQuietPeriodOrIntervalThatCouldNeverEndIsRefused() {
        assertThatThrownBy(() -> new Settle.Quiescence(Duration.ZERO, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settle(new Scripted(SOUND), Duration.ofSeconds(30), Duration.ofSeconds(10)))
                .hasMessageContaining("the timeout at least the quiet period");
        assertThat(List.of(Settle.SOUND, Settle.UNSOUND, Settle.NOT_SETTLED)).doesNotHaveDuplicates()
                .doesNotContain(2); // 2 is the CLI's refusal of its options
    }

    @Test
    void theTimeLeftIsEstimatedFromTheScopesReleasedOverTheLastFiveMinutesOnly() {
        Settle.Remaining remaining = new Settle.Remaining();
        Instant at = Instant.parse("2026-12-07T12:00:00Z");
        // shortfalls arrive faster than the fund settles them: the count rises, nothing to say
        for (long awaiting = 1_000; awaiting <= 10_000; awaiting += 1_000) {
            assertThat(remaining.after(awaiting(awaiting), at)).isEmpty();
            at = at.plusSeconds(10);
        }
        // then 1,000 released a reading (6,000 a minute) for 5 minutes
        long awaiting = 10_000 + 30 * 1_000;
        java.util.Optional<String> estimate = java.util.Optional.empty();
        for (int i = 0; i < 31; i++, awaiting -= 1_000, at = at.plusSeconds(10)) {
            estimate = remaining.after(awaiting(awaiting), at);
        }
        assertThat(estimate).contains(
                "the waterfall released 6,000 scopes a minute over the last 5.0 min: ~2 min to go");
        // then 100 a reading (600 a minute), from 9,000 to 6,000: 5 minutes on, the fast part is out of the window
        for (awaiting = 9_000; awaiting >= 6_000; awaiting -= 100, at = at.plusSeconds(10)) {
            estimate = remaining.after(awaiting(awaiting), at);
        }
        assertThat(estimate).contains(
                "the waterfall released 600 scopes a minute over the last 5.0 min: ~10 min to go");
        // none left: nothing to estimate
        assertThat(remaining.after(awaiting(0), at.plusSeconds(10))).isEmpty();
    }

    private static Settle.Reading awaiting(long scopes) {
        return new Settle.Reading(0, 0, 0, 1_200, 300, 900, 0, scopes, 0, 0);
    }
}
