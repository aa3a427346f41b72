package io.backstop.insurance.engine;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.insurance.fund.FundBook;
import io.backstop.insurance.fund.FundOrder;
import io.backstop.insurance.fund.FundView;
import io.backstop.insurance.fund.Inventory;
import io.backstop.insurance.fund.ShortfallDecider;
import io.backstop.insurance.fund.UnwindDecider;
import io.backstop.insurance.waterfall.AdlSide;
import io.backstop.insurance.waterfall.PlannedQueue;
import io.backstop.kit.inbox.InboxBatch;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.prices.PriceBoard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The shell around the fund's decisions ({@link FundBook} for fees and deposits, {@link ShortfallDecider} for the
 * waterfall, {@link UnwindDecider} for the unwinding): it loads what a decision needs, calls it, and writes the
 * books, the ledger, the positions and the events it returns (outbox) in one PostgreSQL transaction that locks the
 * fund rows it touches; it counts outcomes. Applied twice (a redelivery, a restart), a piece of work finds its
 * inbox entry or its ledger transaction and changes nothing.
 */
public class InsuranceDesk {

    private final InsuranceStore store;
    private final AdlStore positions;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final InsuranceProperties properties;
    private final PriceBoard prices;
    private final OpenInterest openInterest;
    private final FundFigures figures;
    private final ShortfallDecider shortfalls;
    private final UnwindDecider unwinding;
    private final EventJson json;
    private final Clock clock;
    private final MeterRegistry meters;

    public InsuranceDesk(InsuranceStore store, AdlStore positions, Outbox outbox, TransactionTemplate tx,
                         InsuranceProperties properties, PriceBoard prices, OpenInterest openInterest,
                         FundFigures figures, EventJson json, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.positions = positions;
        this.outbox = outbox;
        this.tx = tx;
        this.properties = properties;
        this.prices = prices;
        this.openInterest = openInterest;
        this.figures = figures;
        this.shortfalls = new ShortfallDecider(properties.policy());
        this.unwinding = new UnwindDecider(properties.unwindTerms());
        this.json = json;
        this.clock = clock;
        this.meters = meters;
    }

    /** Creates the configured funds that are not in the database yet; registers the fund gauges. */
    public void start() {
        tx.executeWithoutResult(s -> store.ensureFunds(properties.groups().keySet(), properties.settlementAsset(),
                clock.instant()));
        figures.registerGauges();
    }

    /** The fund work of one transaction over {@code events} events (a poll's, or 1): its ADL sides read as deep. */
    private FundTransaction begin(int events) {
        return new FundTransaction(store, positions, outbox, figures, clock.instant(), PlannedQueue.readAhead(events));
    }

    /** A handler for one poll of the waterfall's topics (shortfalls, fee contributions, the fund's executions). */
    public InboxBatch.Handler batch() {
        return new InboxBatch.Handler() {
            FundTransaction work;

            @Override
            public void prepare(List<EventEnvelope<?>> events) {
                work = begin(events.size());
            }

            @Override
            public void apply(EventEnvelope<?> event) {
                Object payload = event.payload();
                if (payload instanceof LiquidationFeeCollected fee) {
                    contribute(work, event.eventId(), fee);
                } else if (payload instanceof LiquidationShortfallRaised shortfall) {
                    resolve(work, event.eventId(), shortfall);
                } else if (payload instanceof LiquidationOrderExecuted execution) {
                    executed(work, event.eventId(), execution);
                } else if (payload instanceof AdlLegSettled leg) {
                    settled(work, event.eventId(), leg);
                } else {
                    throw new ContractViolation(event.topic().baseName(), "type",
                            ContractViolation.Reason.REJECTED_BY_CONSUMER,
                            "insurance-fund-service does not apply " + event.type().wireName());
                }
            }

            @Override
            public void finish() {
                work.finish();
            }
        };
    }

    // --- fees and deposits ----------------------------------------------------------------------

    private void contribute(FundTransaction work, UUID eventId, LiquidationFeeCollected fee) {
        String group = group("insurance.contributions", fee.symbol());
        if (!fee.asset().equals(properties.settlementAsset())) {
            throw new ContractViolation("insurance.contributions", "payload.asset",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "funds hold " + properties.settlementAsset() + ", not " + fee.asset());
        }
        work.record(List.of(work.book(group, eventId).contribute(eventId, fee.accountId(), fee.amount())));
        Counter.builder("backstop.insurance.fees").description("Liquidation fees paid into a fund, in the settlement asset")
                .tag("group", group).register(meters).increment(fee.amount().doubleValue());
    }

    /** Outcome of a deposit request: the fund afterwards, and whether this request moved money (false for a repeat). */
    public record Deposit(FundView fund, boolean applied, UUID transactionId) {
    }

    /** Operator money into a fund; the same idempotency key deposits once. */
    public Deposit deposit(String group, BigDecimal amount, String idempotencyKey) {
        if (!properties.groups().containsKey(group)) {
            throw new UnknownFund(group);
        }
        UUID cause = UUID.nameUUIDFromBytes(("deposit/" + group + "/" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
        UUID txId = FundBook.id(cause, FundBook.DEPOSIT);
        Boolean applied = tx.execute(s -> {
            if (store.transactionExists(txId)) {
                return false;
            }
            FundTransaction work = begin(1);
            work.record(List.of(work.book(group, cause).deposit(cause, amount, "operator deposit into fund " + group
                    + " (key " + idempotencyKey + ")")));
            work.finish();
            return true;
        });
        return new Deposit(figures.view(group), Boolean.TRUE.equals(applied), txId);
    }

    // --- the waterfall --------------------------------------------------------------------------

    private void resolve(FundTransaction work, UUID eventId, LiquidationShortfallRaised raised) {
        String group = group("liquidation.shortfalls", raised.symbol());
        if (store.waterfall(raised.shortfallId()).isPresent()) {
            // the same shortfall under another event id: resolved once, never twice (and its partition goes on)
            throw new ContractViolation("liquidation.shortfalls", "payload.shortfallId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "shortfall " + raised.shortfallId()
                            + " was already resolved; a second event for it is not applied");
        }
        InsuranceProperties.Group config = properties.groups().get(group);
        FundBook book = work.book(group, eventId);
        String symbol = raised.symbol();
        BigDecimal mark = work.mark(symbol, () -> prices.mark(symbol).orElse(raised.markPrice()));
        // read only if the waterfall gets to the ADL step, or to socializing: a shortfall the fund covers reads neither;
        // the ADL step reads the queue from its head, as far as it deleverages, once for the transaction's shortfalls
        AdlSide opposite = side(work, symbol, raised.positionSide() == PositionSide.SHORT, mark);
        Map<String, BigDecimal> base = raised.deficit().signum() > 0
                ? OnFirstUse.map(() -> positions.profitable(symbol, mark, raised.accountId())) : Map.of();
        ShortfallDecider.Resolution r = shortfalls.resolve(eventId, raised, book, config.terms(), prices.marks(), mark,
                openInterest.notional(config.symbols()), opposite, base, work.now);

        work.queue.asked(symbol, r.result().adl());
        work.record(r.ledger());
        work.emit(r.events());
        store.saveWaterfall(raised.shortfallId(), group, raised.accountId(), symbol,
                json.mapper().writeValueAsString(r.decision()), work.now);
        count("backstop.insurance.waterfalls", "Shortfalls the waterfall resolved (its decision stored)", group,
                symbol);

        if (r.result().takenOver().add(r.result().forcedTakeover()).signum() > 0) {
            count("backstop.insurance.takeovers", "Bankrupt remainders the fund took over", group, symbol);
        }
        if (!r.result().socialized().isEmpty()) {
            Counter.builder("backstop.insurance.socialized").description("Losses socialized, in the settlement asset")
                    .tag("group", group).register(meters).increment(r.result().socializedTotal().doubleValue());
        }
    }

    /**
     * margin-service settled an ADL leg: book what it closed, plan again what it refused. An answer for a shortfall
     * the fund never resolved is refused ({@link ShortfallDecider#settle}).
     */
    private void settled(FundTransaction work, UUID eventId, AdlLegSettled leg) {
        String group = group("adl.settlements", leg.symbol());
        positions.settlementOf(leg.requestId()).ifPresent(first -> {
            throw new ContractViolation("adl.settlements", "payload.requestId", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "ADL request " + leg.requestId() + " was already settled by event " + first
                            + "; a second answer is never booked");
        });
        FundBook book = work.book(group, eventId);
        AdlSide opposite = k -> List.of();
        Set<String> excluded = new TreeSet<>();
        if (leg.refused().signum() > 0) {
            excluded.addAll(positions.refusedFor(leg.shortfallId()));
            excluded.add(leg.accountId());
            BigDecimal mark = work.mark(leg.symbol(), () -> prices.mark(leg.symbol()).orElse(leg.price()));
            opposite = side(work, leg.symbol(), leg.bankruptSide() == Side.BUY, mark);
        }
        ShortfallDecider.Settlement s = shortfalls.settle(eventId, leg, store.waterfall(leg.shortfallId()).isPresent(),
                positions.requestSent(leg.requestId()), book, opposite, excluded, work.now);
        work.queue.asked(leg.symbol(), s.replanned());
        if (leg.refused().signum() > 0) {
            // margin closed all the account held on that side: ask it nothing more until its next snapshot
            positions.recordExhausted(leg.accountId(), leg.symbol());
        }
        if (work.queue.knows(leg.symbol())) {
            // learnt before this answer was recorded: the request no longer waits on the position
            work.queue.answered(leg.symbol(), leg.accountId(), leg.requested(), leg.refused().signum() > 0);
        }
        work.record(s.ledger());
        work.emit(s.events());
        positions.recordSettlement(eventId, leg.requestId(), leg.shortfallId(), leg.accountId(), leg.requested(),
                leg.applied(), work.now);
        store.appendWaterfallSettlement(leg.shortfallId(), json.mapper().writeValueAsString(s.record()));
        if (leg.applied().signum() > 0) {
            count("backstop.insurance.adl.executions", "Positions auto-deleveraged against a bankrupt remainder", group,
                    leg.symbol());
        }
        if (leg.refused().signum() > 0) {
            count("backstop.insurance.adl.refused", "ADL legs margin-service closed less of than asked (planned again)",
                    group, leg.symbol());
        }
        if (s.forced().signum() > 0) {
            count("backstop.insurance.takeovers", "Bankrupt remainders the fund took over", group, leg.symbol());
        }
    }

    // --- unwinding ------------------------------------------------------------------------------

    /** Whether any fund holds positions it took over and has not unwound (from the committed figures). */
    public boolean holdsInventory() {
        return figures.holdsInventory();
    }

    /** Places, per fund and symbol it holds without an open order, one IOC slice at the mark; returns how many. */
    public int unwindDue() {
        int placed = 0;
        for (String group : properties.groups().keySet()) {
            if (store.readFund(group).inventory().isEmpty()) {
                continue;
            }
            Integer n = tx.execute(s -> unwind(store.lockFund(group)));
            placed += n == null ? 0 : n;
        }
        return placed;
    }

    private int unwind(FundBook book) {
        Instant now = clock.instant();
        Set<String> withOpenOrder = new HashSet<>();
        for (Inventory inv : book.inventory().values()) {
            if (store.hasOpenOrder(book.group(), inv.symbol())) {
                withOpenOrder.add(inv.symbol());
            }
        }
        List<UnwindDecider.Placed> placed = unwinding.place(book, prices.marks(), withOpenOrder, UUID::randomUUID, now);
        for (UnwindDecider.Placed p : placed) {
            store.insertOrder(p.order(), now);
        }
        outbox.appendAll(placed.stream().<EventEnvelope<?>>map(UnwindDecider.Placed::event).toList());
        return placed.size();
    }

    private void executed(FundTransaction work, UUID eventId, LiquidationOrderExecuted execution) {
        FundOrder order = store.lockOrder(execution.orderId()).orElse(null);
        if (order == null) {
            return; // one of liquidation-service's orders: not the fund's
        }
        FundBook book = work.book(order.group(), eventId);
        UnwindDecider.Executed e = unwinding.execute(book, order, execution, eventId);
        store.closeOrder(order.id(), e.filled(), work.now);
        if (book.balance().signum() < 0) {
            // the unwinding drove the fund below zero: socialized over the profitable accounts on the symbol
            BigDecimal mark = prices.mark(order.symbol()).orElse(UnwindDecider.lastPrice(order, execution));
            e = unwinding.socializeNegativeBalance(e, book, order.symbol(),
                    positions.profitable(order.symbol(), mark, ""), eventId, work.now);
        }
        work.record(e.ledger());
        work.emit(e.events());
    }

    // --- helpers --------------------------------------------------------------------------------

    /**
     * One side of the symbol's ADL queue as the transaction plans against it: read once, each position less what this
     * transaction asked and what earlier ones asked that margin has not answered, the positions margin answered it
     * closed passed over.
     */
    private AdlSide side(FundTransaction work, String symbol, boolean longs, BigDecimal mark) {
        if (!work.queue.knows(symbol)) {
            work.queue.learn(symbol, positions.exhausted(symbol), positions.unanswered(symbol));
        }
        return work.queue.side(symbol, longs, mark, () -> timed(symbol, longs,
                positions.queue(symbol, longs, mark, properties.ranking())));
    }

    /**
     * {@code side} with each reading of its head timed: a statement over every position of the side, the waterfall's
     * largest cost with a deep backlog (docs/capacity.md), which only PostgreSQL's log showed before.
     */
    private AdlSide timed(String symbol, boolean longs, AdlSide side) {
        Timer reads = Timer.builder("backstop.insurance.adl.side.reads")
                .description("Readings of an ADL queue side's head by the waterfall, each a statement over the side")
                .tag("symbol", symbol).tag("side", longs ? "long" : "short").register(meters);
        return k -> reads.record(() -> side.top(k));
    }

    private String group(String topic, String symbol) {
        return properties.groupOf(symbol).orElseThrow(() -> new ContractViolation(topic, "payload.symbol",
                ContractViolation.Reason.REJECTED_BY_CONSUMER, "symbol '" + symbol + "' belongs to no fund group"));
    }

    private void count(String name, String description, String group, String symbol) {
        Counter.builder(name).description(description).tag("group", group).tag("symbol", symbol).register(meters)
                .increment();
    }
}
