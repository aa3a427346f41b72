package io.backstop.insurance.engine;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.InsuranceFundUpdated;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.insurance.fund.FundBook;
import io.backstop.insurance.fund.Inventory;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.FundSnapshot;
import io.backstop.insurance.waterfall.Shortfall;
import io.backstop.insurance.waterfall.SocializedLoss;
import io.backstop.insurance.waterfall.Waterfall;
import io.backstop.insurance.waterfall.WaterfallResult;
import io.backstop.kit.inbox.InboxBatch;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.prices.PriceBoard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The insurance fund's service core: fees and deposits in, the waterfall for each shortfall, the
 * unwinding of what the fund took over. Each piece of work runs in one transaction that locks the fund
 * rows it touches, records the ledger transactions, stores the books and appends the events to the
 * outbox — applied twice (a redelivery, a restart), it finds its inbox entry or its ledger transaction
 * and changes nothing.
 */
public class InsuranceDesk {

    private static final int QUEUE_PAGE = 500;

    private final InsuranceStore store;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final InsuranceProperties properties;
    private final PriceBoard prices;
    private final OpenInterest openInterest;
    private final Waterfall waterfall;
    private final EventJson json;
    private final Clock clock;
    private final MeterRegistry meters;

    public InsuranceDesk(InsuranceStore store, Outbox outbox, TransactionTemplate tx, InsuranceProperties properties,
                         PriceBoard prices, OpenInterest openInterest, EventJson json, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.outbox = outbox;
        this.tx = tx;
        this.properties = properties;
        this.prices = prices;
        this.openInterest = openInterest;
        this.waterfall = new Waterfall(properties.policy());
        this.json = json;
        this.clock = clock;
        this.meters = meters;
    }

    /** The latest committed figures of each fund, for the gauges operators watch. */
    private final Map<String, FundView> published = new java.util.concurrent.ConcurrentHashMap<>();

    /** Creates the configured funds that are not in the database yet; registers the fund gauges. */
    public void start() {
        tx.executeWithoutResult(s -> store.ensureFunds(properties.groups().keySet(), properties.settlementAsset(),
                clock.instant()));
        for (String group : properties.groups().keySet()) {
            published.put(group, view(group));
            io.micrometer.core.instrument.Gauge.builder("backstop.insurance.fund.balance",
                    published, m -> m.get(group).balance().doubleValue())
                    .description("A fund's money in the settlement asset").tag("group", group).register(meters);
            io.micrometer.core.instrument.Gauge.builder("backstop.insurance.fund.inherited.notional",
                    published, m -> m.get(group).inheritedNotional().doubleValue())
                    .description("Notional at mark of the positions a fund took over and has not unwound")
                    .tag("group", group).register(meters);
            io.micrometer.core.instrument.Gauge.builder("backstop.insurance.fund.coverage.ratio",
                    published, m -> m.get(group).coverageRatio() == null ? Double.NaN
                            : m.get(group).coverageRatio().doubleValue())
                    .description("A fund's balance / open interest of its group").tag("group", group).register(meters);
        }
    }

    /** The work of one transaction: the books it locked, what they recorded, the events to emit. */
    private final class Work {
        final Map<String, FundBook> books = new TreeMap<>();
        final List<LedgerTransaction> ledger = new ArrayList<>();
        final List<EventEnvelope<?>> events = new ArrayList<>();
        final Map<String, UUID> fundCause = new LinkedHashMap<>();
        final Instant now = clock.instant();

        FundBook book(String group, UUID cause) {
            fundCause.put(group, cause);
            return books.computeIfAbsent(group, store::lockFund);
        }

        void finish() {
            store.record(ledger, now);
            Map<String, FundView> views = new LinkedHashMap<>();
            for (FundBook book : books.values()) {
                long sequence = store.saveFund(book, now);
                FundView view = view(book, properties.groups().get(book.group()));
                views.put(book.group(), view);
                events.add(EventEnvelope.causedBy(fundCause.get(book.group()), "fund/" + book.group(),
                        fundUpdate(view), now, sequence));
            }
            outbox.appendAll(events);
            org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                    new org.springframework.transaction.support.TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            published.putAll(views);
                        }
                    });
        }
    }

    /** A handler for one poll of the waterfall's topics (shortfalls, fee contributions, the fund's executions). */
    public InboxBatch.Handler batch() {
        return new InboxBatch.Handler() {
            Work work;

            @Override
            public void prepare(List<EventEnvelope<?>> events) {
                work = new Work();
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

    private void contribute(Work work, UUID eventId, LiquidationFeeCollected fee) {
        String group = group("insurance.contributions", fee.symbol());
        settlementAsset("insurance.contributions", fee.asset());
        work.ledger.add(work.book(group, eventId).contribute(eventId, fee.accountId(), fee.amount()));
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
            Work work = new Work();
            work.ledger.add(work.book(group, cause).deposit(cause, amount, "operator deposit into fund " + group
                    + " (key " + idempotencyKey + ")"));
            work.finish();
            return true;
        });
        return new Deposit(view(group), Boolean.TRUE.equals(applied), txId);
    }

    // --- the waterfall --------------------------------------------------------------------------

    private void resolve(Work work, UUID eventId, LiquidationShortfallRaised raised) {
        String group = group("liquidation.shortfalls", raised.symbol());
        InsuranceProperties.Group config = properties.groups().get(group);
        FundBook book = work.book(group, eventId);
        BigDecimal mark = prices.mark(raised.symbol()).orElse(raised.markPrice());
        Map<String, BigDecimal> marks = new LinkedHashMap<>(prices.marks());
        BigDecimal oi = openInterest.notional(config.symbols());
        boolean guarantee = config.guaranteeOpenInterestLimit() != null
                && oi.compareTo(config.guaranteeOpenInterestLimit()) <= 0;
        BigDecimal balanceBefore = book.balance();
        FundSnapshot fund = new FundSnapshot(group, book.balance(), book.inheritedNotional(marks),
                config.capacityFraction(), guarantee);
        Shortfall shortfall = new Shortfall(raised.shortfallId(), raised.accountId(), raised.symbol(),
                raised.positionSide(), raised.remainingQuantity(), raised.bankruptcyPrice(), mark, raised.deficit());
        boolean longsOpposite = raised.positionSide() == PositionSide.SHORT;
        List<AdlCandidate> queue = queueCovering(raised.symbol(), longsOpposite, mark, raised.remainingQuantity(),
                raised.accountId());
        Map<String, BigDecimal> base = raised.deficit().signum() > 0
                ? store.profitable(raised.symbol(), mark, raised.accountId()) : Map.of();
        WaterfallResult r = waterfall.resolve(shortfall, fund, queue, base);
        List<LedgerTransaction> txs = book.apply(shortfall, r);
        work.ledger.addAll(txs);

        // what the accounts see: margin-service applies both sides
        Side bankruptSide = raised.positionSide().closingSide();
        BigDecimal sign = raised.positionSide() == PositionSide.LONG ? BigDecimal.ONE : BigDecimal.ONE.negate();
        BigDecimal taken = r.takenOver().add(r.forcedTakeover());
        if (taken.signum() > 0) {
            EventEnvelope<?> takeover = EventEnvelope.causedBy(eventId, "takeover", new PositionTakenOver(
                    raised.shortfallId(), group, raised.accountId(), raised.symbol(), raised.positionSide(), taken,
                    raised.bankruptcyPrice()), work.now, null);
            work.events.add(takeover);
            store.addPending(takeover.eventId(), raised.accountId(), raised.symbol(), taken.multiply(sign).negate(),
                    work.now);
            count("backstop.insurance.takeovers", "Bankrupt remainders the fund took over", group, raised.symbol());
        }
        for (WaterfallResult.AdlMatch m : r.adl()) {
            EventEnvelope<?> counterparty = EventEnvelope.causedBy(eventId, "adl/" + m.accountId(),
                    new PositionAutoDeleveraged(raised.shortfallId(), m.accountId(), AdlRole.COUNTERPARTY,
                            raised.accountId(), raised.symbol(), bankruptSide.opposite(), m.quantity(),
                            raised.bankruptcyPrice(), m.rank()), work.now, null);
            EventEnvelope<?> bankruptLeg = EventEnvelope.causedBy(eventId, "adl-bankrupt/" + m.accountId(),
                    new PositionAutoDeleveraged(raised.shortfallId(), raised.accountId(), AdlRole.BANKRUPT, m.accountId(),
                            raised.symbol(), bankruptSide, m.quantity(), raised.bankruptcyPrice(), null), work.now, null);
            work.events.add(counterparty);
            work.events.add(bankruptLeg);
            // the counterparty's stored position shrinks now, and stays shrunk until a snapshot confirms it
            store.adjustPosition(m.accountId(), raised.symbol(), m.quantity().multiply(sign));
            store.addPending(counterparty.eventId(), m.accountId(), raised.symbol(), m.quantity().multiply(sign), work.now);
            store.addPending(bankruptLeg.eventId(), raised.accountId(), raised.symbol(),
                    m.quantity().multiply(sign).negate(), work.now);
            count("backstop.insurance.adl.executions", "Positions auto-deleveraged against a bankrupt remainder", group,
                    raised.symbol());
        }
        store.adjustPosition(raised.accountId(), raised.symbol(),
                taken.add(r.adlQuantity()).multiply(sign).negate());
        BigDecimal byFund = r.deficitFromFund().add(r.uncovered());
        BigDecimal covered = byFund.add(r.socializedTotal());
        if (covered.signum() > 0) {
            work.events.add(EventEnvelope.causedBy(eventId, "deficit", new DeficitCovered(raised.shortfallId(),
                    raised.accountId(), raised.symbol(), covered, book.asset(), byFund, r.socializedTotal()),
                    work.now, null));
        }
        r.socialized().forEach((accountId, share) -> work.events.add(EventEnvelope.causedBy(eventId, "loss/" + accountId,
                new LossSocialized(raised.shortfallId(), accountId, raised.symbol(), share, book.asset(),
                        SocializedLoss.RULE), work.now, null)));
        if (!r.socialized().isEmpty()) {
            Counter.builder("backstop.insurance.socialized").description("Losses socialized, in the settlement asset")
                    .tag("group", group).register(meters).increment(r.socializedTotal().doubleValue());
        }
        store.saveWaterfall(raised.shortfallId(), group, raised.accountId(), raised.symbol(),
                decision(raised, group, mark, fund, balanceBefore, oi, guarantee, r, txs), work.now);
    }

    /** The top of the opposite queue, page by page, until it holds at least {@code quantity} (or ends). */
    private List<AdlCandidate> queueCovering(String symbol, boolean longs, BigDecimal mark, BigDecimal quantity,
                                             String bankrupt) {
        List<AdlCandidate> queue = new ArrayList<>();
        BigDecimal covered = BigDecimal.ZERO;
        for (int offset = 0; covered.compareTo(quantity) < 0; offset += QUEUE_PAGE) {
            List<AdlCandidate> page = store.queuePage(symbol, longs, mark, properties.ranking(), QUEUE_PAGE, offset);
            for (AdlCandidate c : page) {
                if (!c.accountId().equals(bankrupt)) {
                    queue.add(c);
                    covered = covered.add(c.quantity());
                }
            }
            if (page.size() < QUEUE_PAGE) {
                break;
            }
        }
        return queue;
    }

    private String decision(LiquidationShortfallRaised s, String group, BigDecimal mark, FundSnapshot fund,
                            BigDecimal balanceBefore, BigDecimal oi, boolean guarantee, WaterfallResult r,
                            List<LedgerTransaction> txs) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("shortfallId", s.shortfallId().toString());
        d.put("liquidationId", s.liquidationId().toString());
        d.put("accountId", s.accountId());
        d.put("symbol", s.symbol());
        d.put("positionSide", s.positionSide().name());
        d.put("remainingQuantity", plain(s.remainingQuantity()));
        d.put("bankruptcyPrice", plain(s.bankruptcyPrice()));
        d.put("markPrice", plain(mark));
        d.put("deficit", plain(s.deficit()));
        d.put("fundGroup", group);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("balanceBefore", plain(balanceBefore));
        f.put("inheritedNotional", plain(fund.inheritedNotional()));
        f.put("capacityFraction", plain(fund.capacityFraction()));
        f.put("capacity", plain(fund.capacity()));
        f.put("openInterest", plain(oi));
        f.put("guaranteeHolds", guarantee);
        d.put("fund", f);
        d.put("ranking", properties.ranking().name());
        d.put("operatorInjection", plain(r.injection()));
        d.put("takenOver", plain(r.takenOver()));
        d.put("forcedTakeover", plain(r.forcedTakeover()));
        List<Map<String, Object>> adl = new ArrayList<>();
        for (WaterfallResult.AdlMatch m : r.adl()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("rank", m.rank());
            a.put("accountId", m.accountId());
            a.put("score", m.score().round(new MathContext(12)).toPlainString());
            a.put("positionBefore", plain(m.positionBefore()));
            a.put("quantity", plain(m.quantity()));
            a.put("price", plain(s.bankruptcyPrice()));
            adl.add(a);
        }
        d.put("adl", adl);
        d.put("deficitFromFund", plain(r.deficitFromFund()));
        d.put("uncovered", plain(r.uncovered()));
        Map<String, String> shares = new LinkedHashMap<>();
        r.socialized().forEach((a, v) -> shares.put(a, plain(v)));
        d.put("socialized", shares);
        d.put("socializedRule", r.socialized().isEmpty() ? null : SocializedLoss.RULE);
        d.put("steps", r.steps());
        d.put("ledgerTransactions", txs.stream().map(t -> Map.of("id", t.id().toString(), "kind", t.kind())).toList());
        return json.mapper().writeValueAsString(d);
    }

    // --- unwinding ------------------------------------------------------------------------------

    /** Whether any fund holds positions it took over and has not unwound (from the committed figures). */
    public boolean holdsInventory() {
        return published.values().stream().anyMatch(fund -> !fund.inherited().isEmpty());
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
        List<EventEnvelope<?>> orders = new ArrayList<>();
        for (Inventory inv : book.inventory().values()) {
            Optional<BigDecimal> mark = prices.mark(inv.symbol());
            if (mark.isEmpty() || store.hasOpenOrder(book.group(), inv.symbol())) {
                continue;
            }
            BigDecimal qty = properties.unwind().sliceNotional().divide(mark.get(), properties.quantityScale(),
                    RoundingMode.DOWN).min(inv.size().abs());
            if (qty.signum() <= 0) {
                qty = inv.size().abs();
            }
            Side side = inv.size().signum() > 0 ? Side.SELL : Side.BUY;
            BigDecimal slip = side == Side.SELL ? BigDecimal.ONE.subtract(properties.unwind().maxSlippage())
                    : BigDecimal.ONE.add(properties.unwind().maxSlippage());
            BigDecimal limit = mark.get().multiply(slip).setScale(8, side == Side.SELL ? RoundingMode.UP : RoundingMode.DOWN);
            UUID orderId = UUID.randomUUID();
            UUID unwindId = UUID.nameUUIDFromBytes(("fund-unwind/" + book.group() + "/" + inv.symbol())
                    .getBytes(StandardCharsets.UTF_8));
            store.insertOrder(new InsuranceStore.FundOrder(orderId, book.group(), inv.symbol(), side, qty, limit, "OPEN"),
                    now);
            orders.add(EventEnvelope.of(new LiquidationOrderPlaced(orderId, unwindId, OrderOwner.INSURANCE_FUND,
                    book.group(), inv.symbol(), side, qty, limit, null, 1), now, unwindId, null));
        }
        outbox.appendAll(orders);
        return orders.size();
    }

    private void executed(Work work, UUID eventId, LiquidationOrderExecuted execution) {
        InsuranceStore.FundOrder order = store.lockOrder(execution.orderId()).orElse(null);
        if (order == null) {
            return; // one of liquidation-service's orders: not the fund's
        }
        if (!"OPEN".equals(order.status())) {
            throw new ContractViolation("liquidation.executions", "payload.orderId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "fund order " + order.id() + " was executed already");
        }
        FundBook book = work.book(order.group(), eventId);
        BigDecimal filled = BigDecimal.ZERO;
        for (ExecutionFill fill : execution.fills()) {
            UUID cause = UUID.nameUUIDFromBytes((eventId + "/" + fill.tradeId()).getBytes(StandardCharsets.UTF_8));
            work.ledger.add(book.unwound(cause, order.symbol(), fill.quantity(), fill.price()));
            filled = filled.add(fill.quantity());
        }
        store.closeOrder(order.id(), filled, work.now);
        if (book.balance().signum() < 0) {
            // the unwinding drove the fund below zero: socialized over the profitable accounts on the symbol
            BigDecimal mark = prices.mark(order.symbol()).orElse(execution.fills().isEmpty() ? order.limitPrice()
                    : execution.fills().get(execution.fills().size() - 1).price());
            Map<String, BigDecimal> base = store.profitable(order.symbol(), mark, "");
            if (!base.isEmpty()) {
                BigDecimal raise = book.balance().negate().setScale(properties.moneyScale(), RoundingMode.UP);
                Map<String, BigDecimal> shares = SocializedLoss.split(raise, base, properties.moneyScale());
                UUID lossId = UUID.nameUUIDFromBytes(("fund-deficit/" + eventId).getBytes(StandardCharsets.UTF_8));
                work.ledger.add(book.socialize(lossId, order.symbol(), shares));
                shares.forEach((accountId, share) -> work.events.add(EventEnvelope.causedBy(eventId, "loss/" + accountId,
                        new LossSocialized(lossId, accountId, order.symbol(), share, book.asset(), SocializedLoss.RULE),
                        work.now, null)));
            }
        }
    }

    // --- views ----------------------------------------------------------------------------------

    /** A fund as the REST API and the dashboards show it. */
    public record FundView(String group, String asset, BigDecimal balance, Map<String, Inventory> inherited,
                           BigDecimal inheritedNotional, BigDecimal capacity, BigDecimal capacityFraction,
                           BigDecimal openInterest, BigDecimal coverageRatio, BigDecimal guaranteeOpenInterestLimit,
                           boolean guaranteeHolds, List<String> symbols) {
    }

    public FundView view(String group) {
        InsuranceProperties.Group config = properties.groups().get(group);
        if (config == null) {
            throw new UnknownFund(group);
        }
        return view(store.readFund(group), config);
    }

    private FundView view(FundBook book, InsuranceProperties.Group config) {
        BigDecimal inherited = book.inheritedNotional(prices.marks());
        BigDecimal capacity = config.capacityFraction().multiply(book.balance()).subtract(inherited).max(BigDecimal.ZERO);
        BigDecimal oi = openInterest.notional(config.symbols());
        BigDecimal coverage = oi.signum() == 0 ? null : book.balance().divide(oi, 8, RoundingMode.HALF_EVEN);
        boolean guarantee = config.guaranteeOpenInterestLimit() != null
                && oi.compareTo(config.guaranteeOpenInterestLimit()) <= 0;
        return new FundView(book.group(), book.asset(), book.balance(), book.inventory(), inherited, capacity,
                config.capacityFraction(), oi, coverage, config.guaranteeOpenInterestLimit(), guarantee,
                config.symbols());
    }

    private static InsuranceFundUpdated fundUpdate(FundView v) {
        return new InsuranceFundUpdated(v.group(), v.asset(), v.balance(), v.inheritedNotional(), v.capacity(),
                v.openInterest(), v.coverageRatio() == null ? null : v.coverageRatio().max(BigDecimal.ZERO));
    }

    // --- helpers --------------------------------------------------------------------------------

    private String group(String topic, String symbol) {
        return properties.groupOf(symbol).orElseThrow(() -> new ContractViolation(topic, "payload.symbol",
                ContractViolation.Reason.REJECTED_BY_CONSUMER, "symbol '" + symbol + "' belongs to no fund group"));
    }

    private void settlementAsset(String topic, String asset) {
        if (!asset.equals(properties.settlementAsset())) {
            throw new ContractViolation(topic, "payload.asset", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "funds hold " + properties.settlementAsset() + ", not " + asset);
        }
    }

    private void count(String name, String description, String group, String symbol) {
        Counter.builder(name).description(description).tag("group", group).tag("symbol", symbol).register(meters)
                .increment();
    }

    private static String plain(BigDecimal v) {
        return v == null ? null : v.stripTrailingZeros().toPlainString();
    }

    /** A fund group that is not configured. */
    public static final class UnknownFund extends RuntimeException {
        public UnknownFund(String group) {
            super("no fund group '" + group + "'");
        }
    }
}
