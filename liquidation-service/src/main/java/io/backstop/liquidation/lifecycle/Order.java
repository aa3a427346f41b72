package io.backstop.liquidation.lifecycle;

import io.backstop.events.Side;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * An order or a scheduled slice of a liquidation's round.
 *
 * @param quantity   base quantity to close
 * @param limitPrice the bankruptcy price: the order never fills worse
 * @param slice      1 for the first slice of a close, placed at once; later ones wait for {@code notBefore}
 */
public record Order(UUID id, UUID liquidationId, String symbol, Side side, BigDecimal quantity,
                    BigDecimal limitPrice, int slice, int round, OrderStatus status, Instant notBefore) {
}
