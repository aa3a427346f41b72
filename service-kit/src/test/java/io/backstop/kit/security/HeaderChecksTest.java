package io.backstop.kit.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.web.firewall.RequestRejectedException;

/**
 * The firewall's header checks without regular expressions accept exactly what Spring Security's expressions accept
 * (the patterns are StrictHttpFirewall's own, copied here to compare with).
 */
class HeaderChecksTest {

    private static final Pattern NAME = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
    private static final Pattern VALUE = Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");

    @Test
    void acceptsExactlyWhatTheFirewallsExpressionsAccept() {
        Random random = new Random(7);
        int refused = 0;
        for (int i = 0; i < 200_000; i++) {
            String text = text(random);
            boolean name = NAME.matcher(text).matches();
            boolean value = VALUE.matcher(text).matches();
            assertThat(HeaderChecks.name(text)).as("name %s", escaped(text)).isEqualTo(name);
            assertThat(HeaderChecks.value(text)).as("value %s", escaped(text)).isEqualTo(value);
            refused += value ? 0 : 1;
        }
        assertThat(refused).as("texts refused").isBetween(20_000, 180_000);
    }

    @Test
    void everyCodePointAloneAndInText() {
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
            String alone = new String(Character.toChars(codePoint));
            String within = "Bearer a" + alone + "b";
            assertThat(HeaderChecks.name(alone)).as("U+%04X", codePoint).isEqualTo(NAME.matcher(alone).matches());
            assertThat(HeaderChecks.value(within)).as("U+%04X", codePoint).isEqualTo(VALUE.matcher(within).matches());
        }
        for (char surrogate = Character.MIN_SURROGATE; surrogate < Character.MAX_SURROGATE; surrogate++) {
            String lone = "a" + surrogate + "b";
            assertThat(HeaderChecks.value(lone)).as("lone %04X", (int) surrogate)
                    .isEqualTo(VALUE.matcher(lone).matches());
        }
    }

    @Test
    void theFirewallRefusesAControlCharacterInAHeaderAndPassesATab() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/accounts/a/risk");
        request.addHeader("X-Ok", "a\tb");
        request.addHeader("X-Bad", "a\u0007b");
        var firewalled = HeaderChecks.firewall().getFirewalledRequest(request);
        assertThat(firewalled.getHeader("X-Ok")).isEqualTo("a\tb");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> firewalled.getHeader("X-Bad"))
                .isInstanceOf(RequestRejectedException.class);
    }

    /** Printable ASCII mostly, with tabs, controls, unassigned and supplementary code points and lone surrogates. */
    static String text(Random random) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(12);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(20);
            if (kind == 0) {
                text.append((char) random.nextInt(0x20)); // C0 controls, the tab among them
            } else if (kind == 1) {
                text.append((char) (0x7f + random.nextInt(0x21))); // DEL and the C1 controls
            } else if (kind == 2) {
                text.appendCodePoint(random.nextInt(Character.MAX_CODE_POINT + 1)); // anything, often unassigned
            } else if (kind == 3) {
                text.append((char) (Character.MIN_SURROGATE + random.nextInt(0x800))); // a surrogate, paired or not
            } else if (kind == 4) {
                text.append((char) (0xa0 + random.nextInt(0x3000)));
            } else {
                text.append((char) (0x20 + random.nextInt(0x5f)));
            }
        }
        return text.toString();
    }

    static String escaped(String text) {
        StringBuilder out = new StringBuilder();
        text.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04x", c)));
        return out.toString();
    }
}
