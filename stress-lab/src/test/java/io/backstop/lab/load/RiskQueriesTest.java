package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RiskQueriesTest {

    private static final List<String> ACCOUNTS = IntStream.range(0, 20).mapToObj(i -> "acct-" + i).toList();

    @Test
    void countsServedShedAndFailedExactlyAsTheServiceAnswered() throws Exception {
        try (FakeRiskService service = new FakeRiskService(16, n -> {
            if (n % 5 == 0) {
                return 429;
            }
            if (n % 7 == 0) {
                return 500;
            }
            Thread.sleep(5);
            return 200;
        })) {
            RiskQueries queries = RiskQueries.start(service.baseUrl(), ACCOUNTS, null, 200, 7L, 1000, Duration.ofSeconds(5),
                    Duration.ofMillis(1500));
            OpenLoop.Summary s = queries.stop();

            assertThat(s.offered()).isEqualTo(300); // 200/s for 1.5 s
            assertThat(service.received()).isEqualTo(300);
            assertThat(s.served()).isEqualTo(service.answered(200)).isPositive();
            assertThat(s.shed()).isEqualTo(service.answered(429)).isEqualTo(60);
            assertThat(s.failed()).isEqualTo(service.answered(500)).isPositive();
            assertThat(s.failures()).isEqualTo(Map.of("HTTP 500", service.answered(500)));
            assertThat(s.notSent()).isZero();
            assertThat(s.served() + s.shed() + s.failed()).isEqualTo(s.offered());
            assertThat(s.corrected().getTotalCount()).isEqualTo(s.served());
            assertThat(s.corrected().getMinValue()).isGreaterThanOrEqualTo(5_000); // the service's 5 ms, in µs
            assertThat(service.paths).allMatch(p -> p.matches("/api/v1/accounts/acct-\\d+/risk"));
            assertThat(service.paths.stream().distinct().count()).isGreaterThan(10); // spread over the accounts
        }
    }

    /**
     * An open-model sender keeps sending while the service stalls, so the wait is the service's and
     * both histograms see it; the corrected one stays right even when the sender falls behind
     * ({@link OpenLoopTest}).
     */
    @Test
    void aServiceStallShowsInTheLatencyOfEveryQueryScheduledDuringItWhileTheScheduleGoesOn() throws Exception {
        try (FakeRiskService service = new FakeRiskService(1, n -> {
            if (n == 20) {
                Thread.sleep(1000);
            }
            return 200;
        })) {
            RiskQueries queries = RiskQueries.start(service.baseUrl(), ACCOUNTS, null, 100, 1L, 1000, Duration.ofSeconds(5),
                    Duration.ofSeconds(2));
            Thread.sleep(800); // inside the stall: the schedule has not waited for it
            OpenLoop.Progress during = queries.progress();
            OpenLoop.Summary s = queries.stop();

            assertThat(during.sent()).isBetween(75L, 85L);
            assertThat(during.inFlight()).isGreaterThan(50);
            assertThat(s.offered()).isEqualTo(200);
            assertThat(s.served()).isEqualTo(200);
            assertThat(s.maxMillis()).isGreaterThanOrEqualTo(1000);
            assertThat(s.correctedMillis(99)).isGreaterThan(800);
            assertThat(s.corrected().getCountBetweenValues(500_000, Long.MAX_VALUE)).isGreaterThanOrEqualTo(40);
            assertThat(s.uncorrectedMillis(99)).isCloseTo(s.correctedMillis(99), within(50.0));
        }
    }

    @Test
    void queriesUnansweredWithinTheTimeoutFailAsTimeouts() throws Exception {
        try (FakeRiskService service = new FakeRiskService(16, n -> {
            Thread.sleep(2000);
            return 200;
        })) {
            RiskQueries queries = RiskQueries.start(service.baseUrl(), ACCOUNTS, null, 20, 1L, 1000, Duration.ofMillis(200),
                    Duration.ofMillis(500));
            OpenLoop.Summary s = queries.stop();

            assertThat(s.offered()).isEqualTo(10);
            assertThat(s.failures()).isEqualTo(Map.of("timeout", 10L));
            assertThat(s.served()).isZero();
        }
    }

    @Test
    void aServiceThatIsNotThereFailsEveryQueryAndTheScheduleStillOffersThemAll() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RiskQueries queries = RiskQueries.start("http://127.0.0.1:" + closedPort, ACCOUNTS, null, 50, 1L, 1000,
                Duration.ofSeconds(2), Duration.ofMillis(400));
        OpenLoop.Summary s = queries.stop();

        assertThat(s.offered()).isEqualTo(20);
        assertThat(s.failures()).isEqualTo(Map.of("ConnectException", 20L));
    }
}
