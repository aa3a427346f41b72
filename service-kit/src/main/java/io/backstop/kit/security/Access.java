package io.backstop.kit.security;

import io.backstop.events.auth.LocalIssuer;
import io.backstop.events.auth.Role;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;

/**
 * The vocabulary of {@link AccessRules}: which roles may call an endpoint, and a trader's own account. A role is the
 * authority {@code ROLE_<claim>} ({@link ApiSecurityAutoConfiguration} maps a token's roles claim to them).
 */
public final class Access {

    private Access() {
    }

    /** The endpoint is for any of {@code roles}. */
    public static AuthorizationManager<RequestAuthorizationContext> roles(Role... roles) {
        Set<String> wanted = authorities(roles);
        return (authentication, context) -> new AuthorizationDecision(holdsAny(authentication, wanted));
    }

    /**
     * The endpoint is for any of {@code roles}, and for a trader when the path variable {@code variable} (as in
     * {@code /api/v1/accounts/{id}/risk}) is the token's own account.
     */
    public static AuthorizationManager<RequestAuthorizationContext> ownAccountInPath(String variable, Role... roles) {
        return ownAccount(context -> context.getVariables().get(variable), roles);
    }

    /**
     * The endpoint is for any of {@code roles}, and for a trader when the query parameter {@code parameter} names the
     * token's own account (a trader's query without it would read everyone's: refused).
     */
    public static AuthorizationManager<RequestAuthorizationContext> ownAccountInQuery(String parameter, Role... roles) {
        return ownAccount(context -> {
            String[] values = context.getRequest().getParameterValues(parameter);
            return values != null && values.length == 1 ? values[0] : null;
        }, roles);
    }

    private static AuthorizationManager<RequestAuthorizationContext> ownAccount(
            Function<RequestAuthorizationContext, String> requestedAccount, Role... roles) {
        Set<String> wanted = authorities(roles);
        Set<String> trader = authorities(Role.TRADER);
        return new AuthorizationManager<>() {
            @Override
            public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
                                                 RequestAuthorizationContext context) {
                if (holdsAny(authentication, wanted)) {
                    return new AuthorizationDecision(true);
                }
                String account = requestedAccount.apply(context);
                return new AuthorizationDecision(account != null && holdsAny(authentication, trader)
                        && authentication.get() instanceof JwtAuthenticationToken jwt
                        && Objects.equals(jwt.getToken().getClaimAsString(LocalIssuer.ACCOUNT), account));
            }
        };
    }

    /**
     * The last rule: a request no controller maps passes on to Spring MVC, which answers 404 (or 405) problem+json as
     * for everyone; one a controller maps is denied, as no rule before this one named it.
     */
    static AuthorizationManager<RequestAuthorizationContext> onlyUnmapped(
            org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping controllers) {
        return (authentication, context) -> {
            jakarta.servlet.http.HttpServletRequest request = context.getRequest();
            boolean parsed = org.springframework.web.util.ServletRequestPathUtils.hasParsedRequestPath(request);
            if (!parsed) {
                org.springframework.web.util.ServletRequestPathUtils.parseAndCache(request);
            }
            try {
                return new AuthorizationDecision(controllers.getHandler(request) == null);
            } catch (org.springframework.web.HttpRequestMethodNotSupportedException wrongMethod) {
                return new AuthorizationDecision(true);
            } catch (Exception mapped) {
                return new AuthorizationDecision(false);
            } finally {
                if (!parsed) {
                    org.springframework.web.util.ServletRequestPathUtils.clearParsedRequestPath(request);
                }
            }
        };
    }

    static String authority(Role role) {
        return "ROLE_" + role.claim();
    }

    private static Set<String> authorities(Role... roles) {
        return Arrays.stream(roles).map(Access::authority).collect(Collectors.toUnmodifiableSet());
    }

    private static boolean holdsAny(Supplier<? extends Authentication> authentication, Set<String> wanted) {
        Authentication who = authentication.get();
        return who != null && who.isAuthenticated() && !(who instanceof org.springframework.security.authentication
                .AnonymousAuthenticationToken) && who.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .anyMatch(wanted::contains);
    }
}
