package io.backstop.kit.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * The bearer token of a request's {@code Authorization} header, as {@link DefaultBearerTokenResolver} reads it with its
 * defaults (the header only, never a query or form parameter), without its regular expression
 * ({@code ^Bearer (?<token>[a-zA-Z0-9-._~+/]+=*)$}, case-insensitive) over the whole token: that was about a
 * twentieth of a risk query's CPU (docs/security.md, "What it costs"). No header, or one that does not start with
 * "bearer" in any case, is no token; one that does but is not {@code Bearer <token68>} is refused as the default
 * refuses it, "Bearer token is malformed". {@code BearerHeaderTest} compares the two on random and corrupted headers.
 */
final class BearerHeader implements BearerTokenResolver {

    private static final String SCHEME = "Bearer ";

    @Override
    public String resolve(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length() - 1)) {
            return null;
        }
        int n = header.length();
        int i = SCHEME.length();
        if (n <= i || header.charAt(i - 1) != ' ') {
            throw malformed();
        }
        while (i < n && tokenCharacter(header.charAt(i))) {
            i++;
        }
        if (i == SCHEME.length()) {
            throw malformed();
        }
        while (i < n && header.charAt(i) == '=') {
            i++;
        }
        if (i != n) {
            throw malformed();
        }
        return header.substring(SCHEME.length());
    }

    private static boolean tokenCharacter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }

    private static OAuth2AuthenticationException malformed() {
        return new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is malformed"));
    }
}
