package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * Waterfall step 1: the fund of {@code fundGroup} takes a bankrupt remainder at the bankruptcy price.
 * The account's position closes at {@code price} and ends flat at zero equity; the fund now holds it.
 */
public record PositionTakenOver(UUID shortfallId, String fundGroup, String accountId, String symbol,
                                PositionSide positionSide, BigDecimal quantity, BigDecimal price)
        implements EventPayload {

    public PositionTakenOver {
        Contract.required("shortfallId", shortfallId);
        Contract.text("fundGroup", fundGroup);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.required("positionSide", positionSide);
        Contract.positive("quantity", quantity);
        Contract.positive("price", price);
    }

    @Override
    public String key() {
        return accountId;
    }
}
