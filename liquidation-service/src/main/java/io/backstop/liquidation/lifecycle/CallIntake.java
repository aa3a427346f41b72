package io.backstop.liquidation.lifecycle;

import io.backstop.events.ContractViolation;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.MarginScope;
import io.backstop.events.margin.PositionMark;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.Market;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Decides what a margin call becomes: one outcome per call, at most one open liquidation per account scope.
 * Pure: the caller says whether the scope is already being liquidated, and stores the liquidation it returns.
 * The call's positions are taken as stated: margin-service issues a call only for a scope it has leased to no
 * other liquidation, after it applied the previous one's fills and waterfall (ADR 13), so nothing it names is
 * already closed.
 */
public final class CallIntake {

    /**
     * @param liquidation the call's outcome, to insert
     * @param why         the reason stored with an outcome that is not a liquidation; null for QUEUED
     */
    public record Intake(Liquidation liquidation, Map<String, Object> why) {
    }

    private final Map<String, Market> markets;
    private final String settlementAsset;

    public CallIntake(Map<String, Market> markets, String settlementAsset) {
        this.markets = Map.copyOf(markets);
        this.settlementAsset = settlementAsset;
    }

    /** The key of the scope the call is for: its positions share one scope, the first names it. */
    public static String scopeKey(MarginCallIssued call) {
        PositionMark first = call.positions().get(0);
        return MarginScope.of(first.marginMode(), first.symbol());
    }

    /** The liquidation's id, derived from the call's: a call taken in twice is one liquidation. */
    public static UUID liquidationId(UUID marginCallId) {
        return UUID.nameUUIDFromBytes(("liquidation/" + marginCallId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Queued, or recorded as skipped when a liquidation of the scope is already QUEUED or ACTIVE (a call margin-service
     * would not issue under its lease; the unique index on open scopes would refuse a second one anyway).
     */
    public Intake decide(UUID marginCallId, MarginCallIssued call, boolean scopeInProgress, Instant now) {
        ScopeState state = scopeOf(call);
        UUID id = liquidationId(marginCallId);
        String scope = scopeKey(call);
        if (scopeInProgress) {
            Map<String, Object> why = new LinkedHashMap<>();
            why.put("reason", "a liquidation of this account scope is already in progress");
            return new Intake(Liquidation.skipped(id, marginCallId, call.accountId(), scope, state, now,
                    call.priceTime()), why);
        }
        return new Intake(Liquidation.queued(id, marginCallId, call.accountId(), scope, state, now,
                call.priceTime()), null);
    }

    /** The scope the call states, with brackets and scales from the market catalogue. */
    ScopeState scopeOf(MarginCallIssued call) {
        List<PositionState> positions = new ArrayList<>();
        for (int i = 0; i < call.positions().size(); i++) {
            PositionMark p = call.positions().get(i);
            Market market = markets.get(p.symbol());
            if (market == null) {
                throw new ContractViolation("margin.calls", "payload.positions[" + i + "].symbol",
                        ContractViolation.Reason.REJECTED_BY_CONSUMER, "symbol '" + p.symbol() + "' is not in the"
                        + " market catalogue");
            }
            positions.add(new PositionState(p.symbol(), p.size(), p.entryPrice(), p.markPrice(), market.brackets(),
                    market.priceScale()));
        }
        Map<String, ScopeState.Collateral> collateral = new LinkedHashMap<>();
        for (CollateralValue c : call.collateral()) {
            if (c.asset().equals(settlementAsset)) {
                continue; // worth exactly 1: it never moves equity
            }
            BigDecimal weight = c.amount().signum() > 0 ? c.amount().multiply(BigDecimal.ONE.subtract(c.haircut()))
                    : c.amount();
            collateral.merge(c.asset(), new ScopeState.Collateral(weight, c.price()),
                    (a, b) -> new ScopeState.Collateral(a.weight().add(b.weight()), a.price()));
        }
        return new ScopeState(call.equity(), positions, collateral);
    }
}
