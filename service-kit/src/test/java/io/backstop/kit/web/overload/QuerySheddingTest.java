package io.backstop.kit.web.overload;

import static org.assertj.core.api.Assertions.assertThat;

import com.netflix.concurrency.limits.limit.FixedLimit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.util.pattern.PathPatternParser;

class QuerySheddingTest {

    private static final long MS = 1_000_000;

    private long now = 5_000 * MS;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final QueryGate gate = new QueryGate(new QueryGate.Settings(Duration.ofMillis(5), Duration.ofMillis(100),
            Duration.ofMillis(50)), FixedLimit.of(8), () -> now);
    private final QueryShedding shedding = new QueryShedding(gate,
            List.of(PathPatternParser.defaultInstance.parse("/api/**")),
            List.of(PathPatternParser.defaultInstance.parse("/api/v1/simulation/**")), 1, () -> now, meters);
    private final AtomicInteger served = new AtomicInteger();

    private MockHttpServletResponse send(String method, String path) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        shedding.handle(new MockHttpServletRequest(method, path), response, served::incrementAndGet);
        return response;
    }

    /** Sends {@code "METHOD path"} requests on one task that arrived {@code waitedMs} ago. */
    private MockHttpServletResponse[] sendArrived(long waitedMs, String... requests) {
        MockHttpServletResponse[] responses = new MockHttpServletResponse[requests.length];
        Arrivals.runArrivedAt(now - waitedMs * MS, () -> {
            for (int i = 0; i < requests.length; i++) {
                String[] request = requests[i].split(" ", 2);
                try {
                    responses[i] = send(request[0], request[1]);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        return responses;
    }

    /** Enough queries for the gate's queue-time rules to apply (see {@link QueryGate#CROWD}). */
    private void crowd() throws Exception {
        for (int i = 0; i < QueryGate.CROWD; i++) {
            assertThat(send("GET", "/api/v1/accounts/c" + i + "/risk").getStatus()).isEqualTo(200);
        }
        served.set(0);
    }

    @Test
    void aQueryThatWaitedPastTheDeadlineSinceItArrivedIsShedWith429AndRetryAfter() throws Exception {
        crowd();
        MockHttpServletResponse[] response = sendArrived(80, "GET /api/v1/accounts/a/risk");
        assertThat(response[0].getStatus()).isEqualTo(429);
        assertThat(response[0].getHeader("Retry-After")).isEqualTo("1");
        assertThat(response[0].getContentType()).isEqualTo("application/problem+json");
        assertThat(response[0].getContentAsString()).contains("\"reason\":\"late\"", "\"status\":429");
        assertThat(served).hasValue(0);
        assertThat(meters.get("backstop.http.queries.shed").tag("reason", "late").counter().count()).isEqualTo(1);
    }

    @Test
    void theArrivalStampIsTakenOnceSoASecondRequestOnTheSameTaskCountsFromTheGate() throws Exception {
        crowd();
        MockHttpServletResponse[] responses = sendArrived(80, "GET /api/v1/accounts/a/risk",
                "GET /api/v1/accounts/b/risk");
        assertThat(responses[0].getStatus()).isEqualTo(429);
        assertThat(responses[1].getStatus()).isEqualTo(200);
        assertThat(served).hasValue(1);
    }

    @Test
    void actionsAndPathsOutsideTheQueriesAreNeverGatedHoweverLongTheyWaited() throws Exception {
        MockHttpServletResponse[] responses = sendArrived(10_000, "POST /api/v1/accounts/a/deposits",
                "GET /actuator/health/readiness", "POST /api/v1/accounts/a/fills", "GET /api/v1/simulation");
        assertThat(responses).extracting(MockHttpServletResponse::getStatus).containsOnly(200);
        assertThat(served).hasValue(4);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aLoneQueryIsServedHoweverLongItWaited() throws Exception {
        MockHttpServletResponse[] response = sendArrived(80, "GET /api/v1/accounts/a/risk");
        assertThat(response[0].getStatus()).isEqualTo(200);
        // its time is counted from its arrival, the wait included: the service's share of what the client sees
        assertThat(meters.get("backstop.http.queries.served").timer().max(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(80.0);
    }

    @Test
    void aServedQueryFreesItsPlaceWhenAnswered() throws Exception {
        assertThat(send("GET", "/api/v1/accounts/a/risk").getStatus()).isEqualTo(200);
        assertThat(served).hasValue(1);
        assertThat(gate.inFlight()).isZero();
    }
}
