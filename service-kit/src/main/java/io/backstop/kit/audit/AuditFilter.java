package io.backstop.kit.audit;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Appends every state-changing call (POST, PUT, PATCH, DELETE) that passed authorization to the {@link AuditTrail},
 * with its answer's status, once it is answered; the request id is the caller's {@code X-Request-Id} (a short token of
 * letters, digits, '-', '_', '.', ':') or one made here, and is sent back. The row is written after the call's own
 * transaction: a process killed between the two loses the row (counted nowhere), a failed insert is logged and counted
 * in {@code backstop.audit.failures}, and the call's answer stands.
 */
public final class AuditFilter extends OncePerRequestFilter {

    public static final String REQUEST_ID = "X-Request-Id";
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final Pattern GOOD_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);

    private final AuditTrail trail;
    private final MeterRegistry meters;
    private final io.micrometer.tracing.Tracer tracer;

    public AuditFilter(AuditTrail trail, MeterRegistry meters, io.micrometer.tracing.Tracer tracer) {
        this.trail = trail;
        this.meters = meters;
        this.tracer = tracer;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (!WRITES.contains(request.getMethod()) || caller == null || !(caller.getPrincipal() instanceof Jwt)) {
            chain.doFilter(request, response);
            return;
        }
        String given = request.getHeader(REQUEST_ID);
        String requestId = given != null && GOOD_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        response.setHeader(REQUEST_ID, requestId);
        var span = tracer == null ? null : tracer.currentSpan();
        String traceId = span == null ? null : span.context().traceId();
        try {
            chain.doFilter(request, response);
        } finally {
            // the token's roles (Spring Security adds authorities of its own, such as the factor FACTOR_BEARER)
            String roles = caller.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                    .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring(5)).sorted()
                    .collect(Collectors.joining(","));
            try {
                trail.append(caller.getName(), roles, request.getMethod(), request.getRequestURI(),
                        response.getStatus(), requestId, traceId);
            } catch (RuntimeException e) {
                meters.counter("backstop.audit.failures").increment();
                log.error("audit of {} {} by {} (request {}) not recorded: {}", request.getMethod(),
                        request.getRequestURI(), caller.getName(), requestId, e.toString());
            }
        }
    }
}
