package io.backstop.kit.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * The token read from the {@code Authorization} header without a regular expression is what Spring Security's
 * {@link DefaultBearerTokenResolver} (with its defaults) reads: the same token, no token, or the same refusal.
 */
class BearerHeaderTest {

    private static final String TOKEN68 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/";
    private final DefaultBearerTokenResolver library = new DefaultBearerTokenResolver();
    private final BearerHeader ours = new BearerHeader();

    @Test
    void readsWhatTheLibraryReadsFromRandomAndCorruptedHeaders() {
        Random random = new Random(3);
        int tokens = 0;
        int refused = 0;
        int none = 0;
        for (int i = 0; i < 200_000; i++) {
            String header = header(random);
            Object expected = outcome(library, header);
            assertThat(outcome(ours, header)).as("%s", HeaderChecksTest.escaped(header)).isEqualTo(expected);
            tokens += expected instanceof String s && !s.startsWith("refused") ? 1 : 0;
            refused += expected instanceof String s && s.startsWith("refused") ? 1 : 0;
            none += expected == null ? 1 : 0;
        }
        assertThat(tokens).as("headers read").isGreaterThan(20_000);
        assertThat(refused).as("headers refused").isGreaterThan(20_000);
        assertThat(none).as("headers without a bearer token").isGreaterThan(5_000);
    }

    @Test
    void aRealTokenIsReadWhole() {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0cmFkZXIifQ.c2lnbmF0dXJl-_";
        assertThat(outcome(ours, "Bearer " + jwt)).isEqualTo(jwt).isEqualTo(outcome(library, "Bearer " + jwt));
        assertThat(outcome(ours, "bEaReR abc==")).isEqualTo("abc==");
        assertThat(outcome(ours, "Basic dXNlcjpwYXNz")).isNull();
        assertThat(outcome(ours, null)).isNull();
        assertThat((String) outcome(ours, "Bearer  abc")).startsWith("refused");
        assertThat((String) outcome(ours, "Bearer abc\n")).startsWith("refused");
    }

    /** The token, null for none, or "refused: " and the error's code and description. */
    private static Object outcome(org.springframework.security.oauth2.server.resource.web.BearerTokenResolver resolver,
                                  String header) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/accounts/a/risk");
        if (header != null) {
            request.addHeader("Authorization", header);
        }
        try {
            return resolver.resolve(request);
        } catch (OAuth2AuthenticationException e) {
            return "refused: " + e.getError().getErrorCode() + " " + e.getError().getDescription();
        }
    }

    /** A scheme (Bearer in any case, another, or part of one), a separator and a token, each often corrupted. */
    private static String header(Random random) {
        StringBuilder header = new StringBuilder();
        String scheme = switch (random.nextInt(8)) {
            case 0 -> "Basic";
            case 1 -> "Bear";
            case 2 -> "";
            default -> "Bearer";
        };
        for (char c : scheme.toCharArray()) {
            header.append(random.nextInt(3) == 0 ? Character.toLowerCase(c) : random.nextInt(3) == 0
                    ? Character.toUpperCase(c) : c);
        }
        header.append(switch (random.nextInt(12)) {
            case 0 -> "";
            case 1 -> "  ";
            case 2 -> "\t";
            default -> " ";
        });
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) {
            header.append(TOKEN68.charAt(random.nextInt(TOKEN68.length())));
        }
        int padding = random.nextInt(6) == 0 ? random.nextInt(4) : 0;
        header.append("=".repeat(padding));
        if (random.nextInt(4) == 0) {
            int at = random.nextInt(header.length() + 1);
            String inserted = random.nextBoolean() ? HeaderChecksTest.text(random)
                    : String.valueOf("= \n\r,;:\"'\u00e9\u212a".charAt(random.nextInt(11)));
            header.insert(at, inserted);
        }
        return header.toString();
    }
}
