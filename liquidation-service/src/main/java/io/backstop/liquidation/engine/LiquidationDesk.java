package io.backstop.liquidation.engine;

import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.liquidation.lifecycle.CallIntake;
import io.backstop.liquidation.lifecycle.ExecutionDecider;
import io.backstop.liquidation.lifecycle.Liquidation;
import io.backstop.liquidation.lifecycle.LiquidationEnd;
import io.backstop.liquidation.lifecycle.LiquidationStatus;
import io.backstop.liquidation.lifecycle.Order;
import io.backstop.liquidation.lifecycle.OrderStatus;
import io.backstop.liquidation.lifecycle.RoundDecider;
import io.backstop.liquidation.plan.CallPriority;
import io.backstop.liquidation.plan.IntakeRounds;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.Market;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The shell around a liquidation's decisions ({@link CallIntake}, {@link RoundDecider},
 * {@link ExecutionDecider}): it loads what a decision needs, calls it, and writes the liquidations, orders and
 * fills it returns with the events it emits (outbox), in one PostgreSQL transaction; it counts outcomes and
 * queues liquidations for their next round once that transaction committed.
 */
public class LiquidationDesk {

    private static final Logger log = LoggerFactory.getLogger(LiquidationDesk.class);

    private final LiquidationStore store;
    private final TransactionTemplate tx;
    private final Map<String, Market> markets;
    private final PriceBoard prices;
    private final Clock clock;
    private final MeterRegistry meters;
    private final CallIntake intake;
    private final RoundDecider rounds;
    private final ExecutionDecider executions;
    private final TransactionScoped<PollBatch> batches;
    private final TransactionScoped<List<Outbox.Outgoing>> pendingEvents;
    private final Outbox outbox;
    private final EventTracing tracing;
    private final Timer tickToOrder;
    private final Timer orderToExecution;
    private volatile Consumer<LiquidationStore.Queued> queue = q -> { };
    private volatile Consumer<Instant> slices = due -> { };
    /** Whether a poll may take the rounds it makes due, and before what ({@link IntakeRounds}). */
    private volatile BooleanSupplier roundsAtIntake = () -> false;
    private volatile Supplier<Optional<CallPriority>> waiting = Optional::empty;
    private volatile int roundLimit = 1;
    private final Counter firstRoundsAtIntake;
    private final Counter nextRoundsAtIntake;

    private final ExchangeAnswers exchangeAnswers;

    /** The exchange's progress as the executions this instance applied show it (the order watch reads it). */
    public ExchangeAnswers exchangeAnswers() {
        return exchangeAnswers;
    }

    public LiquidationDesk(LiquidationStore store, Outbox outbox, TransactionTemplate tx, Map<String, Market> markets,
                           LiquidationPolicy policy, PriceBoard prices, Clock clock, String settlementAsset,
                           int feeScale, MeterRegistry meters) {
        this(store, outbox, tx, markets, policy, prices, clock, settlementAsset, feeScale, meters, EventTracing.NONE);
    }

    public LiquidationDesk(LiquidationStore store, Outbox outbox, TransactionTemplate tx, Map<String, Market> markets,
                           LiquidationPolicy policy, PriceBoard prices, Clock clock, String settlementAsset,
                           int feeScale, MeterRegistry meters, EventTracing tracing) {
        this.tracing = tracing;
        this.outbox = outbox;
        this.store = store;
        this.tx = tx;
        this.markets = markets;
        this.prices = prices;
        this.clock = clock;
        this.meters = meters;
        this.exchangeAnswers = new ExchangeAnswers(clock.instant());
        this.intake = new CallIntake(markets, settlementAsset);
        this.rounds = new RoundDecider(policy, feeScale);
        this.executions = new ExecutionDecider(policy, feeScale, settlementAsset);
        // a poll's batch is finished (its ends emitted) before the transaction's events are appended
        this.batches = new TransactionScoped<>(() -> new PollBatch(store), this::finish, 0);
        this.pendingEvents = new TransactionScoped<>(ArrayList::new, outbox::appendOutgoing, 1);
        this.firstRoundsAtIntake = roundsAtIntake("first", meters);
        this.nextRoundsAtIntake = roundsAtIntake("next", meters);
        this.tickToOrder = Timer.builder("backstop.liquidation.tick.to.order")
                .description("From the oracle time of the tick behind a margin call to its liquidation's first order"
                        + " (committed)")
                .serviceLevelObjectives(Duration.ofSeconds(1)).publishPercentileHistogram().register(meters);
        this.orderToExecution = Timer.builder("backstop.liquidation.order.to.execution")
                .description("From sending a liquidation order to the exchange to applying its execution"
                        + " (committed): the exchange's leg of tick to fill")
                .publishPercentileHistogram().register(meters);
    }

    private static Counter roundsAtIntake(String round, MeterRegistry meters) {
        return Counter.builder("backstop.liquidation.rounds.at.intake")
                .description("Liquidation rounds taken in the transaction that made them due (a margin call's for the"
                        + " first round, an execution's for the next), nothing more urgent waiting for the liquidator")
                .tag("round", round).register(meters);
    }

    /** Where queued liquidations go once their transaction commits (the liquidator's queue). */
    public void queueTo(Consumer<LiquidationStore.Queued> queue) {
        this.queue = queue;
    }

    /**
     * Lets a poll take the rounds it makes due in its own transaction whenever {@code allowed} says so: at most
     * {@code limit} of them, those more urgent than the liquidator's most urgent waiting one ({@code waiting}; all when
     * it is empty), as {@link #takeRounds} and {@link IntakeRounds} say. Otherwise, and without this, every round is
     * queued.
     */
    public void roundsAtIntake(BooleanSupplier allowed, Supplier<Optional<CallPriority>> waiting, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("at least one round at intake, got " + limit);
        }
        this.roundLimit = limit;
        this.waiting = waiting;
        this.roundsAtIntake = allowed;
    }

    /** Where the time of the earliest slice a round scheduled goes once its transaction commits (the liquidator). */
    public void slicesTo(Consumer<Instant> slices) {
        this.slices = slices;
    }

    /** Takes a margin call in, inside the inbox transaction that records it ({@link CallIntake#decide}). */
    public void receive(EventEnvelope<?> event) {
        MarginCallIssued call = (MarginCallIssued) event.payload();
        String scope = CallIntake.scopeKey(call);
        PollBatch batch = batches.get();
        Instant now = clock.instant();
        CallIntake.Intake decided = intake.decide(event.eventId(), call, batch.inProgress(call.accountId(), scope),
                now);
        Liquidation l = decided.liquidation();
        if (l.status() != LiquidationStatus.QUEUED) {
            batch.writes.insert(l, now, decided.why());
            ended(l, List.of(), List.of(), now);
            return;
        }
        batch.openScopes.add(call.accountId() + "|" + scope);
        pendingEvents.get(); // in use before the commit: the events of a round taken in finish() go with it
        // written when the poll commits: with its first round, or queued for the liquidator (takeRounds)
        batch.fresh.add(new PollBatch.Due(l, new LiquidationStore.Queued(l.id(), l.state().health(),
                l.state().notional(), event.eventId(), tracing.traceParent()), true)); // its round continues the trace
    }

    /**
     * The rounds a poll makes due ({@link IntakeRounds}): the first rounds of the liquidations its calls queued and the
     * next rounds of those whose round its executions ended. Those more urgent than anything waiting for the liquidator
     * are taken in this transaction, most urgent first: a new liquidation is then written once, as its first round
     * leaves it, and one whose round ended is updated once, from ACTIVE to ACTIVE. The others are written QUEUED and
     * go to the liquidator once the transaction commits. A round that fails to decide leaves its liquidation queued,
     * as the liquidator would after a failed round.
     *
     * @return the decisions of the rounds taken here that ended their liquidation (their ends are emitted by the
     *         caller, after the poll's fills are written)
     */
    private List<RoundDecider.Decision> takeRounds(List<PollBatch.Due> due, LiquidationStore.Writes writes,
                                                   Instant now) {
        IntakeRounds.Split<PollBatch.Due> split = !roundsAtIntake.getAsBoolean()
                ? new IntakeRounds.Split<>(List.of(), due)
                : IntakeRounds.split(due, r -> r.queued().priority(), waiting.get(), roundLimit);
        List<LiquidationStore.Queued> queued = new ArrayList<>();
        List<RoundDecider.Decision> ended = new ArrayList<>();
        for (PollBatch.Due r : split.now()) {
            Liquidation l = r.liquidation();
            try (EventTracing.Scope traced = tracing.continuing(r.queued().traceParent(), "liquidation round")) {
                traced.tag("backstop.account", l.accountId());
                RoundDecider.Decision d;
                try {
                    d = rounds.decide(l, remark(l.state()), now);
                } catch (RuntimeException e) {
                    // nothing of the round is written: it goes the liquidator's way, whose round will say what is wrong
                    log.error("liquidation {}: its round at intake failed; queued for the liquidator", l.id(), e);
                    queue(r, writes, now, queued);
                    continue;
                }
                applyRound(d, writes, now, r.fresh());
                if (!d.liquidation().status().open()) {
                    ended.add(d);
                }
            }
            (r.fresh() ? firstRoundsAtIntake : nextRoundsAtIntake).increment();
        }
        split.queued().forEach(r -> queue(r, writes, now, queued));
        if (!queued.isEmpty()) {
            TransactionScoped.afterCommit(() -> queued.forEach(queue));
        }
        return ended;
    }

    /** A round left to the liquidator: a new liquidation is written as queued (one whose round ended already is). */
    private static void queue(PollBatch.Due r, LiquidationStore.Writes writes, Instant now,
                              List<LiquidationStore.Queued> queued) {
        if (r.fresh()) {
            writes.insert(r.liquidation(), now, null);
        }
        queued.add(r.queued());
    }

    /** One round of a queued liquidation, in its own transaction. */
    public RoundDecider.Step advance(UUID liquidationId) {
        return advanceAll(List.of(liquidationId)).get(0);
    }

    /**
     * One round of each of several queued liquidations, in the order given (their priority), in one
     * transaction: under a burst, one commit serves many accounts. If any fails, none is applied.
     */
    public List<RoundDecider.Step> advanceAll(List<UUID> liquidationIds) {
        return advanceAll(liquidationIds, Map.of());
    }

    /** {@link #advanceAll(List)}, each round continuing the trace that queued it ({@code traceParents}, by id). */
    public List<RoundDecider.Step> advanceAll(List<UUID> liquidationIds, Map<UUID, String> traceParents) {
        return tx.execute(status -> {
            Map<UUID, Liquidation> locked = store.lockAll(liquidationIds);
            LiquidationStore.Writes writes = store.writes();
            Set<UUID> done = new HashSet<>();
            List<RoundDecider.Decision> ended = new ArrayList<>();
            List<RoundDecider.Step> steps = new ArrayList<>(liquidationIds.size());
            for (UUID id : liquidationIds) {
                Liquidation l = locked.get(id);
                // a liquidation queued twice is advanced once; one no longer QUEUED has nothing to do
                boolean due = done.add(id) && l != null && l.status() == LiquidationStatus.QUEUED;
                RoundDecider.Decision d = null;
                if (due) {
                    try (EventTracing.Scope traced = tracing.continuing(traceParents.get(id), "liquidation round")) {
                        traced.tag("backstop.account", l.accountId());
                        d = advanceLocked(l, writes);
                    }
                }
                if (d != null && !d.liquidation().status().open()) {
                    ended.add(d);
                }
                steps.add(d == null ? RoundDecider.Step.NOTHING : d.step());
            }
            writes.flush();
            Map<UUID, List<String>> fills = store.fillsOf(ended.stream().map(d -> d.liquidation().id()).toList());
            Instant now = clock.instant();
            for (RoundDecider.Decision d : ended) {
                try (EventTracing.Scope traced = tracing.continuing(traceParents.get(d.liquidation().id()),
                        "liquidation ended")) {
                    ended(d.liquidation(), fills.getOrDefault(d.liquidation().id(), List.of()), d.shortfalls(), now);
                }
            }
            return steps;
        });
    }

    private RoundDecider.Decision advanceLocked(Liquidation l, LiquidationStore.Writes writes) {
        Instant now = clock.instant();
        RoundDecider.Decision d = rounds.decide(l, remark(l.state()), now);
        applyRound(d, writes, now, false);
        return d;
    }

    /**
     * Writes what a round decided and appends its events: the liquidation inserted as the round left it when it was
     * taken in by the same transaction ({@code fresh}), else updated.
     */
    private void applyRound(RoundDecider.Decision d, LiquidationStore.Writes writes, Instant now, boolean fresh) {
        if (fresh) {
            writes.insert(d.liquidation(), now, d.outcome());
        } else {
            writes.update(d.liquidation(), d.outcome(), now);
        }
        d.orders().forEach(order -> writes.insertOrder(order, now));
        d.orders().stream().filter(order -> order.status() == OrderStatus.SCHEDULED).map(Order::notBefore)
                .min(Comparator.naturalOrder())
                .ifPresent(due -> TransactionScoped.afterCommit(() -> slices.accept(due)));
        d.events().forEach(this::emit);
        if (d.tickToOrder() != null) {
            // once placed for good: a round rolled back is decided again, and timed then
            Duration elapsed = d.tickToOrder();
            TransactionScoped.afterCommit(() -> tickToOrder.record(elapsed));
        }
    }

    /** Places scheduled slices whose cooldown has passed; returns how many. */
    public int placeDueSlices(int limit) {
        Integer placed = tx.execute(status -> {
            Instant now = clock.instant();
            List<Order> due = store.dueSlices(now, limit);
            for (Order order : due) {
                Liquidation l = store.lock(order.liquidationId()).orElseThrow();
                store.orderStatus(order.id(), OrderStatus.OPEN, BigDecimal.ZERO, BigDecimal.ZERO, now);
                emit(RoundDecider.orderPlaced(l, order, now));
            }
            return due.size();
        });
        return placed == null ? 0 : placed;
    }

    /**
     * Accounts for the exchange's execution of one of our orders, inside the inbox transaction
     * ({@link ExecutionDecider#execute}); when the round's last order is done the liquidation is queued for its
     * next round. Executions of orders this service did not place (the fund's) are not ours and are left alone.
     */
    public void execute(EventEnvelope<?> event) {
        LiquidationOrderExecuted execution = (LiquidationOrderExecuted) event.payload();
        PollBatch batch = batches.get();
        pendingEvents.get(); // in use before the commit: the ends finish() emits are appended with the fills
        Order order = batch.order(execution.orderId());
        if (order == null) {
            Counter.builder("backstop.liquidation.executions.foreign")
                    .description("Executions of orders this service did not place (the fund's unwinding)")
                    .register(meters).increment();
            return;
        }
        Instant now = clock.instant();
        boolean done = batch.done.contains(order.id());
        Instant sent = done ? null : batch.sentAt.get(order.id());
        ExecutionDecider.Executed executed = executions.execute(batch.liquidation(order.liquidationId()), order,
                done, execution, event.eventId(), now);
        if (sent != null) {
            // an order's first answer, timed once it is booked: a poll rolled back is applied and timed again
            Duration waited = Duration.between(sent, now);
            TransactionScoped.afterCommit(() -> orderToExecution.record(waited));
        }
        TransactionScoped.afterCommit(() -> exchangeAnswers.answered(order.symbol(), sent, now));
        executed.fills().forEach(batch.writes::insertFill);
        executed.events().forEach(this::emit);
        batch.traceParents.put(order.liquidationId(), tracing.traceParent()); // its next round or its end continue it
        batch.writes.orderStatus(order.id(), OrderStatus.DONE, executed.filled(), execution.cancelledQuantity(), now);
        batch.done.add(order.id());
        batch.liquidations.put(order.liquidationId(), executed.liquidation());
        batch.pending.merge(order.liquidationId(), -1, Integer::sum);
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
            batches.get().readScopes(callers);
        }
        List<UUID> orderIds = events.stream().map(EventEnvelope::payload)
                .filter(LiquidationOrderExecuted.class::isInstance).map(p -> ((LiquidationOrderExecuted) p).orderId())
                .distinct().toList();
        if (!orderIds.isEmpty()) {
            batches.get().lockOrders(orderIds);
        }
    }

    /**
     * Writes what the poll's calls and executions changed, just before its transaction commits: the rounds they made
     * due ({@link #takeRounds}), the liquidations' states, and the ends, after the fills.
     */
    private void finish(PollBatch batch) {
        Instant now = clock.instant();
        batch.writes.flush();
        List<PollBatch.Due> due = new ArrayList<>(batch.fresh);
        List<Liquidation> ended = new ArrayList<>();
        for (UUID id : batch.executed()) {
            ExecutionDecider.RoundState after = executions.afterExecutions(batch.liquidations.get(id),
                    batch.pending.getOrDefault(id, 0));
            Liquidation l = after.liquidation();
            batch.writes.update(l, after.outcome(), now);
            if (!l.status().open()) {
                ended.add(l);
            } else if (after.nextRound()) {
                due.add(new PollBatch.Due(l, new LiquidationStore.Queued(id, l.state().health(), l.state().notional(),
                        l.marginCallId(), batch.traceParents.get(id)), false));
            }
        }
        List<RoundDecider.Decision> endedByRounds = due.isEmpty() ? List.of() : takeRounds(due, batch.writes, now);
        batch.writes.flush();
        List<UUID> ids = new ArrayList<>(ended.stream().map(Liquidation::id).toList());
        endedByRounds.forEach(d -> ids.add(d.liquidation().id()));
        Map<UUID, List<String>> fills = store.fillsOf(ids);
        for (Liquidation l : ended) {
            try (EventTracing.Scope traced = tracing.continuing(batch.traceParents.get(l.id()), "liquidation ended")) {
                ended(l, fills.getOrDefault(l.id(), List.of()), List.of(), now);
            }
        }
        Map<UUID, String> traceParents = new HashMap<>();
        if (!endedByRounds.isEmpty()) {
            due.stream().filter(r -> r.queued().traceParent() != null)
                    .forEach(r -> traceParents.put(r.liquidation().id(), r.queued().traceParent()));
        }
        for (RoundDecider.Decision d : endedByRounds) {
            UUID id = d.liquidation().id();
            try (EventTracing.Scope traced = tracing.continuing(traceParents.get(id), "liquidation ended")) {
                ended(d.liquidation(), fills.getOrDefault(id, List.of()), d.shortfalls(), now);
            }
        }
    }

    /** The scope at the latest marks and collateral prices the board has; a missing price keeps the old one. */
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

    /**
     * Appends an event to the outbox with every other of this transaction, in one batch just before it
     * commits (the events are never read back within it), and counts what it is.
     */
    private void emit(EventEnvelope<?> event) {
        pendingEvents.get().add(outbox.outgoing(event));
        if (event.payload() instanceof LiquidationOrderPlaced o) {
            count("backstop.liquidation.orders.placed", "Liquidation orders sent to the exchange", o.symbol());
        } else if (event.payload() instanceof LiquidationShortfallRaised s) {
            count("backstop.liquidation.shortfalls", "Bankrupt remainders handed to the fund", s.symbol());
        } else if (event.payload() instanceof PositionLiquidated f) {
            count("backstop.liquidation.fills", "Liquidation fills accounted", f.symbol());
        }
    }

    private void count(String name, String description, String symbol) {
        Counter.builder(name).description(description).tag("symbol", symbol).register(meters).increment();
    }

    /** Emits the end of the liquidation's lease ({@link LiquidationEnd}) and counts its outcome. */
    private void ended(Liquidation l, List<String> fills, List<ShortfallHandedOver> shortfalls, Instant now) {
        emit(LiquidationEnd.of(l, fills, shortfalls, now));
        outcome(l.status());
    }

    private void outcome(LiquidationStatus status) {
        Counter.builder("backstop.liquidation.outcomes").description("Liquidations ended or calls skipped, by outcome")
                .tag("outcome", status.name().toLowerCase(Locale.ROOT)).register(meters).increment();
    }
}
