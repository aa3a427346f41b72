package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * Waterfall step 2: part of a bankrupt remainder closed against a ranked opposite position, at the
 * bankruptcy price. One event per account touched: the counterparty's and the bankrupt account's.
 *
 * @param side       the closing trade's side for {@code accountId}
 * @param rank       the counterparty's place in the ADL queue (1 = first); null for the bankrupt side
 */
public record PositionAutoDeleveraged(UUID shortfallId, String accountId, AdlRole role, String counterpartyAccountId,
                                      String symbol, Side side, BigDecimal quantity, BigDecimal price,
                                      Integer rank) implements EventPayload {

    public PositionAutoDeleveraged {
        Contract.required("shortfallId", shortfallId);
        Contract.text("accountId", accountId);
        Contract.required("role", role);
        Contract.text("counterpartyAccountId", counterpartyAccountId);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.positive("price", price);
        if (role == AdlRole.COUNTERPARTY) {
            Contract.required("rank", rank);
            if (rank < 1) {
                throw new InvalidField("rank", "must be at least 1 for a counterparty, got " + rank);
            }
        }
    }

    @Override
    public String key() {
        return accountId;
    }
}
