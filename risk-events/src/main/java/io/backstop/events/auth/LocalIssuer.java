package io.backstop.events.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * The token contract of Backstop's APIs and the issuer that mints tokens where no identity provider exists: the local
 * runtime, the lab and the tests. In production the exchange's identity provider issues the tokens and the services
 * verify them against its JWKS; the claims are the same.
 *
 * <p>A token is an RS256-signed JWT with {@code iss} (the issuer), {@code aud} (the platform's audience), {@code sub}
 * (who: recorded in the audit), {@code iat}/{@code exp}, a unique {@code jti}, {@value #ROLES} (the {@link Role}s'
 * claim names) and, for a trader, {@value #ACCOUNT} (the only account it may read). The key pair lives in a directory
 * ({@link #create}, {@link #load}): the private key readable by its owner only, the public key in the PEM form the
 * services read ({@code spring.security.oauth2.resourceserver.jwt.public-key-location}).
 *
 * <p>Thread-safe: minting only reads the immutable key.
 */
public final class LocalIssuer {

    /** The claim that lists a token's roles. */
    public static final String ROLES = "roles";
    /** The claim that names a trader token's account. */
    public static final String ACCOUNT = "account";
    /** The local runtime's issuer ({@code iss}). */
    public static final String LOCAL_ISSUER = "backstop-local";
    /** The platform's audience ({@code aud}): one for the four services, which share the API's users. */
    public static final String AUDIENCE = "backstop";

    static final String PRIVATE_KEY_FILE = "issuer-private.pem";
    public static final String PUBLIC_KEY_FILE = "issuer-public.pem";

    private final KeyPair keys;
    private final String issuer;
    private final String audience;
    private final Clock clock;

    private LocalIssuer(KeyPair keys, String issuer, String audience, Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.clock = clock;
    }

    /** An issuer with a new key pair kept in memory only (tests). */
    public static LocalIssuer inMemory(String issuer) {
        return new LocalIssuer(newKeyPair(), issuer, AUDIENCE, Clock.systemUTC());
    }

    /**
     * The issuer whose keys are in {@code dir}, creating them there first when there are none. Safe when several
     * threads or processes start at once (the local runtime starts the four services together): one creates the pair
     * under a lock on {@code dir/.lock}, the others then load it.
     */
    public static LocalIssuer create(Path dir, String issuer) {
        synchronized (LocalIssuer.class) { // a FileLock excludes other processes, not this one's threads
            try {
                Files.createDirectories(dir);
                try (FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                    if (!Files.exists(dir.resolve(PRIVATE_KEY_FILE))) {
                        KeyPair keys = newKeyPair();
                        Path privateKey = Files.createTempFile(dir, PRIVATE_KEY_FILE, ".tmp");
                        restrictToOwner(privateKey);
                        Files.writeString(privateKey, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
                        Files.writeString(dir.resolve(PUBLIC_KEY_FILE), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
                        Files.move(privateKey, dir.resolve(PRIVATE_KEY_FILE), StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the local issuer's keys to " + dir, e);
            }
        }
        return load(dir, issuer);
    }

    /** The issuer whose keys {@link #create} wrote to {@code dir}; a clear error when they are not there. */
    public static LocalIssuer load(Path dir, String issuer) {
        Path privateKey = dir.resolve(PRIVATE_KEY_FILE);
        Path publicKey = dir.resolve(PUBLIC_KEY_FILE);
        if (!Files.isRegularFile(privateKey) || !Files.isRegularFile(publicKey)) {
            throw new IllegalStateException("no local token issuer in " + dir + " (" + PRIVATE_KEY_FILE + ", "
                    + PUBLIC_KEY_FILE + "): ./backstop up creates one");
        }
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            var priv = rsa.generatePrivate(new PKCS8EncodedKeySpec(unpem(Files.readString(privateKey))));
            var pub = rsa.generatePublic(new X509EncodedKeySpec(unpem(Files.readString(publicKey))));
            return new LocalIssuer(new KeyPair(pub, priv), issuer, AUDIENCE, Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local issuer's keys in " + dir, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the local issuer's keys in " + dir + " are not RSA keys in PEM", e);
        }
    }

    /** The same keys under another issuer name. */
    public LocalIssuer withIssuer(String otherIssuer) {
        return new LocalIssuer(keys, otherIssuer, audience, clock);
    }

    /** The same keys for another audience. */
    public LocalIssuer withAudience(String otherAudience) {
        return new LocalIssuer(keys, issuer, otherAudience, clock);
    }

    /** The same keys on another clock: the time a token says it was issued, and so when it expires. */
    public LocalIssuer withClock(Clock otherClock) {
        return new LocalIssuer(keys, issuer, audience, otherClock);
    }

    public String issuer() {
        return issuer;
    }

    /** The public key as the services read it (PEM, X.509 SubjectPublicKeyInfo). */
    public String publicKeyPem() {
        return pem("PUBLIC KEY", keys.getPublic().getEncoded());
    }

    /** Writes the public key's PEM to {@code file}, for a service's {@code public-key-location}. */
    public Path writePublicKey(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, publicKeyPem());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the issuer's public key to " + file, e);
        }
    }

    /**
     * A signed token for {@code subject} with {@code roles}, valid for {@code ttl} from now on the issuer's clock;
     * {@code account} (null for none) is the account a trader token may read.
     */
    public String mint(String subject, Collection<Role> roles, String account, Duration ttl) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a token needs a subject: who is calling");
        }
        if (roles.contains(Role.TRADER) && (account == null || account.isBlank())) {
            throw new IllegalArgumentException("a trader token names its account");
        }
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .claim(ROLES, roles.stream().map(Role::claim).sorted().toList());
        if (account != null) {
            claims.claim(ACCOUNT, account);
        }
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims.build());
            jwt.sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** A token with {@code roles} and no account, for a system (the lab, a feed, an operator's tool). */
    public String mint(String subject, List<Role> roles, Duration ttl) {
        return mint(subject, roles, null, ttl);
    }

    /** The public key (for a verifier in a test). */
    public RSAPublicKey publicKey() {
        return (RSAPublicKey) keys.getPublic();
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no RSA in this JDK", e);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions (Windows): its ACLs keep the user's profile private
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] unpem(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").trim());
    }
}
