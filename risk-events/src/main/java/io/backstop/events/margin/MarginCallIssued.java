package io.backstop.events.margin;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An account's equity fell below its maintenance margin. The envelope's eventId identifies the call:
 * one call has exactly one outcome downstream. Money is in the settlement asset.
 *
 * @param equity          collateral value plus unrealized PnL at the marks used; may be negative
 * @param priceSequences  the oracle sequence of every price the decision used, by symbol
 * @param lastLiquidationTradeId the last liquidation fill (tradeId) applied to the account when it was
 *                        decided, null for none: fills executed after it are not in these positions yet
 * @param lastWaterfallEventId the last takeover or ADL event (eventId) applied to the account when it was
 *                        decided, null for none: outcomes of the waterfall after it are not in these positions yet
 */
public record MarginCallIssued(String accountId, BigDecimal equity, BigDecimal maintenanceMargin,
                               BigDecimal initialMargin, List<CollateralValue> collateral,
                               List<PositionMark> positions, Map<String, Long> priceSequences,
                               String lastLiquidationTradeId, UUID lastWaterfallEventId)
        implements EventPayload {

    public MarginCallIssued {
        Contract.text("accountId", accountId);
        Contract.signed("equity", equity);
        Contract.nonNegative("maintenanceMargin", maintenanceMargin);
        Contract.nonNegative("initialMargin", initialMargin);
        collateral = Contract.list("collateral", collateral);
        positions = Contract.nonEmptyList("positions", positions);
        priceSequences = Contract.map("priceSequences", priceSequences);
        if (lastLiquidationTradeId != null) {
            Contract.text("lastLiquidationTradeId", lastLiquidationTradeId);
        }
    }

    @Override
    public String key() {
        return accountId;
    }
}
