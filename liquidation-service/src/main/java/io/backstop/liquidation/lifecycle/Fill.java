package io.backstop.liquidation.lifecycle;

import io.backstop.events.Side;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One liquidation fill as recorded and as the public history shows it.
 *
 * @param realizedPnl in the settlement asset, at the fill's price against the position's entry
 * @param fee         in the settlement asset, capped above bankruptcy
 * @param remainder   what the fill left the scope above bankruptcy, in the settlement asset
 */
public record Fill(String tradeId, UUID liquidationId, UUID orderId, String accountId, String symbol, Side side,
                   BigDecimal quantity, BigDecimal price, BigDecimal realizedPnl, BigDecimal fee,
                   BigDecimal remainder, BigDecimal bankruptcyPrice, Instant executedAt) {
}
