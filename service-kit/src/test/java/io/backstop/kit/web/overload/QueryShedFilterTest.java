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

class QueryShedFilterTest {

    private static final long MS = 1_000_000;

    private long now = 5_000 * MS;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final QueryGate gate = new QueryGate(new QueryGate.Settings(Duration.ofMillis(5), Duration.ofMillis(100),
            Duration.ofMillis(50)), FixedLimit.of(8), () -> now);
    private final QueryShedFilter filter = new QueryShedFilter(gate,
            List.of(PathPatternParser.defaultInstance.parse("/api/**")),
            List.of(PathPatternParser.defaultInstance.parse("/api/v1/simulation/**")), 1, () -> now, meters);
    private final AtomicInteger served = new AtomicInteger();

    private MockHttpServletResponse send(String method, String path) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest(method, path), response, (rq, rs) -> served.incrementAndGet());
        return response;
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
        MockHttpServletResponse[] response = new MockHttpServletResponse[1];
        Arrivals.runArrivedAt(now - 80 * MS, () -> {
            try {
                response[0] = send("GET", "/api/v1/accounts/a/risk");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
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
        MockHttpServletResponse[] responses = new MockHttpServletResponse[2];
        Arrivals.runArrivedAt(now - 80 * MS, () -> {
            try {
                responses[0] = send("GET", "/api/v1/accounts/a/risk");
                responses[1] = send("GET", "/api/v1/accounts/b/risk");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(responses[0].getStatus()).isEqualTo(429);
        assertThat(responses[1].getStatus()).isEqualTo(200);
        assertThat(served).hasValue(1);
    }

    @Test
    void actionsAndPathsOutsideTheQueriesAreNeverGatedHoweverLongTheyWaited() throws Exception {
        MockHttpServletResponse[] responses = new MockHttpServletResponse[4];
        Arrivals.runArrivedAt(now - 10_000 * MS, () -> {
            try {
                responses[0] = send("POST", "/api/v1/accounts/a/deposits");
                responses[1] = send("GET", "/actuator/health/readiness");
                responses[2] = send("POST", "/api/v1/accounts/a/fills");
                responses[3] = send("GET", "/api/v1/simulation");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(responses).extracting(MockHttpServletResponse::getStatus).containsOnly(200);
        assertThat(served).hasValue(4);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void aLoneQueryIsServedHoweverLongItWaited() throws Exception {
        MockHttpServletResponse[] response = new MockHttpServletResponse[1];
        Arrivals.runArrivedAt(now - 80 * MS, () -> {
            try {
                response[0] = send("GET", "/api/v1/accounts/a/risk");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(response[0].getStatus()).isEqualTo(200);
    }

    @Test
    void aServedQueryFreesItsPlaceWhenAnswered() throws Exception {
        assertThat(send("GET", "/api/v1/accounts/a/risk").getStatus()).isEqualTo(200);
        assertThat(served).hasValue(1);
        assertThat(gate.inFlight()).isZero();
    }
}
