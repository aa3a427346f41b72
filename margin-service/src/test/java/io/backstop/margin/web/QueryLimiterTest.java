package io.backstop.margin.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class QueryLimiterTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void beyondTheLimitARiskQueryIsShedAtOnceWithRetryAfter() throws Exception {
        QueryLimiter limiter = new QueryLimiter(1, meters);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread busy = new Thread(() -> {
            try {
                limiter.doFilter(get("/api/v1/accounts/a/risk"), new MockHttpServletResponse(), (rq, rs) -> {
                    inside.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        busy.start();
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();

        MockHttpServletResponse shed = new MockHttpServletResponse();
        long start = System.nanoTime();
        limiter.doFilter(get("/api/v1/accounts/b/risk"), shed, (rq, rs) -> { });

        assertThat(shed.getStatus()).isEqualTo(429);
        assertThat(shed.getHeader("Retry-After")).isEqualTo("1");
        assertThat(shed.getContentType()).isEqualTo("application/problem+json");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("shed without waiting").isLessThan(1000);
        assertThat(meters.get("backstop.margin.queries.shed").counter().count()).isEqualTo(1);
        release.countDown();
        busy.join();
    }

    @Test
    void writesAreNeverShed() throws Exception {
        QueryLimiter limiter = new QueryLimiter(0, meters);
        MockHttpServletRequest deposit = new MockHttpServletRequest("POST", "/api/v1/accounts/a/deposits");
        MockHttpServletResponse response = new MockHttpServletResponse();
        boolean[] served = {false};

        limiter.doFilter(deposit, response, (rq, rs) -> served[0] = true);

        assertThat(served[0]).isTrue();
        assertThat(response.getStatus()).isEqualTo(200);
    }

    private static MockHttpServletRequest get(String uri) {
        return new MockHttpServletRequest("GET", uri);
    }
}
