package io.backstop.kit.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Verifies a token once and remembers it for a while: a trader's app sends the same token with every risk query, and
 * parsing it and checking its RSA signature cost more CPU than answering the query (docs/security.md, "What it
 * costs"). The key is the token's exact text, so what is remembered is that very signed token; its expiry is checked
 * again on every use, on the wall clock as the decoder's own check does (a token's validity is real time, whatever
 * clock the service decides on). At most {@code size} tokens for at most {@code ttl} each, so a key the identity
 * provider withdraws stops being trusted within {@code ttl}. Thread-safe.
 */
final class VerifiedTokens implements JwtDecoder {

    /** The decoder's own tolerance for clocks that differ (JwtTimestampValidator's default). */
    private static final Duration SKEW = Duration.ofSeconds(60);

    private final JwtDecoder verifier;
    private final Cache<String, Jwt> verified;
    private final Clock clock;

    VerifiedTokens(JwtDecoder verifier, int size, Duration ttl, Clock clock) {
        this.verifier = verifier;
        this.verified = Caffeine.newBuilder().maximumSize(size).expireAfterWrite(ttl).build();
        this.clock = clock;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt known = verified.getIfPresent(token);
        if (known != null && (known.getExpiresAt() == null
                || !clock.instant().isAfter(known.getExpiresAt().plus(SKEW)))) {
            return known;
        }
        verified.invalidate(token);
        Jwt jwt = verifier.decode(token);
        verified.put(token, jwt);
        return jwt;
    }
}
