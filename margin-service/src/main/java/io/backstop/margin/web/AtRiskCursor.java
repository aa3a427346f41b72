package io.backstop.margin.web;

import io.backstop.events.InvalidField;
import io.backstop.margin.engine.AccountReads;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a page of the whole at-risk list ends, as the next page's {@code after}: the last account's rank (its margin
 * ratio at its last review and its id), written as one URL-safe token. Opaque to clients, exact both ways.
 */
final class AtRiskCursor {

    private AtRiskCursor() {
    }

    static String encode(AccountReads.Rank rank) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((Double.toString(rank.ratio()) + "|"
                + rank.accountId()).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws InvalidField ({@code after}) for a token no page of the list gave */
    static AccountReads.Rank decode(String token) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            if (bar > 0 && bar < text.length() - 1) {
                double ratio = Double.parseDouble(text.substring(0, bar));
                if (!Double.isNaN(ratio)) {
                    return new AccountReads.Rank(ratio, text.substring(bar + 1));
                }
            }
        } catch (IllegalArgumentException e) {
            // not base64, or not a number before the bar: the same answer as any other token of no page
        }
        throw new InvalidField("after", "is not a cursor this list gave (take it from the previous page's Link"
                + " header)");
    }
}
