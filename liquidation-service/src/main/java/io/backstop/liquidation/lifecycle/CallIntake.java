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
import java.util.Optional;
import java.util.UUID;

/**
 * Decides what a margin call becomes: one outcome per call, at most one open liquidation per account scope.
 * Pure: the caller says whether the scope is free and which of the account's closing trades the call's
 * positions do not reflect yet, and stores the liquidation it returns.
 */
public final class CallIntake {

    /** Whether the call's scope may start a liquidation now. */
    public enum ScopeLock {
        FREE,
        /** A liquidation of the scope is QUEUED or ACTIVE. */
        IN_PROGRESS,
        /** The scope's last liquidation raised a shortfall the waterfall has not settled yet. */
        AWAITING_WATERFALL
    }

    /**
     * @param liquidation the call's outcome, to insert
     * @param why         the reason stored with an outcome that is not a liquidation; null for QUEUED
     * @param adjusted    the call was queued on positions reduced by closing trades it did not reflect
     */
    public record Intake(Liquidation liquidation, Map<String, Object> why, boolean adjusted) {
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
     * Queued, or recorded as skipped when the scope is already being liquidated — or when its last liquidation
     * handed a remainder to the fund that the waterfall has not settled yet: margin-service issued this call
     * before it applied the takeover or ADL, so what the call would close is no longer the account's — or
     * recorded as recovered when the trades in flight already close every position it names.
     *
     * @param inFlight the account's closing trades recorded after the last one margin-service had applied
     *                 when it decided the call, in the order they were recorded
     */
    public Intake decide(UUID marginCallId, MarginCallIssued call, List<RecordedFill> inFlight, ScopeLock lock,
                         Instant now) {
        ScopeState state = withFillsInFlight(scopeOf(call), inFlight);
        UUID id = liquidationId(marginCallId);
        String scope = scopeKey(call);
        if (lock != ScopeLock.FREE) {
            Map<String, Object> why = new LinkedHashMap<>();
            why.put("reason", lock == ScopeLock.AWAITING_WATERFALL
                    ? "the waterfall has not yet settled this account scope's shortfall (takeover or ADL on its way)"
                    : "a liquidation of this account scope is already in progress");
            return new Intake(Liquidation.skipped(id, marginCallId, call.accountId(), scope, state, now), why, false);
        }
        if (state.positions().isEmpty()) {
            Map<String, Object> why = new LinkedHashMap<>();
            why.put("reason", "fills already executed (or the waterfall's takeover/ADL) close every position the call"
                    + " names; margin-service had not applied them when it decided the call");
            why.put("fillsInFlight", inFlight.stream().map(RecordedFill::tradeId).toList());
            return new Intake(Liquidation.nothingToClose(id, marginCallId, call.accountId(), scope, state, now), why,
                    false);
        }
        return new Intake(Liquidation.queued(id, marginCallId, call.accountId(), scope, state, now), null,
                !inFlight.isEmpty());
    }

    /**
     * The call's scope after the closing trades recorded since the last one margin-service had applied when
     * it decided the call: the call's positions do not reflect them, and planning on them would close the same
     * quantity twice. Each trade reduces its position at most to zero.
     */
    static ScopeState withFillsInFlight(ScopeState state, List<RecordedFill> inFlight) {
        for (RecordedFill f : inFlight) {
            Optional<PositionState> position = state.position(f.symbol());
            if (position.isPresent()) {
                state = state.afterFill(f.symbol(), f.quantity().min(position.get().size().abs()), f.price(), f.fee());
            }
        }
        return state;
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
