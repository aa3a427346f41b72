package io.backstop.kit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

class VerifiedTokensTest {

    private static final Instant NOW = Instant.parse("2026-12-04T09:00:00Z");

    private final List<String> verifications = new ArrayList<>();
    private Instant now = NOW;

    /** A verifier that accepts "good-*" tokens expiring at NOW + 1 h and refuses the rest, counting its calls. */
    private final JwtDecoder verifier = token -> {
        verifications.add(token);
        if (!token.startsWith("good") || now.isAfter(NOW.plus(Duration.ofHours(1)).plusSeconds(60))) {
            throw new BadJwtException("refused " + token);
        }
        return Jwt.withTokenValue(token).header("alg", "RS256").subject(token).issuedAt(NOW)
                .expiresAt(NOW.plus(Duration.ofHours(1))).build();
    };

    private final VerifiedTokens tokens = new VerifiedTokens(verifier, 100, Duration.ofMinutes(5), new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    @Test
    void aTokenIsVerifiedOnceAndThenRecognisedByItsExactText() {
        for (int i = 0; i < 5; i++) {
            assertThat(tokens.decode("good-alice").getSubject()).isEqualTo("good-alice");
        }
        tokens.decode("good-bob");

        assertThat(verifications).containsExactly("good-alice", "good-bob");
    }

    @Test
    void aRefusedTokenIsNeverRememberedAndIsRefusedEachTime() {
        assertThatThrownBy(() -> tokens.decode("forged")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> tokens.decode("forged")).isInstanceOf(BadJwtException.class);

        assertThat(verifications).containsExactly("forged", "forged");
    }

    @Test
    void aRememberedTokenPastItsExpiryIsVerifiedAgainAndRefused() {
        tokens.decode("good-alice");
        now = NOW.plus(Duration.ofHours(1)).plusSeconds(30);
        tokens.decode("good-alice"); // within the skew: still remembered
        now = NOW.plus(Duration.ofHours(1)).plusSeconds(61);

        assertThatThrownBy(() -> tokens.decode("good-alice")).isInstanceOf(BadJwtException.class);
        assertThat(verifications).containsExactly("good-alice", "good-alice");
    }
}
