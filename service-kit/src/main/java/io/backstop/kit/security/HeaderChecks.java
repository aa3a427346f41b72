package io.backstop.kit.security;

import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Spring Security's firewall as it is by default, with its check of header names and values done by a loop over the
 * code points instead of a regular expression: the firewall checks every header the application reads, on every
 * request, and the expressions ({@code [\p{IsAssigned}&&[^\p{IsControl}]]*} for names, the same with a tab allowed for
 * values) were about a twentieth of a risk query's CPU (docs/security.md, "What it costs"). The loop accepts exactly
 * what the expressions accept; {@code HeaderChecksTest} compares them on random and corrupted text.
 */
final class HeaderChecks {

    private HeaderChecks() {
    }

    /** The firewall: {@link StrictHttpFirewall}'s defaults, with {@link #name} and {@link #value} for headers. */
    static HttpFirewall firewall() {
        StrictHttpFirewall firewall = new StrictHttpFirewall();
        firewall.setAllowedHeaderNames(HeaderChecks::name);
        firewall.setAllowedHeaderValues(HeaderChecks::value);
        return firewall;
    }

    /** Every code point assigned and not a control character. */
    static boolean name(String text) {
        return allowed(text, false);
    }

    /** Every code point assigned and not a control character, or a tab. */
    static boolean value(String text) {
        return allowed(text, true);
    }

    private static boolean allowed(String text, boolean tab) {
        for (int i = 0, n = text.length(); i < n; ) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) { // printable ASCII, nearly every header's every character
                i++;
                continue;
            }
            int codePoint = text.codePointAt(i);
            int type = Character.getType(codePoint);
            if (type == Character.UNASSIGNED || type == Character.CONTROL && !(tab && codePoint == '\t')) {
                return false;
            }
            i += Character.charCount(codePoint);
        }
        return true;
    }
}
