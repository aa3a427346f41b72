package io.backstop.margin.risk;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What reviewing an account at current prices decided.
 *
 * @param calls        margin calls to issue now, one per scope newly below maintenance with trusted prices
 * @param held         scopes below maintenance whose call waits for untrusted prices (the circuit breaker)
 * @param statusChanged whether any scope changed status (the account must be saved)
 */
public record MarginReview(AccountRisk risk, List<Call> calls, List<String> held, boolean statusChanged) {

    /**
     * One margin call: the scope's equity and requirement, and what they were computed from.
     *
     * @param callId    the eventId the call is published with; the scope keeps it while it is open
     * @param priceTime the oracle time of the newest of the prices it was computed from (the tick that took the scope
     *                  below maintenance); null when none of them has one
     */
    public record Call(UUID callId, String scope, BigDecimal equity, BigDecimal maintenanceMargin,
                       BigDecimal initialMargin, List<AccountRisk.CollateralLine> collateral,
                       List<AccountRisk.PositionLine> positions, Map<String, Long> priceSequences,
                       Instant priceTime) {
    }
}
