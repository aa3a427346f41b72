package io.backstop.kit.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * What the API counts and audits as a write: an authenticated state-changing call, a POST, PUT, PATCH or DELETE by a
 * caller whose bearer token was verified. One definition for the write rate limit ({@link WriteRateLimit}) and the
 * audit ({@code io.backstop.kit.audit.AuditFilter}), which both run after authorization.
 */
public final class StateChangingCalls {

    private static final Set<String> METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");

    private StateChangingCalls() {
    }

    /** The caller of {@code request} when it is an authenticated state-changing call, else null. */
    public static Authentication callerOf(HttpServletRequest request) {
        if (!METHODS.contains(request.getMethod())) {
            return null;
        }
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        return caller != null && caller.isAuthenticated() && caller.getPrincipal() instanceof Jwt ? caller : null;
    }
}
