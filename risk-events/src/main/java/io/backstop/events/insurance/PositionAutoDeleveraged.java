package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * Waterfall step 2, as the fund plans it: close up to {@code quantity} of {@code accountId}'s position, ranked
 * {@code rank} in the ADL queue, against the bankrupt remainder of {@code counterpartyAccountId}, at the
 * bankruptcy price. A request to margin-service, the owner of both positions: margin closes what the position
 * still allows and answers with {@link AdlLegSettled}, which closes the bankrupt side by the same amount and
 * tells the fund what to re-plan (version 2; version 1 carried both legs, decided by the fund's copy of positions).
 *
 * @param accountId            the ranked account deleveraged
 * @param counterpartyAccountId the bankrupt account whose remainder it takes
 * @param side                 the closing trade's side for {@code accountId}
 * @param quantity             base units the fund asks to close (margin may close fewer)
 * @param rank                 the account's place in the ADL queue when the fund planned it (1 = first)
 */
public record PositionAutoDeleveraged(UUID shortfallId, String accountId, String counterpartyAccountId,
                                      String symbol, Side side, BigDecimal quantity, BigDecimal price,
                                      Integer rank) implements EventPayload {

    public PositionAutoDeleveraged {
        Contract.required("shortfallId", shortfallId);
        Contract.text("accountId", accountId);
        Contract.text("counterpartyAccountId", counterpartyAccountId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.positive("price", price);
        Contract.required("rank", rank);
        if (rank < 1) {
            throw new InvalidField("rank", "must be at least 1, got " + rank);
        }
        if (accountId.equals(counterpartyAccountId)) {
            throw new InvalidField("counterpartyAccountId", "an account cannot be deleveraged against itself");
        }
    }

    @Override
    public String key() {
        return accountId;
    }
}
