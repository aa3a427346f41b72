package io.backstop.kit.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * 401 and 403 as problem+json, like every other error of the API ({@code ProblemDetailsAdvice}), with the
 * {@code WWW-Authenticate} header RFC 6750 asks for (Spring Security's bearer-token handlers set it). A 401 says why the
 * token was refused (missing, expired, wrong issuer or audience, bad signature) without echoing the token; a 403 says
 * only that the caller's roles or account do not reach the resource.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

    static final URI UNAUTHORIZED = URI.create("https://backstop.io/problems/unauthorized");
    static final URI FORBIDDEN = URI.create("https://backstop.io/problems/forbidden");
    static final URI RATE_LIMITED = URI.create("https://backstop.io/problems/rate-limited");
    private static final int MAX_DETAIL = 240;

    private final BearerTokenAuthenticationEntryPoint bearerEntryPoint = new BearerTokenAuthenticationEntryPoint();
    private final BearerTokenAccessDeniedHandler bearerDenied = new BearerTokenAccessDeniedHandler();
    private final JsonMapper json;

    SecurityProblems(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure)
            throws IOException {
        bearerEntryPoint.commence(request, response, failure);
        String detail = failure instanceof OAuth2AuthenticationException oauth
                && oauth.getError().getDescription() != null
                ? "The bearer token was refused: " + oauth.getError().getDescription()
                : "This endpoint needs a bearer token (Authorization: Bearer <JWT>).";
        write(request, response, HttpStatus.UNAUTHORIZED, UNAUTHORIZED, "Unauthorized", detail);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        bearerDenied.handle(request, response, denied);
        write(request, response, HttpStatus.FORBIDDEN, FORBIDDEN, "Forbidden",
                "The token's roles or account do not allow " + request.getMethod() + " on this resource.");
    }

    /** A write over the caller's rate: 429, to retry after a second (the limiters' period). */
    void tooManyWrites(HttpServletRequest request, HttpServletResponse response, int perSecond) throws IOException {
        response.setHeader("Retry-After", "1");
        write(request, response, HttpStatus.TOO_MANY_REQUESTS, RATE_LIMITED, "Too many writes",
                "This caller may make " + perSecond + " writes a second; retry after the time in Retry-After.");
    }

    private void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, URI type,
                       String title, String detail) throws IOException {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", type.toString());
        problem.put("title", title);
        problem.put("status", status.value());
        problem.put("detail", detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL - 1) + "…" : detail);
        problem.put("instance", request.getRequestURI());
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(json.writeValueAsString(problem));
    }
}
