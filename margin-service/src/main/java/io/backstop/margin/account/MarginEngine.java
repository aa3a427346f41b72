package io.backstop.margin.account;

import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.InstrumentSpec;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.RiskCalculator;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Decides each margin scope's status from exact (BigDecimal) risk, and when to issue a margin call:
 * once per breach, never while one is open, and only on trusted prices. A scope below maintenance
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
        Set<String> crossSymbols = new LinkedHashSet<>();
        for (AccountRisk.CollateralLine c : risk.collateral()) {
            calculator.asset(c.asset()).filter(a -> !a.settlement()).ifPresent(a -> crossSymbols.add(a.priceSymbol()));
        }
        cross.forEach(p -> crossSymbols.add(priceSymbol(p.symbol())));
        boolean crossPriced = account.positions().values().stream().filter(p -> !p.isolated())
                .allMatch(p -> risk.positions().stream().anyMatch(l -> l.symbol().equals(p.symbol())))
                && risk.missing().stream().noneMatch(crossSymbols::contains);
        if (crossPriced) {
            changed |= decide(account, Account.CROSS, risk.equity(), risk.maintenanceMargin(), !cross.isEmpty(),
                    trusted(risk, crossSymbols), () -> call(risk, Account.CROSS, risk.equity(),
                            risk.maintenanceMargin(), cross, risk.collateral(), crossSymbols), calls, held);
        }
        for (AccountRisk.PositionLine isolated : risk.positions()) {
            if (!isolated.isolated()) {
                continue;
            }
            String scope = Account.isolatedScope(isolated.symbol());
            Set<String> symbols = Set.of(priceSymbol(isolated.symbol()));
            changed |= decide(account, scope, isolated.isolatedEquity(), isolated.maintenanceMargin(), true,
                    trusted(risk, symbols), () -> call(risk, scope, isolated.isolatedEquity(),
                            isolated.maintenanceMargin(), List.of(isolated), List.of(), symbols), calls, held);
        }
        return new MarginReview(risk, List.copyOf(calls), List.copyOf(held), changed);
    }

    /** Moves one scope along the state machine; returns whether it changed. */
    private boolean decide(Account account, String scope, BigDecimal equity, BigDecimal maintenance,
                           boolean hasPositions, boolean trusted, Supplier<MarginReview.Call> call,
                           List<MarginReview.Call> calls, List<String> held) {
        Account.Scope before = account.scope(scope);
        AccountStatus status = before.status();
        if (!hasPositions) {
            // nothing left to liquidate: done, unless a deficit still waits for the waterfall
            if (status == AccountStatus.BANKRUPT && equity.signum() < 0) {
                return false;
            }
            account.transition(scope, AccountStatus.HEALTHY, null, false);
            return !account.scope(scope).equals(before);
        }
        if (equity.compareTo(maintenance) >= 0) {
            BigDecimal ratio = equity.signum() > 0 ? maintenance.divide(equity, MathContext.DECIMAL64) : BigDecimal.ONE;
            AccountStatus next = ratio.compareTo(alertRatio) >= 0 ? AccountStatus.AT_RISK : AccountStatus.HEALTHY;
            account.transition(scope, next, null, false); // a recovery closes the open or held call
            return !account.scope(scope).equals(before);
        }
        switch (status) {
            case HEALTHY, AT_RISK, MARGIN_CALL -> {
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
            case LIQUIDATING -> {
                if (equity.signum() < 0) {
                    account.transition(scope, AccountStatus.BANKRUPT, before.openCallId(), false);
                    return true;
                }
                return false;
            }
            case BANKRUPT -> {
                if (equity.signum() >= 0) {
                    account.transition(scope, AccountStatus.LIQUIDATING, before.openCallId(), false);
                    return true;
                }
                return false;
            }
            default -> throw new IllegalStateException("unhandled status " + status);
        }
    }

    private MarginReview.Call call(AccountRisk risk, String scope, BigDecimal equity, BigDecimal maintenance,
                                   List<AccountRisk.PositionLine> positions,
                                   List<AccountRisk.CollateralLine> collateral, Set<String> symbols) {
        BigDecimal initial = positions.stream().map(AccountRisk.PositionLine::initialMargin)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        Map<String, Long> sequences = new LinkedHashMap<>();
        risk.priceSequences().forEach((symbol, sequence) -> {
            if (symbols.contains(symbol)) {
                sequences.put(symbol, sequence);
            }
        });
        return new MarginReview.Call(ids.get(), scope, equity, maintenance, initial, collateral, positions, sequences);
    }

    private static boolean trusted(AccountRisk risk, Set<String> symbols) {
        return risk.untrusted().stream().noneMatch(symbols::contains);
    }

    private String priceSymbol(String symbol) {
        return calculator.instrument(symbol).map(InstrumentSpec::priceSymbol).orElse(symbol);
    }
}
