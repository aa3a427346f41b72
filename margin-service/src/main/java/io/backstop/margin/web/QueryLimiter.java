package io.backstop.margin.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Sheds risk queries beyond a fixed concurrency at once (429 with Retry-After) instead of letting
 * them queue into timeouts: during a surge, an answer now or a clear "retry in a second" beats a
 * stale answer after thirty. Only reads are shed; deposits, withdrawals and fills are never dropped.
 */
public class QueryLimiter extends OncePerRequestFilter {

    private final Semaphore permits;
    private final Counter shed;

    public QueryLimiter(int maxConcurrent, MeterRegistry meters) {
        this.permits = new Semaphore(maxConcurrent);
        this.shed = Counter.builder("backstop.margin.queries.shed")
                .description("Risk queries answered 429 because the concurrency limit was reached").register(meters);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"GET".equals(request.getMethod()) || !request.getRequestURI().startsWith("/api/v1/accounts");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!permits.tryAcquire()) {
            shed.increment();
            response.setStatus(429);
            response.setHeader("Retry-After", "1");
            response.setContentType("application/problem+json");
            response.getWriter().write("{\"type\":\"https://backstop.io/problems/overloaded\",\"title\":\"Too many"
                    + " requests\",\"status\":429,\"detail\":\"Risk queries are at capacity; retry in a second.\"}");
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            permits.release();
        }
    }
}
