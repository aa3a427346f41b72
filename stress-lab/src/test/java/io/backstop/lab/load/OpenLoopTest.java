package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenLoopTest {

    private static final int WARM_UP = 20;

    @Test
    void offersEveryArrivalOnScheduleAndCountsEachOnceAsServedShedOrFailed() throws Exception {
        ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor();
        try {
            // each answer takes 20 ms: a closed loop of one would manage 50/s, the schedule asks 200/s
            OpenLoop loop = OpenLoop.start("test", 200, 100, Duration.ofSeconds(1), (n, sent) -> {
                CompletableFuture<OpenLoop.Outcome> answer = new CompletableFuture<>();
                OpenLoop.Outcome outcome = n % 10 == 0 ? OpenLoop.Outcome.shed()
                        : n % 7 == 0 ? OpenLoop.Outcome.failed("boom") : OpenLoop.Outcome.served();
                answers.schedule(() -> answer.complete(outcome), 20, TimeUnit.MILLISECONDS);
                return answer;
            });
            OpenLoop.Summary s = loop.stop(Duration.ofSeconds(5));

            assertThat(s.offered()).isEqualTo(200); // arrivals at 0, 5, ..., 995 ms
            assertThat(s.seconds()).isCloseTo(1.0, within(1e-9));
            assertThat(s.shed()).isEqualTo(20);     // n % 10 == 0
            assertThat(s.failed()).isEqualTo(26);   // n % 7 == 0 but not n % 10 == 0: 29 - 3
            assertThat(s.served()).isEqualTo(154);
            assertThat(s.notSent()).isZero();
            assertThat(s.failures()).isEqualTo(Map.of("boom", 26L));
            assertThat(s.offered()).isEqualTo(s.served() + s.shed() + s.failed() + s.notSent());
            assertThat(s.corrected().getTotalCount()).isEqualTo(s.served());
            assertThat(s.uncorrected().getTotalCount()).isEqualTo(s.served());
            assertThat(s.corrected().getMinValue()).isGreaterThanOrEqualTo(20_000); // microseconds
            assertThat(s.achievedPerSecond()).isCloseTo(154.0, within(1e-6));
        } finally {
            answers.shutdownNow();
        }
    }

    @Test
    void stopEndsTheScheduleAtOnceHavingOfferedRateTimesElapsed() throws Exception {
        OpenLoop loop = OpenLoop.start("test", 250, 100,
                (n, sent) -> CompletableFuture.completedFuture(OpenLoop.Outcome.served()));
        Thread.sleep(600);
        OpenLoop.Summary s = loop.stop(Duration.ofSeconds(1));

        assertThat(s.seconds()).isBetween(0.6, 1.0);
        assertThat((double) s.offered()).isCloseTo(250 * s.seconds(), within(1.0)); // one tick either way
        assertThat(s.served()).isEqualTo(s.offered());
        assertThat(loop.progress().offered()).isEqualTo(s.offered()); // nothing is offered after stop
    }

    @Test
    void arrivalsThatFindTheInFlightBoundReachedAreCountedAsNotSentAndTheUnansweredAsFailedAtStop() throws Exception {
        List<CompletableFuture<OpenLoop.Outcome>> held = new CopyOnWriteArrayList<>();
        OpenLoop loop = OpenLoop.start("test", 100, 10, Duration.ofMillis(300), (n, sent) -> {
            CompletableFuture<OpenLoop.Outcome> never = new CompletableFuture<>();
            held.add(never);
            return never;
        });
        Thread.sleep(350);
        assertThat(loop.progress().inFlight()).isEqualTo(10);
        OpenLoop.Summary s = loop.stop(Duration.ofMillis(100));

        assertThat(s.offered()).isEqualTo(30);
        assertThat(held).hasSize(10);
        assertThat(s.notSent()).isEqualTo(20);
        assertThat(s.failed()).isEqualTo(10);
        assertThat(s.failures()).isEqualTo(Map.of(OpenLoop.UNANSWERED, 10L));
        assertThat(s.served()).isZero();

        held.forEach(f -> f.complete(OpenLoop.Outcome.served())); // answers after stop change nothing
        assertThat(loop.progress().served()).isZero();
        assertThat(loop.progress().failed()).isEqualTo(10);
    }

    @Test
    void aCallThatThrowsOrFailsCountsAsFailedWithTheExceptionAsReason() throws Exception {
        OpenLoop loop = OpenLoop.start("test", 100, 10, Duration.ofMillis(100), (n, sent) -> {
            if (n % 2 == 0) {
                throw new IllegalStateException("broken");
            }
            return CompletableFuture.failedFuture(new java.net.ConnectException("refused"));
        });
        OpenLoop.Summary s = loop.stop(Duration.ofSeconds(1));

        assertThat(s.offered()).isEqualTo(10);
        assertThat(s.failures()).isEqualTo(Map.of("IllegalStateException", 5L, "ConnectException", 5L));
        assertThat(s.corrected().getTotalCount()).isZero();
    }

    /**
     * A sender that waits for each answer before sending the next (a closed loop, or any blocked
     * sender) sends nothing while the server stalls; the requests it owed during the stall go out late
     * and, timed from their late send, look fast. Timed from the schedule they carry the wait.
     */
    @Test
    void aServerStallIsChargedToEveryRequestScheduledDuringItEvenWhenABlockedSenderSentThemLate() throws Exception {
        try (FakeRiskService server = new FakeRiskService(1, n -> {
            if (n == WARM_UP + 50) {
                Thread.sleep(1000);
            }
            return 200;
        })) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/accounts/a/risk")).build();
            for (int i = 0; i < WARM_UP; i++) { // class loading and the first connection are not what this measures
                http.send(request, HttpResponse.BodyHandlers.discarding());
            }
            // breaks the Call contract on purpose: blocks the schedule's thread until the answer is in
            OpenLoop loop = OpenLoop.start("blocking", 100, 10, Duration.ofSeconds(3), (n, sent) -> {
                try {
                    int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    return CompletableFuture.completedFuture(OpenLoop.Outcome.ofHttpStatus(status));
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            });
            OpenLoop.Summary s = loop.stop(Duration.ofSeconds(5));

            assertThat(s.offered()).isEqualTo(300);
            assertThat(s.served()).isEqualTo(300);
            // ~100 requests were due during the stall, waiting from up to 1 s down to 0 s
            assertThat(s.maxMillis()).isGreaterThanOrEqualTo(1000);
            assertThat(s.correctedMillis(99)).isGreaterThan(800);
            assertThat(s.correctedMillis(90)).isGreaterThan(500);
            assertThat(s.corrected().getCountBetweenValues(500_000, Long.MAX_VALUE)).isGreaterThanOrEqualTo(40);
            // timed from their actual send, only the one request that met the stall was slow
            assertThat(s.uncorrected().getMaxValue()).isGreaterThanOrEqualTo(1_000_000);
            assertThat(s.uncorrectedMillis(99)).isLessThan(200);
            assertThat(s.uncorrected().getCountBetweenValues(500_000, Long.MAX_VALUE)).isEqualTo(1);
        }
    }
}
