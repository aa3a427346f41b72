package io.backstop.margin.account;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * Where one margin scope stands, for the risk API: its equity against its maintenance margin (settlement asset,
 * at the latest prices), and, when it is below, what attends to it — the liquidation its lease belongs to, or the
 * reason its call is held. A scope below maintenance with neither is a liveness bug: nothing will ever call it.
 *
 * @param liquidation       the margin call whose liquidation leases the scope, null when not leased
 * @param awaitingWaterfall the liquidation has ended with a shortfall the waterfall has not settled yet
 * @param hold              why no call is issued although one is due (the oracle breaker, a missing price); null
 *                          when none
 */
public record ScopeStanding(String scope, AccountStatus status, BigDecimal equity, BigDecimal maintenanceMargin,
                            boolean belowMaintenance, UUID liquidation, boolean awaitingWaterfall, String hold) {

    /** Below maintenance, and neither leased to a liquidation nor held for a stated reason. */
    public boolean unattended() {
        return belowMaintenance && liquidation == null && hold == null;
    }
}
