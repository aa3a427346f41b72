package io.backstop.insurance.ledger;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One line of a ledger transaction: {@code amount} of {@code asset} added to (positive) or taken from
 * (negative) {@code account}. Assets are money (the settlement asset, for example {@code USDT}) or a
 * symbol's contracts (for example {@code BTCUSDT}: positions moved by the waterfall are postings too, so
 * every long handed over is someone's short).
 */
public record Posting(String account, String asset, BigDecimal amount) {

    public Posting {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(asset, "asset");
        Objects.requireNonNull(amount, "amount");
        if (amount.signum() == 0) {
            throw new IllegalArgumentException("a posting moves something: zero " + asset + " to " + account);
        }
    }
}
