package io.backstop.liquidation.lifecycle;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.liquidation.plan.LiquidationMath;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Accounts for the exchange's execution of one of a liquidation's orders, and decides where the liquidation
 * stands once a poll's executions are in. Pure: the caller holds the liquidations and orders of the poll,
 * writes what this returns and appends its events, in the poll's transaction.
 */
public final class ExecutionDecider {

    /**
     * One execution accounted.
     *
     * @param liquidation the liquidation with the scope after the fills
     * @param filled      the base quantity the execution filled
     * @param fills       to record, in order
     * @param events      per fill: the fill for margin-service, the public feed, the fund's fee (when positive)
     */
    public record Executed(Liquidation liquidation, BigDecimal filled, List<Fill> fills,
                           List<EventEnvelope<?>> events) {
    }

    /**
     * @param liquidation the liquidation to write
     * @param outcome     the numbers stored with a final status (null: keep what is stored)
     * @param nextRound   the liquidation is QUEUED for its next round
     */
    public record RoundState(Liquidation liquidation, Map<String, Object> outcome, boolean nextRound) {
    }

    private final LiquidationPolicy policy;
    private final int feeScale;
    private final String settlementAsset;

    /** @param feeScale decimal places of a fee in the settlement asset */
    public ExecutionDecider(LiquidationPolicy policy, int feeScale, String settlementAsset) {
        this.policy = policy;
        this.feeScale = feeScale;
        this.settlementAsset = settlementAsset;
    }

    /**
     * Each fill's realized PnL, fee (capped above bankruptcy) and remainder, and the scope after it.
     *
     * @param order        the order executed, as stored
     * @param executedOnce the order was already executed earlier in this poll
     * @param eventId      the execution's event id: the cause of every event emitted
     * @throws ContractViolation when the order is not open, the execution names another liquidation, symbol or side
     *                            than the order (it would be booked as the order's), or the fills exceed the order or the
     *                            position
     */
    public Executed execute(Liquidation l, Order order, boolean executedOnce, LiquidationOrderExecuted execution,
                            UUID eventId, Instant now) {
        if (order.status() != OrderStatus.OPEN || executedOnce) {
            throw new ContractViolation("liquidation.executions", "payload.orderId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "order " + order.id() + " is not open: it was"
                    + " executed already");
        }
        if (!execution.liquidationId().equals(l.id())) {
            throw new ContractViolation("liquidation.executions", "payload.liquidationId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "liquidation " + execution.liquidationId()
                    + " is not that of order " + order.id() + " (" + l.id() + ")");
        }
        if (!execution.symbol().equals(order.symbol())) {
            throw new ContractViolation("liquidation.executions", "payload.symbol",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "symbol '" + execution.symbol() + "' is not"
                    + " that of order " + order.id() + " (" + order.symbol() + ")");
        }
        if (execution.side() != order.side()) {
            throw new ContractViolation("liquidation.executions", "payload.side",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, execution.side() + " is not the side of order "
                    + order.id() + " (" + order.side() + ")");
        }
        ScopeState state = l.state();
        BigDecimal filled = BigDecimal.ZERO;
        List<Fill> fills = new ArrayList<>();
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (int i = 0; i < execution.fills().size(); i++) {
            ExecutionFill fill = execution.fills().get(i);
            filled = filled.add(fill.quantity());
            PositionState p = state.position(order.symbol()).orElse(null);
            if (p == null || fill.quantity().compareTo(p.quantity()) > 0 || filled.compareTo(order.quantity()) > 0) {
                throw new ContractViolation("liquidation.executions", "payload.fills[" + i + "].quantity",
                        ContractViolation.Reason.REJECTED_BY_CONSUMER, "fills more than order " + order.id()
                        + " asked for (" + order.quantity().toPlainString() + ")");
            }
            LiquidationMath.FillOutcome outcome = LiquidationMath.fill(p, fill.quantity(), fill.price(),
                    order.limitPrice(), policy.feeRate(), feeScale);
            state = state.afterFill(order.symbol(), fill.quantity(), fill.price(), outcome.fee());
            fills.add(new Fill(fill.tradeId(), l.id(), order.id(), l.accountId(), order.symbol(), order.side(),
                    fill.quantity(), fill.price(), outcome.realizedPnl(), outcome.fee(), outcome.remainder(),
                    order.limitPrice(), now));
            events.addAll(fillEvents(l, order, fill, outcome, eventId, now));
        }
        return new Executed(l.filled(state), filled, fills, events);
    }

    /**
     * Where an ACTIVE liquidation stands after a poll's executions: with orders of the round still open or
     * scheduled it stays ACTIVE; otherwise it completes when nothing is left (no further round is needed to
     * know it), or is QUEUED for its next round.
     *
     * @param pending orders of the liquidation still open or scheduled after the poll
     */
    public RoundState afterExecutions(Liquidation l, int pending) {
        boolean roundDone = pending <= 0;
        if (roundDone && l.state().positions().isEmpty()) {
            return new RoundState(l.complete(l.state()), RoundDecider.numbers("closed", l.state()), false);
        }
        return roundDone ? new RoundState(l.endRound(l.state()), null, true) : new RoundState(l, null, false);
    }

    private List<EventEnvelope<?>> fillEvents(Liquidation l, Order order, ExecutionFill fill,
                                              LiquidationMath.FillOutcome outcome, UUID cause, Instant now) {
        List<EventEnvelope<?>> events = new ArrayList<>(3);
        events.add(EventEnvelope.causedBy(cause, fill.tradeId(), new PositionLiquidated(l.id(), order.id(),
                fill.tradeId(), l.accountId(), order.symbol(), order.side(), fill.quantity(), fill.price(),
                outcome.realizedPnl(), outcome.fee(), order.limitPrice()), now, null));
        events.add(EventEnvelope.causedBy(cause, fill.tradeId(), new LiquidationReported(l.id(), fill.tradeId(),
                order.symbol(), order.side(), fill.quantity(), fill.price(), fill.quantity().multiply(fill.price()),
                now), now, null));
        if (outcome.fee().signum() > 0) {
            events.add(EventEnvelope.causedBy(cause, fill.tradeId(), new LiquidationFeeCollected(l.id(),
                    fill.tradeId(), l.accountId(), order.symbol(), outcome.fee(), settlementAsset), now, null));
        }
        return events;
    }
}
