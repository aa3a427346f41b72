package io.backstop.kit.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import tools.jackson.databind.json.JsonMapper;

class WriteRateLimitTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final WriteRateLimit limit = new WriteRateLimit(3, new SecurityProblems(JsonMapper.builder().build()),
            meters);

    @AfterEach
    void clear() {
        SecurityContextHolder.clearContext();
    }

    @Test
    void aCallerOverItsWritesPerSecondIsA429ProblemWithRetryAfterAndOthersAreNotHeldBack() throws Exception {
        as("exchange-gateway");
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            statuses.add(call("POST").getStatus());
        }
        MockHttpServletResponse refused = call("POST");

        assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
        assertThat(refused.getContentType()).startsWith("application/problem+json");
        assertThat(refused.getContentAsString()).contains("rate-limited", "3 writes a second");
        assertThat(meters.counter("backstop.api.writes.limited").count()).isEqualTo(3);
        as("price-feed");
        assertThat(call("POST").getStatus()).as("another caller has its own rate").isEqualTo(200);
    }

    @Test
    void readsAndCallsWithoutATokenAreNotCounted() throws Exception {
        as("operator-console");
        for (int i = 0; i < 10; i++) {
            assertThat(call("GET").getStatus()).isEqualTo(200);
        }
        SecurityContextHolder.getContext().setAuthentication(new AnonymousAuthenticationToken("k", "anonymous",
                AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
        for (int i = 0; i < 10; i++) {
            assertThat(call("POST").getStatus()).isEqualTo(200);
        }
        assertThat(meters.counter("backstop.api.writes.limited").count()).isZero();
    }

    private static void as(String subject) {
        Jwt jwt = Jwt.withTokenValue("t").header("alg", "RS256").subject(subject).issuedAt(Instant.EPOCH)
                .expiresAt(Instant.MAX).build();
        SecurityContextHolder.getContext().setAuthentication(new JwtAuthenticationToken(jwt,
                AuthorityUtils.createAuthorityList("ROLE_exchange")));
    }

    private MockHttpServletResponse call(String method) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        limit.doFilter(new MockHttpServletRequest(method, "/api/v1/accounts/a/deposits"), response,
                new MockFilterChain());
        return response;
    }
}
