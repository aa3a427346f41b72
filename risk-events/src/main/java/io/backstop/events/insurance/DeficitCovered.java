package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * Waterfall step 3, the bankrupt side: the deficit a bankrupt account was left with is credited to it in
 * {@code asset}, so it ends at zero equity. Paid {@code byFund} (its money, the operator's guarantee, or
 * recorded as uncovered) and {@code bySocializedLoss} (the {@link LossSocialized} shares of the same
 * shortfall); the two sum to {@code amount}.
 */
public record DeficitCovered(UUID shortfallId, String accountId, String symbol, BigDecimal amount, String asset,
                             BigDecimal byFund, BigDecimal bySocializedLoss) implements EventPayload {

    public DeficitCovered {
        Contract.required("shortfallId", shortfallId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.positive("amount", amount);
        Contract.text("asset", asset);
        Contract.nonNegative("byFund", byFund);
        Contract.nonNegative("bySocializedLoss", bySocializedLoss);
        if (byFund.add(bySocializedLoss).compareTo(amount) != 0) {
            throw new InvalidField("amount", "must equal byFund + bySocializedLoss (" + byFund.add(bySocializedLoss)
                    .toPlainString() + "), got " + amount.toPlainString());
        }
    }

    @Override
    public String key() {
        return accountId;
    }
}
