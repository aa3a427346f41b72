package io.backstop.insurance.waterfall;

import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.util.UUID;

/**
 * A bankrupt remainder to resolve: {@code quantity} of the account's {@code side} position on
 * {@code symbol}, to be closed at {@code bankruptcyPrice}, and the {@code deficit} the account would
 * still show after that (0 unless the bankruptcy price was clamped at zero).
 */
public record Shortfall(UUID shortfallId, String accountId, String symbol, PositionSide side, BigDecimal quantity,
                        BigDecimal bankruptcyPrice, BigDecimal markPrice, BigDecimal deficit) {
}
