package io.backstop.kit.security;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.security.core.Authentication;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Writes per caller: each token subject may make at most {@code perSecond} state-changing calls (POST, PUT, PATCH,
 * DELETE: {@link StateChangingCalls}) a second; the next is a 429 problem+json with {@code Retry-After}, counted in
 * {@code backstop.api.writes.limited}. It runs after authorization, so only callers allowed to write are counted (a
 * bounded set: the exchange's systems, feeds, administrators), each with a Resilience4j limiter of its own that never
 * waits. Reads are not limited here: risk queries are shed under overload by the query gate (docs/overload.md).
 */
final class WriteRateLimit extends OncePerRequestFilter {

    private final RateLimiterRegistry limiters;
    private final SecurityProblems problems;
    private final MeterRegistry meters;

    WriteRateLimit(int perSecond, SecurityProblems problems, MeterRegistry meters) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("backstop.security.writes-per-second must be at least 1, got "
                    + perSecond);
        }
        this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom().limitForPeriod(perSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build());
        this.problems = problems;
        this.meters = meters;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication caller = StateChangingCalls.callerOf(request);
        if (caller != null) {
            RateLimiter limiter = limiters.rateLimiter(caller.getName());
            if (!limiter.acquirePermission()) {
                meters.counter("backstop.api.writes.limited").increment();
                problems.tooManyWrites(request, response, limiter.getRateLimiterConfig().getLimitForPeriod());
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
