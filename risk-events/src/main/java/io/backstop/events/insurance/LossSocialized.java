package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * Waterfall step 3: an account's share of a deficit nothing else covered, debited in {@code asset}.
 *
 * @param amount the share, positive, exact to the asset's smallest unit
 * @param rule   how shares were computed, for example {@code PRO_RATA_PROFITABLE_ON_SYMBOL}
 */
public record LossSocialized(UUID shortfallId, String accountId, String symbol, BigDecimal amount, String asset,
                             String rule) implements EventPayload {

    public LossSocialized {
        Contract.required("shortfallId", shortfallId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.positive("amount", amount);
        Contract.text("asset", asset);
        Contract.text("rule", rule);
    }

    @Override
    public String key() {
        return accountId;
    }
}
