package io.backstop.kit.audit;

import io.backstop.kit.security.StateChangingCalls;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Audits every state-changing call that passed authorization ({@link StateChangingCalls}),
 * exactly once: in the first of its transactions that commits ({@link AuditInTransaction}: outcome
 * {@code committed}), so no committed state change is without its row; else once it is answered, with the answer's
 * status (outcome {@code answered}: refused by the desk, rolled back, or changing nothing in a transaction of this
 * thread). The request id is the caller's {@code X-Request-Id} (a short token of letters, digits, '-', '_', '.', ':')
 * or one made here, and is sent back. A failed insert after the answer is logged and counted in
 * {@code backstop.audit.failures}, and the answer stands; a failed insert in the transaction rolls it back (the call
 * fails and changes nothing).
 */
public final class AuditFilter extends OncePerRequestFilter {

    public static final String REQUEST_ID = "X-Request-Id";
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
        Authentication caller = StateChangingCalls.callerOf(request);
        if (caller == null) {
            chain.doFilter(request, response);
            return;
        }
        String given = request.getHeader(REQUEST_ID);
        String requestId = given != null && GOOD_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        response.setHeader(REQUEST_ID, requestId);
        var span = tracer == null ? null : tracer.currentSpan();
        String traceId = span == null ? null : span.context().traceId();
        // the token's roles (Spring Security adds authorities of its own, such as the factor FACTOR_BEARER)
        String roles = caller.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring(5)).sorted()
                .collect(Collectors.joining(","));
        AuditedCall call = new AuditedCall(trail, caller.getName(), roles, request.getMethod(),
                request.getRequestURI(), requestId, traceId);
        call.bind();
        try {
            chain.doFilter(request, response);
        } finally {
            AuditedCall.unbind();
            if (!call.recorded()) {
                try {
                    trail.append(call, response.getStatus());
                } catch (RuntimeException e) {
                    meters.counter("backstop.audit.failures").increment();
                    log.error("audit of {} {} by {} (request {}) not recorded: {}", request.getMethod(),
                            request.getRequestURI(), caller.getName(), requestId, e.toString());
                }
            }
        }
    }
}
