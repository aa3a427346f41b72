package io.backstop.margin.risk;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.account.ScopeStanding;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Decides each margin scope's status from exact (BigDecimal) risk, and when to issue a margin call: only
 * on trusted prices, and never while the scope is leased to a liquidation (a call is open until its end
 * has been applied, {@link Account#endLiquidation}); a scope released still below maintenance is called
 * again at its next review, which the caller runs at once. A scope below maintenance
 * whose prices are DEGRADED or STALE holds its call (the liquidation circuit breaker) and issues it
 * when the prices are trusted again, if it is still due.
 */
public final class MarginEngine {

    private final RiskCalculator calculator;
    private final BigDecimal alertRatio;
    private final Supplier<UUID> ids;

    /**
     * @param alertRatio margin ratio (maintenance / equity) from which a scope is AT_RISK, for example 0.8
     * @param ids        margin call ids
     */
    public MarginEngine(RiskCalculator calculator, BigDecimal alertRatio, Supplier<UUID> ids) {
        this.calculator = calculator;
        this.alertRatio = alertRatio;
        this.ids = ids;
    }

    public RiskCalculator calculator() {
        return calculator;
    }

    public BigDecimal alertRatio() {
        return alertRatio;
    }

    public MarginReview review(Account account, PriceBook prices) {
        AccountRisk risk = calculator.assess(account, prices);
        List<MarginReview.Call> calls = new ArrayList<>();
        List<String> held = new ArrayList<>();
        boolean changed = false;

        List<AccountRisk.PositionLine> cross = risk.positions().stream().filter(p -> !p.isolated()).toList();
        Set<String> crossSymbols = crossSymbols(account, risk);
        boolean crossPriced = crossPriced(account, risk, crossSymbols);
        if (crossPriced) {
            changed |= decide(account, Account.CROSS, risk.equity(), risk.maintenanceMargin(), !cross.isEmpty(),
                    trusted(risk, crossSymbols), () -> call(risk, prices, Account.CROSS,
                            risk.equity(), risk.maintenanceMargin(), cross, risk.collateral(), crossSymbols), calls,
                    held);
        }
        for (AccountRisk.PositionLine isolated : risk.positions()) {
            if (!isolated.isolated()) {
                continue;
            }
            String scope = Account.isolatedScope(isolated.symbol());
            Set<String> symbols = Set.of(priceSymbol(isolated.symbol()));
            changed |= decide(account, scope, isolated.isolatedEquity(), isolated.maintenanceMargin(), true,
                    trusted(risk, symbols), () -> call(risk, prices, scope, isolated.isolatedEquity(),
                            isolated.maintenanceMargin(), List.of(isolated), List.of(), symbols), calls, held);
        }
        for (String scope : List.copyOf(account.scopes().keySet())) {
            if (!Account.CROSS.equals(scope) && risk.positions().stream()
                    .noneMatch(p -> p.isolated() && Account.isolatedScope(p.symbol()).equals(scope))) {
                // kept while leased; once released, nothing is left to liquidate
                changed |= decide(account, scope, BigDecimal.ZERO, BigDecimal.ZERO, false, true, null, calls, held);
            }
        }
        return new MarginReview(risk, List.copyOf(calls), List.copyOf(held), changed);
    }

    /** Moves one scope along the state machine; returns whether it changed. */
    private boolean decide(Account account, String scope, BigDecimal equity, BigDecimal maintenance,
                           boolean hasPositions, boolean trusted, Supplier<MarginReview.Call> call,
                           List<MarginReview.Call> calls, List<String> held) {
        Account.Scope before = account.scope(scope);
        AccountStatus status = before.status();
        if (before.leased()) {
            // the liquidation owns the scope until its end is applied: only the sign of equity is tracked meanwhile
            AccountStatus next = equity.signum() < 0 ? AccountStatus.BANKRUPT : AccountStatus.LIQUIDATING;
            account.transition(scope, next, before.openCallId(), false);
            return !account.scope(scope).equals(before);
        }
        if (!hasPositions) {
            account.transition(scope, AccountStatus.HEALTHY, null, false); // nothing to liquidate
            return !account.scope(scope).equals(before);
        }
        if (equity.compareTo(maintenance) >= 0) {
            BigDecimal ratio = equity.signum() > 0 ? maintenance.divide(equity, MathContext.DECIMAL64) : BigDecimal.ONE;
            AccountStatus next = ratio.compareTo(alertRatio) >= 0 ? AccountStatus.AT_RISK : AccountStatus.HEALTHY;
            account.transition(scope, next, null, false); // a recovery drops the held call
            return !account.scope(scope).equals(before);
        }
        if (!trusted) {
            account.transition(scope, AccountStatus.MARGIN_CALL, null, true);
            held.add(scope);
            return !account.scope(scope).equals(before);
        }
        MarginReview.Call issued = call.get();
        account.transition(scope, AccountStatus.MARGIN_CALL, null, false);
        account.transition(scope, AccountStatus.LIQUIDATING, issued.callId(), false);
        if (equity.signum() < 0) {
            account.transition(scope, AccountStatus.BANKRUPT, issued.callId(), false);
        }
        calls.add(issued);
        return true;
    }

    /**
     * Where each scope of the account stands at {@code risk}'s prices (no state changes): the cross scope, then each
     * isolated position's, then leased isolated scopes whose position is gone.
     */
    public List<ScopeStanding> standings(Account account, AccountRisk risk) {
        List<ScopeStanding> standings = new ArrayList<>();
        Set<String> crossSymbols = crossSymbols(account, risk);
        boolean hasCross = risk.positions().stream().anyMatch(p -> !p.isolated());
        standings.add(standing(account, Account.CROSS, risk.equity(), risk.maintenanceMargin(), hasCross,
                crossPriced(account, risk, crossSymbols), crossSymbols, risk));
        Set<String> seen = new LinkedHashSet<>(List.of(Account.CROSS));
        for (AccountRisk.PositionLine p : risk.positions()) {
            if (p.isolated()) {
                String scope = Account.isolatedScope(p.symbol());
                seen.add(scope);
                standings.add(standing(account, scope, p.isolatedEquity(), p.maintenanceMargin(), true, true,
                        Set.of(priceSymbol(p.symbol())), risk));
            }
        }
        account.scopes().keySet().stream().filter(s -> !seen.contains(s)).sorted().forEach(s -> standings.add(
                standing(account, s, BigDecimal.ZERO, BigDecimal.ZERO, false, true, Set.of(), risk)));
        return standings;
    }

    private static ScopeStanding standing(Account account, String scope, BigDecimal equity, BigDecimal maintenance,
                                          boolean hasPositions, boolean priced, Set<String> symbols, AccountRisk risk) {
        Account.Scope s = account.scope(scope);
        boolean below = hasPositions && equity.compareTo(maintenance) < 0;
        Set<String> missing = new java.util.TreeSet<>(risk.missing());
        missing.retainAll(symbols);
        Set<String> untrusted = new java.util.TreeSet<>(risk.untrusted());
        untrusted.retainAll(symbols);
        String hold = !priced || !missing.isEmpty() ? "not priced: no price yet for " + missing
                : s.held() || (below && !s.leased() && !untrusted.isEmpty())
                ? "the oracle breaker: prices not trusted " + untrusted : null;
        return new ScopeStanding(scope, s.status(), equity, maintenance, below, s.leased() ? s.openCallId() : null,
                s.awaitingWaterfall(), hold);
    }

    private Set<String> crossSymbols(Account account, AccountRisk risk) {
        Set<String> symbols = new LinkedHashSet<>();
        // every asset held, not only those valued: a collateral whose price has not arrived yet has no line in the
        // risk, and deciding without it would value it at nothing (./backstop seed's accounts were called so); a
        // balance of zero is not held, and waiting for its price would leave the scope undecided for nothing
        account.balances().forEach((asset, amount) -> {
            if (amount.signum() != 0) {
                calculator.asset(asset).filter(a -> !a.settlement()).ifPresent(a -> symbols.add(a.priceSymbol()));
            }
        });
        risk.positions().stream().filter(p -> !p.isolated()).forEach(p -> symbols.add(priceSymbol(p.symbol())));
        return symbols;
    }

    private static boolean crossPriced(Account account, AccountRisk risk, Set<String> crossSymbols) {
        return account.positions().values().stream().filter(p -> !p.isolated())
                .allMatch(p -> risk.positions().stream().anyMatch(l -> l.symbol().equals(p.symbol())))
                && risk.missing().stream().noneMatch(crossSymbols::contains);
    }

    private MarginReview.Call call(AccountRisk risk, PriceBook prices, String scope, BigDecimal equity,
                                   BigDecimal maintenance, List<AccountRisk.PositionLine> positions,
                                   List<AccountRisk.CollateralLine> collateral, Set<String> symbols) {
        BigDecimal initial = positions.stream().map(AccountRisk.PositionLine::initialMargin)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        Map<String, Long> sequences = new LinkedHashMap<>();
        risk.priceSequences().forEach((symbol, sequence) -> {
            if (symbols.contains(symbol)) {
                sequences.put(symbol, sequence);
            }
        });
        return new MarginReview.Call(ids.get(), scope, equity, maintenance, initial, collateral, positions, sequences,
                newestPriceTime(prices, sequences));
    }

    /**
     * The oracle time of the newest of the prices used (the quotes of the sequences the risk was assessed at, which
     * the review reads synchronously from the same book); null when none has a time.
     */
    static Instant newestPriceTime(PriceBook prices, Map<String, Long> sequences) {
        return sequences.entrySet().stream()
                .map(used -> prices.quote(used.getKey()).filter(q -> q.sequence() == used.getValue())
                        .map(Quote::time).orElse(null))
                .filter(Objects::nonNull).max(Instant::compareTo).orElse(null);
    }

    private static boolean trusted(AccountRisk risk, Set<String> symbols) {
        return risk.untrusted().stream().noneMatch(symbols::contains);
    }

    private String priceSymbol(String symbol) {
        return calculator.instrument(symbol).map(InstrumentSpec::priceSymbol).orElse(symbol);
    }
}
