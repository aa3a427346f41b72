package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * What the market could not take of a liquidation at or better than the bankruptcy price; the
 * insurance fund's waterfall takes it from here. Money is in the settlement asset.
 *
 * @param positionSide      the side of the bankrupt position still open
 * @param remainingQuantity base units still open, positive
 * @param deficit           negative equity already realized by the account (0 when none)
 */
public record LiquidationShortfallRaised(UUID shortfallId, UUID liquidationId, UUID marginCallEventId,
                                         String accountId, String symbol, PositionSide positionSide,
                                         BigDecimal remainingQuantity, BigDecimal bankruptcyPrice,
                                         BigDecimal markPrice, BigDecimal deficit) implements EventPayload {

    public LiquidationShortfallRaised {
        Contract.required("shortfallId", shortfallId);
        Contract.required("liquidationId", liquidationId);
        Contract.required("marginCallEventId", marginCallEventId);
        Contract.text("accountId", accountId);
        Contract.text("symbol", symbol);
        Contract.required("positionSide", positionSide);
        Contract.positive("remainingQuantity", remainingQuantity);
        Contract.nonNegative("bankruptcyPrice", bankruptcyPrice);
        Contract.positive("markPrice", markPrice);
        Contract.nonNegative("deficit", deficit);
    }

    @Override
    public String key() {
        return symbol;
    }
}
