package io.backstop.testkit;

import io.backstop.events.auth.LocalIssuer;
import io.backstop.events.auth.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Tokens for the services under test: one issuer per test JVM (a new key pair, the local runtime's issuer and
 * audience names), whose public key every Spring test context trusts ({@link TestIssuerContextCustomizerFactory}).
 */
public final class TestTokens {

    /** The roles of the systems around the platform: everything but a trader's. */
    public static final List<Role> SYSTEM_ROLES = List.of(Role.FEED, Role.EXCHANGE, Role.OPERATOR, Role.ADMIN);

    private static final LocalIssuer ISSUER = LocalIssuer.inMemory(LocalIssuer.LOCAL_ISSUER);
    private static final Path PUBLIC_KEY = writePublicKey();
    private static final String SYSTEM = ISSUER.mint("test-suite", SYSTEM_ROLES, Duration.ofHours(12));

    private TestTokens() {
    }

    public static LocalIssuer issuer() {
        return ISSUER;
    }

    /** The public key's file, for {@code spring.security.oauth2.resourceserver.jwt.public-key-location}. */
    public static Path publicKey() {
        return PUBLIC_KEY;
    }

    /** A token with every role a system has (feed, exchange, operator, admin): the suites' default caller. */
    public static String system() {
        return SYSTEM;
    }

    /** A token with one role and no account. */
    public static String of(Role role) {
        return ISSUER.mint("test-" + role.claim(), List.of(role), Duration.ofHours(1));
    }

    /** A trader's token for {@code account}. */
    public static String trader(String account) {
        return ISSUER.mint("trader-" + account, List.of(Role.TRADER), account, Duration.ofHours(1));
    }

    private static Path writePublicKey() {
        try {
            Path file = Files.createTempFile("backstop-test-issuer", ".pem");
            file.toFile().deleteOnExit();
            return ISSUER.writePublicKey(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
