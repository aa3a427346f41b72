package io.backstop.liquidation.engine;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.MarginMode;
import io.backstop.events.PositionSide;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.liquidation.engine.LiquidationStore.Liquidation;
import io.backstop.liquidation.engine.LiquidationStore.Order;
import io.backstop.liquidation.engine.LiquidationStore.OrderStatus;
import io.backstop.liquidation.engine.LiquidationStore.Status;
import io.backstop.liquidation.plan.LiquidationMath;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.Market;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every decision of a liquidation, each in one PostgreSQL transaction with the events it emits
 * (outbox): taking a margin call in (one outcome per call, one open liquidation per account scope),
 * one round of a liquidation (re-verify at the latest prices, then cancel as recovered, complete,
 * raise shortfalls, or plan and place orders), placing scheduled slices, and accounting for the
 * exchange's executions (fills, fees, the public feed). Events derive their ids from their cause, so
 * a step repeated after a crash emits nothing new.
 */
public class LiquidationDesk {

    private static final Logger log = LoggerFactory.getLogger(LiquidationDesk.class);
    static final String CROSS = "CROSS";

    private final LiquidationStore store;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Map<String, Market> markets;
    private final LiquidationPolicy policy;
    private final PriceBoard prices;
    private final Clock clock;
    private final String settlementAsset;
    private final int feeScale;
    private final java.time.Duration waterfallWait;
    private final MeterRegistry meters;
    private volatile Consumer<LiquidationStore.Queued> queue = q -> { };

    public LiquidationDesk(LiquidationStore store, Outbox outbox, TransactionTemplate tx, Map<String, Market> markets,
                           LiquidationPolicy policy, PriceBoard prices, Clock clock, String settlementAsset,
                           int feeScale, java.time.Duration waterfallWait, MeterRegistry meters) {
        this.store = store;
        this.outbox = outbox;
        this.tx = tx;
        this.markets = markets;
        this.policy = policy;
        this.prices = prices;
        this.clock = clock;
        this.settlementAsset = settlementAsset;
        this.feeScale = feeScale;
        this.waterfallWait = waterfallWait;
        this.meters = meters;
        io.micrometer.core.instrument.Gauge.builder("backstop.liquidation.shortfalls.awaiting.waterfall",
                        store, LiquidationStore::shortfallsAwaitingWaterfall)
                .description("Shortfalls handed to the fund whose takeover or ADL has not fully arrived").register(meters);
    }

    /** Where queued liquidations go once their transaction commits (the liquidator's queue). */
    public void queueTo(Consumer<LiquidationStore.Queued> queue) {
        this.queue = queue;
    }

    public LiquidationPolicy policy() {
        return policy;
    }

    // --- margin calls ----------------------------------------------------------------------------

    /**
     * Takes a margin call in, inside the inbox transaction that records it: queued, or recorded as
     * skipped when the account scope is already being liquidated — or when its last liquidation handed a
     * remainder to the fund that the waterfall has not settled yet: margin-service issued this call before
     * it applied the takeover or ADL, so what the call would close is no longer the account's.
     */
    public void receive(EventEnvelope<?> event) {
        MarginCallIssued call = (MarginCallIssued) event.payload();
        ScopeState called = scopeOf(call);
        List<LiquidationStore.RecordedFill> inFlight = new ArrayList<>(
                store.fillsAfter(call.accountId(), call.lastLiquidationTradeId()));
        inFlight.addAll(store.outcomesAfter(call.accountId(), call.lastWaterfallEventId()));
        ScopeState state = withFillsInFlight(called, inFlight);
        PositionMark first = call.positions().get(0);
        String scope = first.marginMode() == MarginMode.ISOLATED ? "ISOLATED:" + first.symbol() : CROSS;
        UUID id = UUID.nameUUIDFromBytes(("liquidation/" + event.eventId()).getBytes(StandardCharsets.UTF_8));
        Instant now = clock.instant();
        Executions batch = executions();
        if (batch.open(call.accountId(), scope)) {
            Map<String, Object> why = new LinkedHashMap<>();
            why.put("reason", batch.awaiting(call.accountId(), scope)
                    ? "the waterfall has not yet settled this account scope's shortfall (takeover or ADL on its way)"
                    : "a liquidation of this account scope is already in progress");
            batch.writes.insert(new Liquidation(id, event.eventId(), call.accountId(), scope, Status.SKIPPED_IN_PROGRESS, 0,
                    state, now), now, why);
            outcome(Status.SKIPPED_IN_PROGRESS);
            return;
        }
        if (state.positions().isEmpty()) {
            Map<String, Object> why = new LinkedHashMap<>();
            why.put("reason", "fills already executed (or the waterfall's takeover/ADL) close every position the call"
                    + " names; margin-service had not applied them when it decided the call");
            why.put("fillsInFlight", inFlight.stream().map(LiquidationStore.RecordedFill::tradeId).toList());
            batch.writes.insert(new Liquidation(id, event.eventId(), call.accountId(), scope,
                    Status.CANCELLED_RECOVERED, 0, state, now), now, why);
            outcome(Status.CANCELLED_RECOVERED);
            return;
        }
        if (!inFlight.isEmpty()) {
            Counter.builder("backstop.liquidation.calls.adjusted").description("Margin calls whose positions were"
                    + " reduced by liquidation fills margin-service had not applied yet").register(meters).increment();
        }
        batch.writes.insert(new Liquidation(id, event.eventId(), call.accountId(), scope, Status.QUEUED, 0, state, now),
                now, null);
        batch.openScopes.add(call.accountId() + "|" + scope);
        LiquidationStore.Queued queued = new LiquidationStore.Queued(id, state.health(), state.notional(),
                event.eventId());
        afterCommit(() -> queue.accept(queued));
    }

    /**
     * The call's scope after the liquidation fills recorded since the last one margin-service had applied when
     * it decided the call: the call's positions do not reflect them, and planning on them would close the same
     * quantity twice. Each fill reduces its position at most to zero.
     */
    static ScopeState withFillsInFlight(ScopeState state, List<LiquidationStore.RecordedFill> inFlight) {
        for (LiquidationStore.RecordedFill f : inFlight) {
            java.util.Optional<PositionState> position = state.position(f.symbol());
            if (position.isPresent()) {
                state = state.afterFill(f.symbol(), f.quantity().min(position.get().size().abs()), f.price(), f.fee());
            }
        }
        return state;
    }

    private ScopeState scopeOf(MarginCallIssued call) {
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

    // --- rounds ----------------------------------------------------------------------------------

    /** What one round decided, for the liquidator and tests. */
    public enum Step { NOTHING, CANCELLED_RECOVERED, COMPLETED, ORDERS_PLACED, SHORTFALL }

    /** One round of a queued liquidation, in its own transaction. */
    public Step advance(UUID liquidationId) {
        return advanceAll(List.of(liquidationId)).get(0);
    }

    /**
     * One round of each of several queued liquidations, in the order given (their priority), in one
     * transaction: under a burst, one commit serves many accounts. If any fails, none is applied.
     */
    public List<Step> advanceAll(List<UUID> liquidationIds) {
        return tx.execute(status -> {
            Map<UUID, Liquidation> locked = store.lockAll(liquidationIds);
            LiquidationStore.Writes writes = store.writes();
            java.util.Set<UUID> done = new java.util.HashSet<>();
            List<Step> steps = new ArrayList<>(liquidationIds.size());
            for (UUID id : liquidationIds) {
                // a liquidation queued twice is advanced once
                steps.add(done.add(id) ? advanceLocked(locked.get(id), writes) : Step.NOTHING);
            }
            writes.flush();
            return steps;
        });
    }

    private Step advanceLocked(Liquidation l, LiquidationStore.Writes writes) {
        {
            if (l == null || l.status() != Status.QUEUED) {
                return Step.NOTHING;
            }
            Instant now = clock.instant();
            ScopeState state = remark(l.state());
            BigDecimal maintenance = state.maintenance();
            if (state.positions().isEmpty()) {
                writes.update(l.id(), Status.COMPLETED, l.round(), state, numbers("closed", state), now);
                outcome(Status.COMPLETED);
                return Step.COMPLETED;
            }
            if (l.round() == 0 && state.equity().compareTo(maintenance) >= 0) {
                writes.update(l.id(), Status.CANCELLED_RECOVERED, 0, state,
                        numbers("equity is back above maintenance at the latest prices", state), now);
                outcome(Status.CANCELLED_RECOVERED);
                return Step.CANCELLED_RECOVERED;
            }
            if (l.round() > 0 && state.equity().compareTo(maintenance.multiply(BigDecimal.ONE.add(policy.buffer()))) >= 0) {
                writes.update(l.id(), Status.COMPLETED, l.round(), state,
                        numbers("restored to maintenance plus the buffer", state), now);
                outcome(Status.COMPLETED);
                return Step.COMPLETED;
            }
            boolean outOfTime = !now.isBefore(l.createdAt().plus(policy.maxDuration()));
            if (state.equity().signum() < 0 || l.round() >= policy.maxRounds() || outOfTime) {
                shortfall(l, state, now, writes, state.equity().signum() < 0 ? "the mark passed the bankruptcy price"
                        : outOfTime ? "not filled within " + policy.maxDuration()
                        : "not filled within " + policy.maxRounds() + " rounds");
                return Step.SHORTFALL;
            }
            place(l, state, now, writes);
            return Step.ORDERS_PLACED;
        }
    }

    /**
     * Places a round's orders: the partial closes that restore the scope, except in the last round, which
     * closes everything in the market (limited at the bankruptcy prices): partial closes that each left the
     * scope a hair short of its buffer (the fill's slippage, the fee) hand the fund only what the market could
     * not take, never a position the market would have.
     */
    private void place(Liquidation l, ScopeState state, Instant now, LiquidationStore.Writes writes) {
        int round = l.round() + 1;
        Map<String, BigDecimal> bankruptcy = LiquidationMath.bankruptcyPrices(state);
        List<LiquidationMath.Close> closes = round >= policy.maxRounds() ? LiquidationMath.closeAll(state)
                : LiquidationMath.plan(state, policy);
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
                writes.insertOrder(order, now);
                if (k == 0) {
                    emitOrder(l, order, now);
                }
            }
        }
        writes.update(l.id(), Status.ACTIVE, round, state, null, now);
    }

    private void emitOrder(Liquidation l, Order order, Instant now) {
        emit(EventEnvelope.causedBy(l.marginCallId(), order.id().toString(),
                new LiquidationOrderPlaced(order.id(), l.id(), OrderOwner.ACCOUNT, l.accountId(), order.symbol(),
                        order.side(), order.quantity(), order.limitPrice(), l.marginCallId(), order.slice()),
                now, null));
        Counter.builder("backstop.liquidation.orders.placed").description("Liquidation orders sent to the exchange")
                .tag("symbol", order.symbol()).register(meters).increment();
    }

    private void shortfall(Liquidation l, ScopeState state, Instant now, LiquidationStore.Writes writes,
                           String why) {
        Map<String, BigDecimal> bankruptcy = LiquidationMath.bankruptcyPrices(state);
        BigDecimal total = state.notional();
        for (PositionState p : state.positions()) {
            BigDecimal price = bankruptcy.get(p.symbol());
            BigDecimal share = total.signum() == 0 ? BigDecimal.ZERO
                    : state.equity().multiply(p.notional()).divide(total, java.math.MathContext.DECIMAL128);
            // what closing at the bankruptcy price would still leave below zero (only when it is clamped at 0)
            BigDecimal left = share.add(p.size().multiply(price.subtract(p.mark())));
            BigDecimal deficit = left.signum() < 0 ? left.negate().setScale(feeScale, java.math.RoundingMode.UP)
                    : BigDecimal.ZERO;
            UUID shortfallId = UUID.nameUUIDFromBytes(("shortfall/" + l.id() + "/" + p.symbol())
                    .getBytes(StandardCharsets.UTF_8));
            writes.insertShortfall(shortfallId, l.id(), l.accountId(), l.scope(), p.symbol(), p.quantity(), now);
            emit(EventEnvelope.causedBy(l.marginCallId(), "shortfall/" + p.symbol(),
                    new LiquidationShortfallRaised(shortfallId, l.id(), l.marginCallId(), l.accountId(), p.symbol(),
                            p.size().signum() > 0 ? PositionSide.LONG : PositionSide.SHORT, p.quantity(), price,
                            p.mark(), deficit), now, null));
            Counter.builder("backstop.liquidation.shortfalls").description("Bankrupt remainders handed to the fund")
                    .tag("symbol", p.symbol()).register(meters).increment();
        }
        writes.update(l.id(), Status.SHORTFALL, l.round(), state, numbers(why, state), now);
        outcome(Status.SHORTFALL);
    }

    /** Places scheduled slices whose cooldown has passed; returns how many. */
    public int placeDueSlices(int limit) {
        Integer placed = tx.execute(status -> {
            Instant now = clock.instant();
            List<Order> due = store.dueSlices(now, limit);
            for (Order order : due) {
                Liquidation l = store.lock(order.liquidationId()).orElseThrow();
                store.orderStatus(order.id(), OrderStatus.OPEN, BigDecimal.ZERO, BigDecimal.ZERO, now);
                emitOrder(l, order, now);
            }
            return due.size();
        });
        return placed == null ? 0 : placed;
    }

    // --- the waterfall's outcomes ----------------------------------------------------------------

    /**
     * Counts what the fund took over, or ADL closed on the bankrupt side, against the shortfall it settles
     * (inside the inbox transaction: each outcome once). Outcomes of shortfalls this service did not raise
     * change nothing.
     */
    public void settle(EventEnvelope<?> event) {
        if (event.payload() instanceof PositionTakenOver t) {
            store.settleShortfall(t.shortfallId(), t.quantity());
            store.recordOutcome(event.eventId(), t.shortfallId(), t.accountId(), t.symbol(), t.quantity(), t.price());
        } else if (event.payload() instanceof PositionAutoDeleveraged a && a.role() == AdlRole.BANKRUPT) {
            store.settleShortfall(a.shortfallId(), a.quantity());
            store.recordOutcome(event.eventId(), a.shortfallId(), a.accountId(), a.symbol(), a.quantity(), a.price());
        }
    }

    // --- executions ------------------------------------------------------------------------------

    /**
     * Accounts for the exchange's execution of one of our orders, inside the inbox transaction: each
     * fill's realized PnL, fee (capped above bankruptcy) and remainder; the fill for margin-service,
     * the public feed and the fund's fee. When the round's last order is done the liquidation is
     * queued for its next round. Executions of orders this service did not place (the fund's) are
     * not ours and are left alone.
     */
    public void execute(EventEnvelope<?> event) {
        LiquidationOrderExecuted execution = (LiquidationOrderExecuted) event.payload();
        Executions batch = executions();
        Order order = batch.order(execution.orderId());
        if (order == null) {
            Counter.builder("backstop.liquidation.executions.foreign")
                    .description("Executions of orders this service did not place (the fund's unwinding)")
                    .register(meters).increment();
            return;
        }
        if (order.status() != OrderStatus.OPEN || batch.done.contains(order.id())) {
            throw new ContractViolation("liquidation.executions", "payload.orderId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "order " + order.id() + " is not open: it was"
                    + " executed already");
        }
        Liquidation l = batch.liquidation(order.liquidationId());
        Instant now = clock.instant();
        ScopeState state = batch.states.get(l.id());
        BigDecimal filled = BigDecimal.ZERO;
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
            batch.writes.insertFill(new LiquidationStore.Fill(fill.tradeId(), l.id(), order.id(), l.accountId(),
                    order.symbol(), order.side(), fill.quantity(), fill.price(), outcome.realizedPnl(), outcome.fee(),
                    outcome.remainder(), order.limitPrice(), now));
            emitFill(l, order, fill, outcome, event.eventId(), now);
        }
        batch.writes.orderStatus(order.id(), OrderStatus.DONE, filled, execution.cancelledQuantity(), now);
        batch.done.add(order.id());
        batch.states.put(l.id(), state);
        batch.pending.merge(l.id(), -1, Integer::sum);
    }

    /**
     * Reads what a poll needs in one statement each: the open scopes of the accounts its margin calls
     * are for; the orders of its executions, their liquidations (locked) and pending order counts. So
     * taking the poll in reads nothing one by one. Optional: what is not prepared is looked up alone.
     */
    public void prepare(List<EventEnvelope<?>> events) {
        List<String> callers = events.stream().map(EventEnvelope::payload).filter(MarginCallIssued.class::isInstance)
                .map(p -> ((MarginCallIssued) p).accountId()).distinct().toList();
        if (!callers.isEmpty()) {
            Executions batch = executions();
            batch.openScopes.addAll(store.openScopes(callers));
            batch.awaitingWaterfall.addAll(store.awaitingWaterfall(callers, clock.instant().minus(waterfallWait)));
            batch.scopesKnown.addAll(callers);
        }
        List<UUID> orderIds = events.stream().map(EventEnvelope::payload)
                .filter(LiquidationOrderExecuted.class::isInstance).map(p -> ((LiquidationOrderExecuted) p).orderId())
                .distinct().toList();
        if (orderIds.isEmpty()) {
            return;
        }
        Executions batch = executions();
        batch.orders.putAll(store.lockOrders(orderIds));
        List<UUID> liquidationIds = batch.orders.values().stream().map(Order::liquidationId).distinct()
                .filter(id -> !batch.liquidations.containsKey(id)).toList();
        if (!liquidationIds.isEmpty()) {
            store.lockAll(liquidationIds).forEach(batch::held);
            Map<UUID, Integer> pending = store.pendingOrders(liquidationIds);
            liquidationIds.forEach(id -> batch.pending.putIfAbsent(id, pending.getOrDefault(id, 0)));
        }
    }

    /**
     * What the margin calls and executions of one transaction read and changed: open scopes, orders and
     * liquidations locked once, the scope states as fills move them, pending order counts; written as
     * batches just before commit, and a liquidation whose round is over is queued once it committed.
     */
    private final class Executions {
        final Map<UUID, Order> orders = new java.util.HashMap<>();
        final Map<UUID, Liquidation> liquidations = new java.util.HashMap<>();
        final Map<UUID, ScopeState> states = new LinkedHashMap<>();
        final Map<UUID, Integer> pending = new java.util.HashMap<>();
        final java.util.Set<UUID> done = new java.util.HashSet<>();
        final java.util.Set<String> openScopes = new java.util.HashSet<>();
        final java.util.Set<String> awaitingWaterfall = new java.util.HashSet<>();
        final java.util.Set<String> scopesKnown = new java.util.HashSet<>();

        /** Whether the scope is being liquidated, or awaits the waterfall's outcome of its shortfall. */
        boolean open(String accountId, String scope) {
            if (scopesKnown.add(accountId)) {
                openScopes.addAll(store.openScopes(List.of(accountId)));
                awaitingWaterfall.addAll(store.awaitingWaterfall(List.of(accountId),
                        clock.instant().minus(waterfallWait)));
            }
            return openScopes.contains(accountId + "|" + scope) || awaiting(accountId, scope);
        }

        boolean awaiting(String accountId, String scope) {
            return awaitingWaterfall.contains(accountId + "|" + scope);
        }
        final LiquidationStore.Writes writes = store.writes();

        Order order(UUID id) {
            return orders.computeIfAbsent(id, k -> store.lockOrder(k).orElse(null));
        }

        Liquidation liquidation(UUID id) {
            Liquidation l = liquidations.get(id);
            if (l == null) {
                held(id, store.lock(id).orElseThrow());
                pending.putIfAbsent(id, store.pendingOrders(id));
                l = liquidations.get(id);
            }
            return l;
        }

        void held(UUID id, Liquidation l) {
            liquidations.put(id, l);
            states.put(id, l.state());
        }

        void flush() {
            writes.flush();
            Instant now = clock.instant();
            List<LiquidationStore.Queued> next = new ArrayList<>();
            for (UUID id : done.stream().map(o -> orders.get(o).liquidationId()).distinct().toList()) {
                Liquidation l = liquidations.get(id);
                ScopeState state = states.get(id);
                boolean roundDone = pending.getOrDefault(id, 0) <= 0;
                if (roundDone && state.positions().isEmpty()) {
                    // everything is closed: no further round is needed to know it
                    writes.update(id, Status.COMPLETED, l.round(), state, numbers("closed", state), now);
                    outcome(Status.COMPLETED);
                    continue;
                }
                writes.update(id, roundDone ? Status.QUEUED : Status.ACTIVE, l.round(), state, null, now);
                if (roundDone) {
                    next.add(new LiquidationStore.Queued(id, state.health(), state.notional(), l.marginCallId()));
                }
            }
            writes.flush();
            afterCommit(() -> next.forEach(queue));
        }
    }

    private Executions executions() {
        Executions batch = (Executions) TransactionSynchronizationManager.getResource(executionsKey);
        if (batch == null) {
            Executions fresh = new Executions();
            TransactionSynchronizationManager.bindResource(executionsKey, fresh);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCommit(boolean readOnly) {
                    fresh.flush();
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(executionsKey);
                }
            });
            batch = fresh;
        }
        return batch;
    }

    private final Object executionsKey = new Object();

    private void emitFill(Liquidation l, Order order, ExecutionFill fill, LiquidationMath.FillOutcome outcome,
                          UUID cause, Instant now) {
        emit(EventEnvelope.causedBy(cause, fill.tradeId(), new PositionLiquidated(l.id(), order.id(),
                fill.tradeId(), l.accountId(), order.symbol(), order.side(), fill.quantity(), fill.price(),
                outcome.realizedPnl(), outcome.fee(), order.limitPrice()), now, null));
        emit(EventEnvelope.causedBy(cause, fill.tradeId(), new LiquidationReported(l.id(), fill.tradeId(),
                order.symbol(), order.side(), fill.quantity(), fill.price(), fill.quantity().multiply(fill.price()),
                now), now, null));
        if (outcome.fee().signum() > 0) {
            emit(EventEnvelope.causedBy(cause, fill.tradeId(), new LiquidationFeeCollected(l.id(),
                    fill.tradeId(), l.accountId(), order.symbol(), outcome.fee(), settlementAsset), now, null));
        }
        Counter.builder("backstop.liquidation.fills").description("Liquidation fills accounted")
                .tag("symbol", order.symbol()).register(meters).increment();
    }

    // ---------------------------------------------------------------------------------------------

    private ScopeState remark(ScopeState state) {
        Map<String, BigDecimal> marks = new LinkedHashMap<>();
        Map<String, BigDecimal> latest = prices.marks();
        for (PositionState p : state.positions()) {
            BigDecimal mark = latest.get(markets.get(p.symbol()).priceSymbol());
            if (mark != null) {
                marks.put(p.symbol(), mark);
            }
        }
        return state.remark(marks, prices.indexes());
    }

    private static Map<String, Object> numbers(String why, ScopeState state) {
        Map<String, Object> numbers = new LinkedHashMap<>();
        numbers.put("why", why);
        numbers.put("equity", state.equity().toPlainString());
        numbers.put("maintenanceMargin", state.maintenance().toPlainString());
        Map<String, String> marks = new LinkedHashMap<>();
        state.positions().forEach(p -> marks.put(p.symbol(), p.mark().toPlainString()));
        numbers.put("marks", marks);
        return numbers;
    }

    /**
     * Appends an event to the outbox with every other of this transaction, in one batch just before it
     * commits (the events are never read back within it).
     */
    private void emit(EventEnvelope<?> event) {
        @SuppressWarnings("unchecked")
        List<EventEnvelope<?>> pending = (List<EventEnvelope<?>>) TransactionSynchronizationManager.getResource(this);
        if (pending == null) {
            List<EventEnvelope<?>> events = new ArrayList<>();
            TransactionSynchronizationManager.bindResource(this, events);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCommit(boolean readOnly) {
                    outbox.appendAll(events);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(LiquidationDesk.this);
                }
            });
            pending = events;
        }
        pending.add(event);
    }

    private void outcome(Status status) {
        Counter.builder("backstop.liquidation.outcomes").description("Liquidations ended or calls skipped, by outcome")
                .tag("outcome", status.name().toLowerCase(java.util.Locale.ROOT)).register(meters).increment();
        log.debug("liquidation outcome {}", status);
    }

    private static void afterCommit(Runnable action) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }
}
