package io.backstop.margin.web;

import io.backstop.margin.account.ScopeStanding;
import io.backstop.margin.engine.AccountView;
import io.backstop.margin.risk.AccountRisk;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An account's risk as the API answers it. Money in the settlement asset; asOf says which prices
 * (oracle sequences) and which account version the answer reflects. {@code scopes} says, for each margin
 * scope, whether it is below maintenance and what attends to it: the liquidation leasing it, or why its call
 * is held ({@link ScopeStanding}).
 */
record RiskView(String accountId, String status, BigDecimal equity, BigDecimal initialMargin,
                BigDecimal maintenanceMargin, BigDecimal marginRatio, BigDecimal available,
                List<AccountRisk.CollateralLine> collateral, List<AccountRisk.PositionLine> positions,
                List<String> heldCalls, Set<String> untrustedPrices, Set<String> missingPrices,
                List<ScopeStanding> scopes, AsOf asOf) {

    record AsOf(Instant time, long accountVersion, Map<String, Long> priceSequences) {
    }

    static RiskView of(AccountView view, AccountRisk risk, List<ScopeStanding> scopes, Instant now) {
        return new RiskView(view.id(), view.status().name(), risk.equity(), risk.initialMargin(),
                risk.maintenanceMargin(), risk.marginRatio(), risk.available(), risk.collateral(), risk.positions(),
                view.heldScopes(), risk.untrusted(), risk.missing(), scopes, new AsOf(now, view.version(),
                risk.priceSequences()));
    }
}
