package io.backstop.liquidation.lifecycle;

import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.liquidation.plan.LiquidationMath;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One round of a queued liquidation: re-verified at the latest prices (the caller re-marks the scope), it
 * completes, is cancelled as recovered, raises shortfalls, or places its orders. Pure: the caller writes the
 * liquidation, the orders and the shortfalls it returns and appends its events to the outbox, in one
 * transaction. Ids derive from the liquidation, the round and the symbol, so a round repeated after a crash
 * emits nothing new.
 */
public final class RoundDecider {

    /** What one round decided. */
    public enum Step { NOTHING, CANCELLED_RECOVERED, COMPLETED, ORDERS_PLACED, SHORTFALL }

    /**
     * @param liquidation the liquidation after the round
     * @param outcome     the numbers stored with a final status (null: keep what is stored)
     * @param orders      orders and scheduled slices to insert, in placing order
     * @param shortfalls  remainders handed to the fund
     * @param events      to append to the outbox, in order
     * @param tickToOrder for the liquidation's first round of orders only, how long after its call's tick (the
     *                    call's {@code priceTime}) the first order was placed; null for any later round or slice, or
     *                    a call without a price time ({@link #tickToFirstOrder})
     */
    public record Decision(Step step, Liquidation liquidation, Map<String, Object> outcome, List<Order> orders,
                           List<ShortfallHandedOver> shortfalls, List<EventEnvelope<?>> events, Duration tickToOrder) {
    }

    private final LiquidationPolicy policy;
    private final int feeScale;

    /** @param feeScale decimal places of money in the settlement asset (a deficit is rounded up to it) */
    public RoundDecider(LiquidationPolicy policy, int feeScale) {
        this.policy = policy;
        this.feeScale = feeScale;
    }

    /**
     * @param l     a QUEUED liquidation
     * @param state its scope re-marked at the latest prices
     */
    public Decision decide(Liquidation l, ScopeState state, Instant now) {
        if (l.status() != LiquidationStatus.QUEUED) {
            throw new IllegalLiquidationTransition(l, "start a round");
        }
        BigDecimal maintenance = state.maintenance();
        if (state.positions().isEmpty()) {
            return ended(Step.COMPLETED, l.complete(state), numbers("closed", state));
        }
        if (l.round() == 0 && state.equity().compareTo(maintenance) >= 0) {
            return ended(Step.CANCELLED_RECOVERED, l.cancelRecovered(state),
                    numbers("equity is back above maintenance at the latest prices", state));
        }
        if (l.round() > 0 && state.equity().compareTo(maintenance.multiply(BigDecimal.ONE.add(policy.buffer()))) >= 0) {
            return ended(Step.COMPLETED, l.complete(state), numbers("restored to maintenance plus the buffer", state));
        }
        boolean outOfTime = !now.isBefore(l.createdAt().plus(policy.maxDuration()));
        if (state.equity().signum() < 0 || l.round() >= policy.maxRounds() || outOfTime) {
            return shortfall(l, state, now, state.equity().signum() < 0 ? "the mark passed the bankruptcy price"
                    : outOfTime ? "not filled within " + policy.maxDuration()
                    : "not filled within " + policy.maxRounds() + " rounds");
        }
        return place(l, state, now);
    }

    /**
     * Places a round's orders: the partial closes that restore the scope, except in the last round, which
     * closes everything in the market (limited at the bankruptcy prices): partial closes that each left the
     * scope a hair short of its buffer (the fill's slippage, the fee) hand the fund only what the market could
     * not take, never a position the market would have.
     */
    private Decision place(Liquidation l, ScopeState state, Instant now) {
        Liquidation active = l.placeRound(state);
        int round = active.round();
        Map<String, BigDecimal> bankruptcy = LiquidationMath.bankruptcyPrices(state);
        List<LiquidationMath.Close> closes = round >= policy.maxRounds() ? LiquidationMath.closeAll(state)
                : LiquidationMath.plan(state, policy);
        List<Order> orders = new ArrayList<>();
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (LiquidationMath.Close close : closes) {
            PositionState p = state.position(close.symbol()).orElseThrow();
            List<BigDecimal> slices = LiquidationMath.slices(close.quantity(), p.mark(), policy);
            for (int k = 0; k < slices.size(); k++) {
                UUID orderId = UUID.nameUUIDFromBytes(("order/" + l.id() + "/" + round + "/" + close.symbol() + "/"
                        + (k + 1)).getBytes(StandardCharsets.UTF_8));
                Instant notBefore = now.plus(policy.sliceCooldown().multipliedBy(k));
                Order order = new Order(orderId, l.id(), close.symbol(), close.side(), slices.get(k),
                        bankruptcy.get(close.symbol()), k + 1, round, k == 0 ? OrderStatus.OPEN : OrderStatus.SCHEDULED,
                        notBefore);
                orders.add(order);
                if (k == 0) {
                    events.add(orderPlaced(l, order, now));
                }
            }
        }
        return new Decision(Step.ORDERS_PLACED, active, null, orders, List.of(), events, tickToFirstOrder(l, now));
    }

    /**
     * The tick to order latency of a round placed at {@code now}: the decision's time minus the call's price time,
     * only for the liquidation's first round (round 0 before it), whose first orders are the call's first; a later
     * round, or a later slice placed once its cooldown passed, is not the call's response to its tick. Null too for a
     * call without a price time. A price time after the decision (the oracle's clock ahead of this service's)
     * counts as no time at all.
     */
    static Duration tickToFirstOrder(Liquidation before, Instant now) {
        if (before.round() != 0 || before.priceTime() == null) {
            return null;
        }
        Duration elapsed = Duration.between(before.priceTime(), now);
        return elapsed.isNegative() ? Duration.ZERO : elapsed;
    }

    /** The order event of a slice being placed (the first at once, later ones when their cooldown passed). */
    public static EventEnvelope<LiquidationOrderPlaced> orderPlaced(Liquidation l, Order order, Instant now) {
        return EventEnvelope.causedBy(l.marginCallId(), order.id().toString(),
                new LiquidationOrderPlaced(order.id(), l.id(), OrderOwner.ACCOUNT, l.accountId(), order.symbol(),
                        order.side(), order.quantity(), order.limitPrice(), l.marginCallId(), order.slice()),
                now, null);
    }

    /**
     * Hands every position left to the fund at its bankruptcy price, with the deficit closing it there would
     * still leave (only when the price is clamped at 0), rounded up to the unit of money.
     */
    private Decision shortfall(Liquidation l, ScopeState state, Instant now, String why) {
        Map<String, BigDecimal> bankruptcy = LiquidationMath.bankruptcyPrices(state);
        List<ShortfallHandedOver> shortfalls = new ArrayList<>();
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (PositionState p : state.positions()) {
            BigDecimal price = bankruptcy.get(p.symbol());
            BigDecimal left = LiquidationMath.equityShare(state, p).add(p.size().multiply(price.subtract(p.mark())));
            BigDecimal deficit = left.signum() < 0 ? left.negate().setScale(feeScale, RoundingMode.UP) : BigDecimal.ZERO;
            UUID shortfallId = UUID.nameUUIDFromBytes(("shortfall/" + l.id() + "/" + p.symbol())
                    .getBytes(StandardCharsets.UTF_8));
            shortfalls.add(new ShortfallHandedOver(shortfallId, p.symbol(), p.quantity(), deficit));
            events.add(EventEnvelope.causedBy(l.marginCallId(), "shortfall/" + p.symbol(),
                    new LiquidationShortfallRaised(shortfallId, l.id(), l.marginCallId(), l.accountId(), p.symbol(),
                            p.size().signum() > 0 ? PositionSide.LONG : PositionSide.SHORT, p.quantity(), price,
                            p.mark(), deficit), now, null));
        }
        return new Decision(Step.SHORTFALL, l.shortfall(state), numbers(why, state), List.of(), shortfalls, events,
                null);
    }

    private static Decision ended(Step step, Liquidation after, Map<String, Object> outcome) {
        return new Decision(step, after, outcome, List.of(), List.of(), List.of(), null);
    }

    /** The numbers stored with a final status: why, equity, maintenance and the marks they were judged at. */
    static Map<String, Object> numbers(String why, ScopeState state) {
        Map<String, Object> numbers = new LinkedHashMap<>();
        numbers.put("why", why);
        numbers.put("equity", state.equity().toPlainString());
        numbers.put("maintenanceMargin", state.maintenance().toPlainString());
        Map<String, String> marks = new LinkedHashMap<>();
        state.positions().forEach(p -> marks.put(p.symbol(), p.mark().toPlainString()));
        numbers.put("marks", marks);
        return numbers;
    }
}
