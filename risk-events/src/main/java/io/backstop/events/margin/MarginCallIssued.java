package io.backstop.events.margin;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An account's equity fell below its maintenance margin. The envelope's eventId identifies the call:
 * one call has exactly one outcome downstream. Money is in the settlement asset. The call leases its scope
 * (ADR 13): it is issued after every earlier liquidation of the scope ended and was applied, so its positions
 * are the whole truth. Calls written before the lease may carry {@code lastLiquidationTradeId} and
 * {@code lastWaterfallEventId}; they are read and ignored, like any unknown field.
 *
 * @param equity          collateral value plus unrealized PnL at the marks used; may be negative
 * @param priceSequences  the oracle sequence of every price the decision used, by symbol
 * @param priceTime       optional: the oracle time ({@code OraclePricePublished.priceTime}) of the newest price the
 *                        decision used, the tick that took the scope below maintenance; what the tick to
 *                        liquidation order latency is measured from. Calls written before it was added have none.
 */
public record MarginCallIssued(String accountId, BigDecimal equity, BigDecimal maintenanceMargin,
                               BigDecimal initialMargin, List<CollateralValue> collateral,
                               List<PositionMark> positions, Map<String, Long> priceSequences, Instant priceTime)
        implements EventPayload {

    public MarginCallIssued {
        Contract.text("accountId", accountId);
        Contract.signed("equity", equity);
        Contract.nonNegative("maintenanceMargin", maintenanceMargin);
        Contract.nonNegative("initialMargin", initialMargin);
        collateral = Contract.list("collateral", collateral);
        positions = Contract.nonEmptyList("positions", positions);
        priceSequences = Contract.map("priceSequences", priceSequences);
    }

    /** A call without the time of its newest price (as calls were written before {@code priceTime}). */
    public MarginCallIssued(String accountId, BigDecimal equity, BigDecimal maintenanceMargin, BigDecimal initialMargin,
                            List<CollateralValue> collateral, List<PositionMark> positions,
                            Map<String, Long> priceSequences) {
        this(accountId, equity, maintenanceMargin, initialMargin, collateral, positions, priceSequences, null);
    }

    @Override
    public String key() {
        return accountId;
    }
}
