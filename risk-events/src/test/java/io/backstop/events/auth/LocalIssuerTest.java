package io.backstop.events.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalIssuerTest {

    private static final Instant NOW = Instant.parse("2026-12-04T08:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aTraderTokenCarriesTheContractsClaimsSignedByTheIssuersKey() throws Exception {
        LocalIssuer issuer = LocalIssuer.inMemory(LocalIssuer.LOCAL_ISSUER).withClock(Clock.fixed(NOW, ZoneOffset.UTC));

        SignedJWT jwt = SignedJWT.parse(issuer.mint("alice-app", List.of(Role.TRADER), "alice", Duration.ofHours(1)));

        assertThat(jwt.verify(new RSASSAVerifier(issuer.publicKey()))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo("backstop-local");
        assertThat(claims.getAudience()).containsExactly("backstop");
        assertThat(claims.getSubject()).isEqualTo("alice-app");
        assertThat(claims.getStringListClaim(LocalIssuer.ROLES)).containsExactly("trader");
        assertThat(claims.getStringClaim(LocalIssuer.ACCOUNT)).isEqualTo("alice");
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(claims.getJWTID()).isNotBlank();
    }

    @Test
    void aSystemTokenListsItsRolesAndNoAccount() throws Exception {
        LocalIssuer issuer = LocalIssuer.inMemory("x");

        var claims = SignedJWT.parse(issuer.mint("lab", List.of(Role.OPERATOR, Role.FEED), Duration.ofMinutes(5)))
                .getJWTClaimsSet();

        assertThat(claims.getStringListClaim(LocalIssuer.ROLES)).containsExactly("feed", "operator");
        assertThat(claims.getClaim(LocalIssuer.ACCOUNT)).isNull();
    }

    @Test
    void aTraderTokenWithoutAnAccountOrATokenWithoutASubjectIsRefused() {
        LocalIssuer issuer = LocalIssuer.inMemory("x");

        assertThatThrownBy(() -> issuer.mint("t", List.of(Role.TRADER), null, Duration.ofHours(1)))
                .hasMessageContaining("names its account");
        assertThatThrownBy(() -> issuer.mint(" ", List.of(Role.OPERATOR), Duration.ofHours(1)))
                .hasMessageContaining("subject");
    }

    @Test
    void createdKeysAreKeptPrivateAndLoadedBackAsTheSameIssuer() throws Exception {
        LocalIssuer created = LocalIssuer.create(dir, LocalIssuer.LOCAL_ISSUER);
        LocalIssuer again = LocalIssuer.create(dir, LocalIssuer.LOCAL_ISSUER);
        LocalIssuer loaded = LocalIssuer.load(dir, LocalIssuer.LOCAL_ISSUER);

        assertThat(Files.getPosixFilePermissions(dir.resolve(LocalIssuer.PRIVATE_KEY_FILE)))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        assertThat(Files.readString(dir.resolve(LocalIssuer.PUBLIC_KEY_FILE))).startsWith("-----BEGIN PUBLIC KEY-----")
                .isEqualTo(created.publicKeyPem());
        assertThat(again.publicKey()).isEqualTo(created.publicKey());
        SignedJWT minted = SignedJWT.parse(loaded.mint("op", List.of(Role.OPERATOR), Duration.ofMinutes(1)));
        assertThat(minted.verify(new RSASSAVerifier(created.publicKey()))).isTrue();
    }

    @Test
    void servicesStartingTogetherAllGetTheOneKeyPairOneOfThemCreated() throws Exception {
        int starters = 8;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(starters);
        var go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<LocalIssuer>> created = new java.util.ArrayList<>();
        for (int i = 0; i < starters; i++) {
            created.add(pool.submit(() -> {
                go.await();
                return LocalIssuer.create(dir, LocalIssuer.LOCAL_ISSUER);
            }));
        }
        go.countDown();
        Set<java.security.PublicKey> keys = new java.util.HashSet<>();
        for (var issuer : created) {
            keys.add(issuer.get().publicKey());
        }
        pool.shutdown();

        assertThat(keys).hasSize(1);
        assertThat(LocalIssuer.load(dir, LocalIssuer.LOCAL_ISSUER).publicKey()).isEqualTo(keys.iterator().next());
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void loadingWhereThereAreNoKeysSaysWhereAndWhatCreatesThem() {
        assertThatThrownBy(() -> LocalIssuer.load(dir, LocalIssuer.LOCAL_ISSUER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("./backstop up");
    }

    @Test
    void rolesAreNamedByTheirClaimAndAnUnknownOneIsRefusedNamingTheKnownOnes() {
        for (Role role : Role.values()) {
            assertThat(Role.fromClaim(role.claim())).isEqualTo(role);
        }
        assertThatThrownBy(() -> Role.fromClaim("root")).hasMessageContaining("root")
                .hasMessageContaining("trader, feed, exchange, operator, admin");
    }
}
