package io.backstop.margin.engine;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.trading.TradeFilled;
import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.outbox.Outbox;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountPartitions;
import io.backstop.margin.account.MarginEngine;
import io.backstop.margin.account.MarginReview;
import io.backstop.margin.account.Position;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.Quote;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.backstop.kit.lifecycle.DedicatedThread;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The single writer of accounts. Every change (a fill from Kafka, a deposit over REST, a new price)
 * is a task run on the engine's one thread; the tasks queued together form a batch, applied in
 * memory and then committed in ONE PostgreSQL transaction with the eventIds processed (inbox) and the
 * events emitted (outbox). Only after that commit do submitters hear back (and Kafka offsets move).
 * If the commit fails, the touched accounts are reloaded from the database and every task of the
 * batch fails, to be retried: memory never runs ahead of what is stored. Readers get immutable
 * {@link AccountView}s published after each commit and the latest prices. On simulated time, prices
 * wait for the next task or step instead of waking the engine, and snapshots are published at steps, so
 * what the engine decides depends only on the events and the simulated time.
 */
public class AccountEngine extends DedicatedThread implements io.backstop.kit.time.SimulatedWork {

    private static final Logger log = LoggerFactory.getLogger(AccountEngine.class);

    private final MarginEngine margin;
    private final AccountRepository repository;
    private final Inbox inbox;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final String settlementAsset;
    private final int batchSize;
    private final Duration snapshotInterval;

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    // engine thread only
    private final Map<String, Account> accounts = new HashMap<>();
    private final Map<String, Set<String>> accountsByPriceSymbol = new HashMap<>();
    private final Set<String> snapshotDue = new LinkedHashSet<>();
    /**
     * Per account, the last waterfall event applied and not yet covered by a published snapshot: the next
     * snapshot names it as its causation, so the insurance fund knows which of its position adjustments
     * the snapshot already reflects.
     */
    private final Map<String, UUID> waterfallNotSnapshotted = new HashMap<>();
    private final Map<String, Instant> lastSnapshot = new HashMap<>();
    // shared with readers
    private final Map<String, Quote> prices = new ConcurrentHashMap<>();
    private final Map<String, Quote> pendingPrices = new ConcurrentHashMap<>();
    private final Map<String, AccountView> views = new ConcurrentHashMap<>();
    private final AtomicInteger heldScopes = new AtomicInteger();
    private final Map<String, Integer> heldByAccount = new ConcurrentHashMap<>();
    /** Accounts with a scope at or beyond the alert ratio, or not HEALTHY: the at-risk list's candidates. */
    private final Set<String> flagged = ConcurrentHashMap.newKeySet();
    /** The partitions of the account-keyed topics this instance is assigned; it holds their accounts. */
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile int partitionCount;
    private volatile boolean assignedOnce;
    private final io.backstop.margin.screen.ScreenFeed screen;
    private final Map<String, io.backstop.events.oracle.PriceStatus> statusBySymbol = new HashMap<>();

    private final Counter callsIssued;
    private final Counter callsHeld;
    private final Counter duplicates;
    private final MeterRegistry meters;
    private final Map<String, Counter> appliedByTopic = new ConcurrentHashMap<>();
    private final Map<Account.LeaseEnd, Counter> leaseEnds = new ConcurrentHashMap<>();
    private final Timer batchTimer;

    public AccountEngine(MarginEngine margin, AccountRepository repository, Inbox inbox, Outbox outbox,
                         TransactionTemplate tx, Clock clock, String settlementAsset, int batchSize,
                         Duration snapshotInterval, MeterRegistry meters) {
        super("account-engine", Duration.ofSeconds(15));
        this.margin = margin;
        this.repository = repository;
        this.inbox = inbox;
        this.outbox = outbox;
        this.tx = tx;
        this.clock = clock;
        this.settlementAsset = settlementAsset;
        this.batchSize = batchSize;
        this.snapshotInterval = snapshotInterval;
        this.screen = new io.backstop.margin.screen.ScreenFeed(
                new io.backstop.margin.screen.RiskScreen(margin.alertRatio().doubleValue()), margin.calculator(),
                margin.calculator().instruments());
        this.callsIssued = Counter.builder("backstop.margin.calls.issued").description("Margin calls issued")
                .register(meters);
        this.callsHeld = Counter.builder("backstop.margin.calls.held")
                .description("Reviews that held a due margin call because its prices were not trusted")
                .register(meters);
        this.meters = meters;
        this.duplicates = Counter.builder("backstop.margin.events.duplicates")
                .description("Redelivered events recognised and not applied again").register(meters);
        this.batchTimer = Timer.builder("backstop.margin.engine.batch")
                .description("Applying and committing one batch of account changes").register(meters);
        Gauge.builder("backstop.margin.engine.queue", queue, BlockingQueue::size)
                .description("Account changes waiting for the engine").register(meters);
        Gauge.builder("backstop.margin.accounts", views, Map::size).description("Accounts held in memory")
                .register(meters);
        Gauge.builder("backstop.margin.calls.held.open", heldScopes, AtomicInteger::get)
                .description("Margin scopes whose due call is held by the circuit breaker now").register(meters);
    }

    // ---------------------------------------------------------------------------------------------
    // reading (any thread)

    public Optional<AccountView> view(String accountId) {
        return Optional.ofNullable(views.get(accountId));
    }

    public Collection<AccountView> views() {
        return views.values();
    }

    /** True if this instance holds the account's partition now (its accounts are in memory and current). */
    public boolean owns(String accountId) {
        int count = partitionCount;
        return count > 0 && owned.contains(AccountPartitions.partitionOf(accountId, count));
    }

    /** What this instance owns: for readiness, the risk API's misdirected answers and operators. */
    public record Ownership(boolean assigned, int partitionCount, Set<Integer> partitions, int accounts) {
    }

    public Ownership ownership() {
        return new Ownership(assignedOnce, partitionCount, Set.copyOf(new java.util.TreeSet<>(owned)), views.size());
    }

    /** Throws {@link NotOwned} unless this instance holds the account's partition. */
    public void requireOwned(String accountId) {
        if (!owns(accountId)) {
            int count = partitionCount;
            throw new NotOwned(accountId, count > 0 ? AccountPartitions.partitionOf(accountId, count) : -1);
        }
    }

    /**
     * Accounts whose margin ratio reached the alert ratio in a scope at their last review, or whose
     * status is not HEALTHY: what the at-risk list ranks, instead of every account.
     */
    public Collection<String> flaggedAccounts() {
        return java.util.Collections.unmodifiableSet(flagged);
    }

    public PriceBook prices() {
        return symbol -> Optional.ofNullable(prices.get(symbol));
    }

    /** Values a committed account at the latest prices, without touching the engine. */
    public Optional<AccountRisk> risk(String accountId) {
        return view(accountId).map(v -> margin.calculator().assess(v.detached(settlementAsset), prices()));
    }

    public MarginEngine margin() {
        return margin;
    }

    public String settlementAsset() {
        return settlementAsset;
    }

    // ---------------------------------------------------------------------------------------------
    // writing (submitted to the engine thread)

    /** Work run on the engine thread inside a batch. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Batch batch);
    }

    /** Runs {@code work} on the engine thread and waits until its batch is committed. */
    public <T> T call(Work<T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        queue.add(new Task<>(work, future));
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the account engine", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the account engine did not commit within 30 s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * A new oracle price: kept as the symbol's pending price (a newer one replaces it) and applied at
     * the start of the engine's next round, so a burst of prices costs one re-mark per symbol and a
     * failed round never loses one.
     */
    public void price(Quote quote) {
        pendingPrices.merge(quote.symbol(), quote, (old, now) -> now.sequence() > old.sequence() ? now : old);
        if (!simulated()) {
            queue.offer(WAKE_UP);
        }
    }

    private static final Task<Void> WAKE_UP = new Task<>(batch -> null, new CompletableFuture<>());

    /**
     * Applies every pending price, in symbol order, before re-marking any: an account exposed to several of
     * them is reviewed at all of the newest prices, never at a mix of new and old.
     */
    private void applyPendingPrices(Batch batch) {
        List<Quote> applied = new ArrayList<>();
        for (String symbol : new java.util.TreeSet<>(pendingPrices.keySet())) {
            Quote latest = pendingPrices.remove(symbol);
            if (latest == null) {
                continue;
            }
            Quote current = prices.get(symbol);
            if (current == null || current.sequence() < latest.sequence()) {
                prices.put(symbol, latest);
                applied.add(latest);
            }
        }
        for (Quote quote : applied) {
            remark(quote, batch);
        }
    }

    /** The first record of a polled list that was rejected, and why; the ones before it were applied. */
    public record Rejection(int index, RuntimeException reason) {
    }

    /**
     * Applies a polled list of records in one batch (one transaction), each exactly once by its
     * eventId (one inbox query for the list). Stops at the first record rejected by the contract and
     * reports it; what came before is committed, what comes after is left for redelivery.
     */
    public Optional<Rejection> applyAll(List<ConsumerRecord<String, EventEnvelope<?>>> records) {
        if (records.isEmpty()) {
            return Optional.empty();
        }
        return call(batch -> {
            Set<UUID> done = inbox.processedAmong(records.stream().map(r -> r.value().eventId()).toList());
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, EventEnvelope<?>> record = records.get(i);
                EventEnvelope<?> event = record.value();
                if (done.contains(event.eventId()) || batch.seen.contains(event.eventId())) {
                    duplicates.increment();
                    continue;
                }
                int eventsBefore = batch.events.size();
                try {
                    applyPayload(record.topic(), event, batch);
                } catch (ContractViolation | UnknownAccount | IllegalArgumentException rejected) {
                    batch.events.subList(eventsBefore, batch.events.size()).clear();
                    return Optional.of(new Rejection(i, rejected));
                }
                batch.seen.add(event.eventId());
                batch.deliveries.add(new Delivery(event.eventId(), record.topic(), record.partition(), record.offset()));
                batch.applied.merge(record.topic(), 1, Integer::sum);
            }
            return Optional.empty();
        });
    }

    /**
     * Applies an event exactly once, by its eventId; returns false for a redelivery. REST-submitted
     * fills come here too, with partition and offset -1.
     */
    public boolean apply(String topic, int partition, long offset, EventEnvelope<?> event) {
        return call(batch -> {
            if (partition < 0 && event.payload() instanceof TradeFilled fill) {
                requireOwned(fill.accountId()); // submitted over REST: only the owner may apply it
            }
            if (batch.seen.contains(event.eventId()) || !inbox.processedAmong(List.of(event.eventId())).isEmpty()) {
                duplicates.increment();
                return false;
            }
            applyPayload(topic, event, batch);
            batch.seen.add(event.eventId());
            batch.deliveries.add(new Delivery(event.eventId(), topic, partition, offset));
            return true;
        });
    }

    private void applyPayload(String topic, EventEnvelope<?> event, Batch batch) {
        Object payload = event.payload();
        if (payload instanceof TradeFilled fill) {
            Account account = known(topic, fill.accountId());
            knownSymbol(topic, fill.symbol());
            knownAsset(topic, fill.feeAsset());
            batch.trade(account, fill.symbol(), fill.side(), fill.quantity(), fill.price(), fill.marginMode(),
                    fill.fee(), fill.feeAsset(), fill.isolatedMarginDelta());
        } else if (payload instanceof PositionLiquidated fill) {
            Account account = known(topic, fill.accountId());
            Position position = open(topic, account, fill.symbol());
            BigDecimal realized = batch.trade(account, fill.symbol(), fill.side(), fill.quantity(), fill.price(),
                    position.mode(), fill.fee(), settlementAsset, null);
            if (realized.compareTo(fill.realizedPnl()) != 0) {
                log.warn("liquidation fill {} of {}: realized PnL {} here, {} in the event", fill.tradeId(),
                        fill.accountId(), realized, fill.realizedPnl());
            }
        } else if (payload instanceof PositionTakenOver takeover) {
            Account account = known(topic, takeover.accountId());
            Position position = open(topic, account, takeover.symbol());
            batch.changed(account, true);
            account.trade(takeover.symbol(), takeover.positionSide().closingSide(), takeover.quantity(),
                    takeover.price(), position.mode(), BigDecimal.ZERO, settlementAsset, null);
            leaseReleased(account.shortfallClosed(takeover.shortfallId(), takeover.quantity()));
            batch.review(account);
            batch.waterfall.put(account.id(), event.eventId());
        } else if (payload instanceof PositionAutoDeleveraged adl) {
            Account account = known(topic, adl.accountId());
            Position position = open(topic, account, adl.symbol());
            boolean reduces = (position.size().signum() > 0) == (adl.side() == io.backstop.events.Side.SELL);
            if (!reduces || adl.quantity().compareTo(position.size().abs()) > 0) {
                // auto-deleveraging only ever closes: never opens, grows or flips a position
                throw new ContractViolation(topic, "payload.quantity", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                        "ADL " + adl.side() + " " + adl.quantity().toPlainString() + " " + adl.symbol() + " would not"
                                + " close part of " + adl.accountId() + "'s position " + position.size().toPlainString());
            }
            batch.changed(account, true);
            account.trade(adl.symbol(), adl.side(), adl.quantity(), adl.price(), position.mode(), BigDecimal.ZERO,
                    settlementAsset, null);
            if (adl.role() == AdlRole.BANKRUPT) {
                leaseReleased(account.shortfallClosed(adl.shortfallId(), adl.quantity()));
            }
            batch.review(account);
            batch.waterfall.put(account.id(), event.eventId());
        } else if (payload instanceof LossSocialized loss) {
            Account account = known(topic, loss.accountId());
            knownAsset(topic, loss.asset());
            batch.changed(account, true);
            account.debit(loss.asset(), loss.amount());
            batch.review(account);
        } else if (payload instanceof DeficitCovered covered) {
            Account account = known(topic, covered.accountId());
            knownAsset(topic, covered.asset());
            batch.changed(account, true);
            account.deposit(covered.asset(), covered.amount());
            leaseReleased(account.deficitCovered(covered.shortfallId(), covered.amount()));
            batch.review(account);
        } else if (payload instanceof LiquidationEnded ended) {
            // after the liquidation's fills on this partition: they are applied; the review issues the next call
            Account account = known(topic, ended.accountId());
            batch.changed(account, false);
            Account.LeaseEnd end = account.endLiquidation(ended.scope(), ended.marginCallId(), ended.shortfalls());
            countLease(end);
            batch.review(account);
        } else {
            throw new ContractViolation(topic, "type", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "margin-service does not apply " + event.type().wireName());
        }
    }

    /** Counts a lease the waterfall's last outcome released (the review that follows may call the scope again). */
    private void leaseReleased(Optional<String> scope) {
        scope.ifPresent(s -> countLease(Account.LeaseEnd.RELEASED));
    }

    private void countLease(Account.LeaseEnd end) {
        leaseEnds.computeIfAbsent(end, e -> Counter.builder("backstop.margin.leases.ended")
                .description("Liquidation ends and waterfall outcomes applied, by what they did to the scope's lease")
                .tag("result", e.name().toLowerCase(java.util.Locale.ROOT)).register(meters)).increment();
    }

    private Account known(String topic, String accountId) {
        Account account = accounts.get(accountId);
        if (account == null) {
            throw new ContractViolation(topic, "payload.accountId", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "unknown account '" + accountId + "'");
        }
        return account;
    }

    private void knownSymbol(String topic, String symbol) {
        if (margin.calculator().instrument(symbol).isEmpty()) {
            throw new ContractViolation(topic, "payload.symbol", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "symbol '" + symbol + "' is not configured");
        }
    }

    private void knownAsset(String topic, String asset) {
        if (margin.calculator().asset(asset).isEmpty()) {
            throw new ContractViolation(topic, "payload.asset", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "asset '" + asset + "' is not configured");
        }
    }

    private static Position open(String topic, Account account, String symbol) {
        return account.position(symbol).orElseThrow(() -> new ContractViolation(topic, "payload.symbol",
                ContractViolation.Reason.REJECTED_BY_CONSUMER, "account " + account.id() + " holds no " + symbol));
    }

    // --- REST commands ---------------------------------------------------------------------------

    public enum Created { CREATED, EXISTS }

    public Created createAccount(String accountId) {
        return call(batch -> {
            requireOwned(accountId);
            if (accounts.containsKey(accountId)) {
                return Created.EXISTS;
            }
            Account account = new Account(accountId, settlementAsset);
            account.transition(Account.CROSS, io.backstop.margin.account.AccountStatus.HEALTHY, null, false);
            accounts.put(accountId, account);
            batch.changed(account, true);
            batch.created.add(accountId);
            return Created.CREATED;
        });
    }

    public void deposit(String accountId, String asset, BigDecimal amount) {
        call(batch -> {
            requireOwned(accountId);
            Account account = require(accountId);
            requireAsset(asset);
            batch.changed(account, true);
            account.deposit(asset, amount);
            batch.review(account);
            return null;
        });
    }

    /** Outcome of a withdrawal request: a value, not an exception (the refusal is a business answer). */
    public record Withdrawal(Result result, BigDecimal shortfall, String detail) {
        public enum Result { ACCEPTED, REJECTED_INITIAL_MARGIN, REJECTED_BALANCE, REJECTED_UNPRICED }
    }

    public Withdrawal withdraw(String accountId, String asset, BigDecimal amount) {
        return call(batch -> {
            requireOwned(accountId);
            Account account = require(accountId);
            requireAsset(asset);
            if (account.balance(asset).compareTo(amount) < 0) {
                return new Withdrawal(Withdrawal.Result.REJECTED_BALANCE, amount.subtract(account.balance(asset)),
                        "the " + asset + " balance is " + account.balance(asset).toPlainString());
            }
            AccountRisk before = margin.calculator().assess(account, prices());
            if (!before.priced() || !before.untrusted().isEmpty()) {
                return new Withdrawal(Withdrawal.Result.REJECTED_UNPRICED, null, "prices needed to check margin are"
                        + " not available or not trusted: " + union(before.missing(), before.untrusted()));
            }
            BigDecimal price = margin.calculator().asset(asset).filter(a -> !a.settlement())
                    .map(a -> prices.get(a.priceSymbol()).index()).orElse(BigDecimal.ONE);
            BigDecimal haircut = margin.calculator().asset(asset).orElseThrow().haircut();
            BigDecimal valueOut = amount.multiply(price).multiply(BigDecimal.ONE.subtract(haircut));
            BigDecimal shortfall = valueOut.subtract(before.available());
            if (shortfall.signum() > 0 && !account.positions().isEmpty()) {
                return new Withdrawal(Withdrawal.Result.REJECTED_INITIAL_MARGIN, shortfall, "the withdrawal would"
                        + " leave equity " + shortfall.toPlainString() + " " + settlementAsset + " below initial margin");
            }
            batch.changed(account, true);
            account.withdraw(asset, amount);
            batch.review(account);
            return new Withdrawal(Withdrawal.Result.ACCEPTED, null, null);
        });
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }

    private Account require(String accountId) {
        Account account = accounts.get(accountId);
        if (account == null) {
            throw new UnknownAccount(accountId);
        }
        return account;
    }

    private void requireAsset(String asset) {
        if (margin.calculator().asset(asset).isEmpty()) {
            throw new IllegalArgumentException("asset '" + asset + "' is not configured");
        }
    }

    /** An account this service does not hold. */
    public static final class UnknownAccount extends RuntimeException {
        public UnknownAccount(String accountId) {
            super("no account '" + accountId + "'");
        }
    }

    /** An account on a partition another instance owns, or asked before this one owns any (partition -1). */
    public static final class NotOwned extends RuntimeException {
        private final String accountId;
        private final int partition;

        public NotOwned(String accountId, int partition) {
            super(partition < 0
                    ? "this instance owns no partitions yet; account '" + accountId + "' cannot be served now"
                    : "account '" + accountId + "' is on partition " + partition
                            + " of the account topics, which another instance owns");
            this.accountId = accountId;
            this.partition = partition;
        }

        public String accountId() {
            return accountId;
        }

        public int partition() {
            return partition;
        }
    }

    // --- re-marking and snapshots ----------------------------------------------------------------

    /**
     * Re-marks what a new price touches. The screen updates every exposed scope in doubles and names
     * those whose band moved; only they are reviewed exactly. A symbol seen for the first time, or
     * whose status changed (trusted again: held calls may now be issued), reviews all its accounts.
     */
    private void remark(Quote quote, Batch batch) {
        io.backstop.events.oracle.PriceStatus previous = statusBySymbol.put(quote.symbol(), quote.status());
        boolean firstOrStatusChange = previous != quote.status();
        Set<String> toReview = new LinkedHashSet<>();
        screen.price(quote, toReview::add);
        if (firstOrStatusChange) {
            toReview.addAll(accountsByPriceSymbol.getOrDefault(quote.symbol(), Set.of()));
        }
        log.debug("price {} {} {} seq {} -> review {}", quote.symbol(), quote.mark(), quote.status(), quote.sequence(),
                toReview);
        for (String id : toReview) {
            Account account = accounts.get(id);
            if (account != null) {
                batch.review(account);
            }
        }
    }

    private void snapshots(Batch batch) {
        Instant now = clock.instant();
        for (var it = snapshotDue.iterator(); it.hasNext(); ) {
            String id = it.next();
            Instant last = lastSnapshot.get(id);
            if (last != null && Duration.between(last, now).compareTo(snapshotInterval) < 0) {
                continue;
            }
            Account account = accounts.get(id);
            AccountRisk risk = margin.calculator().assess(account, prices());
            if (risk.priced()) {
                UUID causation = batch.waterfall.containsKey(id) ? batch.waterfall.get(id)
                        : waterfallNotSnapshotted.get(id);
                batch.events.add(MarginEvents.snapshot(risk, account.version(), now, causation));
                batch.snapshotted.add(id);
                lastSnapshot.put(id, now);
                it.remove();
            }
        }
    }

    private void index(Account account) {
        Set<String> symbols = new HashSet<>();
        account.balances().keySet().forEach(asset -> margin.calculator().asset(asset)
                .filter(a -> !a.settlement()).ifPresent(a -> symbols.add(a.priceSymbol())));
        account.positions().keySet().forEach(symbol -> margin.calculator().instrument(symbol)
                .ifPresent(i -> symbols.add(i.priceSymbol())));
        accountsByPriceSymbol.values().forEach(ids -> ids.remove(account.id()));
        symbols.forEach(s -> accountsByPriceSymbol.computeIfAbsent(s, k -> new LinkedHashSet<>()).add(account.id()));
    }

    // ---------------------------------------------------------------------------------------------
    // the batch and the loop

    record Delivery(UUID eventId, String topic, int partition, long offset) {
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> future) {
    }

    /** What one batch changed and will commit. */
    public final class Batch {
        final Set<UUID> seen = new HashSet<>();
        final List<Delivery> deliveries = new ArrayList<>();
        final Map<String, Account> dirty = new LinkedHashMap<>();
        final List<EventEnvelope<?>> events = new ArrayList<>();
        final Set<String> created = new HashSet<>();
        final Set<String> structural = new HashSet<>();
        final Map<String, Integer> applied = new HashMap<>();
        /** The last waterfall event (takeover, ADL, deficit, loss) applied to each account in this batch. */
        final Map<String, UUID> waterfall = new HashMap<>();
        /** Accounts whose snapshot this batch publishes. */
        final Set<String> snapshotted = new HashSet<>();

        void changed(Account account, boolean structuralChange) {
            dirty.put(account.id(), account);
            if (structuralChange) {
                structural.add(account.id());
            }
        }

        BigDecimal trade(Account account, String symbol, Side side, BigDecimal quantity, BigDecimal price,
                         io.backstop.events.MarginMode mode, BigDecimal fee, String feeAsset, BigDecimal isolatedDelta) {
            changed(account, true); // before the change: a failure reloads it
            BigDecimal realized = account.trade(symbol, side, quantity, price, mode, fee, feeAsset, isolatedDelta);
            review(account);
            return realized;
        }

        /** Re-evaluates the account's margin at current prices; queues any call it issues. */
        void review(Account account) {
            var statusBefore = account.status();
            MarginReview review = margin.review(account, prices());
            log.debug("review {}: {} -> {}, equity {}, maintenance {}, {} calls", account.id(), statusBefore,
                    account.status(), review.risk().equity(), review.risk().maintenanceMargin(), review.calls().size());
            flag(account, screen.register(account, review.risk(), prices()));
            if (review.statusChanged() || !review.calls().isEmpty()) {
                changed(account, false);
            }
            for (MarginReview.Call call : review.calls()) {
                events.add(MarginEvents.call(account, call, clock.instant()));
                callsIssued.increment();
            }
            if (!review.held().isEmpty()) {
                callsHeld.increment(review.held().size());
            }
        }
    }

    /** When the last round that published snapshots ran (written by the engine thread only). */
    private volatile Instant lastSnapshotRound;

    private boolean snapshotRoundDue() {
        Instant now = clock.instant();
        if (lastSnapshotRound == null) {
            lastSnapshotRound = now;
        }
        return Duration.between(lastSnapshotRound, now).compareTo(snapshotInterval) > 0;
    }

    /**
     * Simulated time: one round at the step, after the step's events: the prices they left pending are
     * applied, and snapshots are published when their interval has passed.
     */
    @Override
    public void step(Instant now) {
        call(batch -> null);
    }

    @Override
    public int stepOrder() {
        return APPLY;
    }

    /** Simulated time: snapshots to publish are due when their interval has passed since the last round's. */
    @Override
    public Optional<Instant> due() {
        Instant last = lastSnapshotRound;
        return snapshotDue.isEmpty() || last == null ? Optional.empty()
                : Optional.of(last.plus(snapshotInterval).plusNanos(1));
    }

    @Override
    protected void loop() {
        List<Task<?>> tasks = new ArrayList<>(batchSize);
        while (running() || !queue.isEmpty()) {
            try {
                Task<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null && simulated()) {
                    continue; // on simulated time the engine works on tasks only: events, commands, a step's round
                }
                boolean snapshotRound = snapshotRoundDue();
                if (first == null && !snapshotRound && pendingPrices.isEmpty()) {
                    continue;
                }
                tasks.clear();
                if (first != null) {
                    tasks.add(first);
                    queue.drainTo(tasks, batchSize - 1);
                }
                run(tasks, snapshotRound);
                if (snapshotRound) {
                    lastSnapshotRound = clock.instant();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                // never leave a submitter waiting: fail what this round took, and go on
                log.error("account engine round failed", e);
                for (Task<?> task : tasks) {
                    task.future.completeExceptionally(e);
                }
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void run(List<Task<?>> tasks, boolean snapshotRound) {
        long start = System.nanoTime();
        Batch batch = new Batch();
        List<Object> results = new ArrayList<>(tasks.size());
        List<Throwable> failures = new ArrayList<>(tasks.size());
        RuntimeException aborted = null;
        try {
            applyPendingPrices(batch);
        } catch (RuntimeException e) {
            log.error("re-marking failed; the batch is rolled back and retried", e);
            aborted = e;
        }
        for (Task<?> task : aborted == null ? tasks : List.<Task<?>>of()) {
            int eventsBefore = batch.events.size();
            try {
                results.add(task.work.run(batch));
                failures.add(null);
            } catch (ContractViolation | UnknownAccount | NotOwned | IllegalArgumentException rejected) {
                // a rejection is decided before anything changes: the rest of the batch goes on
                batch.events.subList(eventsBefore, batch.events.size()).clear();
                results.add(null);
                failures.add(rejected);
            } catch (RuntimeException e) {
                log.error("account task failed unexpectedly; the batch is rolled back and retried", e);
                aborted = e;
                break;
            }
        }
        if (aborted != null) {
            reload(batch.dirty.keySet(), batch.created);
            for (Task<?> task : tasks) {
                task.future.completeExceptionally(aborted);
            }
            return;
        }
        if (snapshotRound) {
            snapshots(batch);
        }
        try {
            if (!batch.dirty.isEmpty() || !batch.events.isEmpty() || !batch.deliveries.isEmpty()) {
                tx.executeWithoutResult(status -> {
                    for (Delivery d : batch.deliveries) {
                        inbox.recordFirstDelivery(d.eventId(), d.topic(), d.partition(), d.offset());
                    }
                    repository.saveAll(batch.dirty.values(), partitionCount);
                    outbox.appendAll(batch.events);
                });
            }
        } catch (RuntimeException e) {
            log.warn("committing {} account changes failed; reloading them: {}", batch.dirty.size(), e.toString());
            reload(batch.dirty.keySet(), batch.created);
            for (Task<?> task : tasks) {
                task.future.completeExceptionally(e);
            }
            return;
        }
        // committed: what the published snapshots named is covered; what they did not is still to be named
        batch.waterfall.forEach((id, eventId) -> {
            if (accounts.containsKey(id)) {
                waterfallNotSnapshotted.put(id, eventId);
            }
        });
        batch.snapshotted.forEach(waterfallNotSnapshotted::remove);
        for (Account account : batch.dirty.values()) {
            if (accounts.get(account.id()) != account) {
                continue; // dropped in this batch: its partition went elsewhere
            }
            publish(account);
            if (batch.structural.contains(account.id())) {
                index(account);
                snapshotDue.add(account.id());
            }
        }
        for (int i = 0; i < tasks.size(); i++) {
            CompletableFuture future = tasks.get(i).future;
            if (failures.get(i) == null) {
                future.complete(results.get(i));
            } else {
                future.completeExceptionally(failures.get(i));
            }
        }
        batch.applied.forEach((topic, count) -> appliedByTopic.computeIfAbsent(topic, t -> Counter
                .builder("backstop.margin.events.applied").description("Consumed events applied (committed), by topic")
                .tag("topic", t).register(meters)).increment(count));
        batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    private void reload(Set<String> ids, Set<String> created) {
        for (String id : ids) {
            accounts.remove(id);
            unpublish(id);
            screen.forget(id);
            flagged.remove(id);
        }
        for (Account account : repository.load(ids)) {
            accounts.put(account.id(), account);
            publish(account);
            flag(account, screen.register(account, margin.calculator().assess(account, prices()), prices()));
        }
        created.forEach(id -> {
            if (!accounts.containsKey(id)) {
                accountsByPriceSymbol.values().forEach(s -> s.remove(id));
            }
        });
        // the reloaded status may be behind the prices: review them again in a batch of their own
        queue.add(new Task<>(batch -> {
            ids.stream().map(accounts::get).filter(java.util.Objects::nonNull).forEach(batch::review);
            return null;
        }, new CompletableFuture<>()));
    }

    /** Makes the committed account visible to readers; keeps the held-calls gauge in step. */
    private void publish(Account account) {
        AccountView view = AccountView.of(account);
        views.put(account.id(), view);
        int held = view.heldScopes().size();
        Integer before = held == 0 ? heldByAccount.remove(account.id()) : heldByAccount.put(account.id(), held);
        heldScopes.addAndGet(held - (before == null ? 0 : before));
    }

    private void unpublish(String accountId) {
        views.remove(accountId);
        Integer before = heldByAccount.remove(accountId);
        if (before != null) {
            heldScopes.addAndGet(-before);
        }
    }

    private void flag(Account account, byte worstBand) {
        if (worstBand != io.backstop.margin.screen.RiskScreen.HEALTHY
                || account.status() != io.backstop.margin.account.AccountStatus.HEALTHY) {
            flagged.add(account.id());
        } else {
            flagged.remove(account.id());
        }
    }

    // --- partition ownership ---------------------------------------------------------------------

    /**
     * Takes over the accounts of newly assigned partitions (of {@code count} partitions): accounts
     * held that are no longer owned are dropped; those stored with another version than the one held
     * (changed by the instance that owned them meanwhile), or not held at all, are loaded from
     * PostgreSQL and reviewed at the current prices. Blocks until done; called from the consumer's
     * rebalance callback, before any record of those partitions is delivered.
     */
    public void assign(Set<Integer> partitions, int count) {
        call(batch -> {
            if (partitionCount != count) {
                if (partitionCount != 0) {
                    log.warn("the account topics now have {} partitions instead of {}: every account is re-placed",
                            count, partitionCount);
                }
                owned.clear();
                partitionCount = count;
            }
            owned.addAll(partitions);
            int dropped = 0;
            for (String id : new ArrayList<>(accounts.keySet())) {
                if (!owned.contains(AccountPartitions.partitionOf(id, count))) {
                    drop(id);
                    dropped++;
                }
            }
            Map<String, Long> stored = repository.versions(owned, count);
            List<String> stale = stored.entrySet().stream().filter(e -> {
                Account held = accounts.get(e.getKey());
                return held == null || held.version() != e.getValue();
            }).map(Map.Entry::getKey).toList();
            for (Account account : repository.load(stale)) {
                drop(account.id());
                accounts.put(account.id(), account);
                publish(account);
                index(account);
                if (!statusBySymbol.isEmpty()) {
                    batch.review(account);
                }
            }
            assignedOnce = true;
            log.info("owning partitions {} of {}: {} accounts held, {} loaded, {} dropped", new java.util.TreeSet<>(owned),
                    count, accounts.size(), stale.size(), dropped);
            return null;
        });
    }

    /**
     * Partitions taken away: their accounts are no longer served (REST answers 421) but stay in memory
     * until the next assignment decides, so a partition given straight back costs no reload; whatever
     * another owner changed meanwhile is reloaded by version then.
     */
    public void revoke(Set<Integer> partitions) {
        owned.removeAll(partitions);
        log.info("partitions {} revoked; still owning {}", partitions, new java.util.TreeSet<>(owned));
    }

    private void drop(String accountId) {
        if (accounts.remove(accountId) == null) {
            return;
        }
        unpublish(accountId);
        screen.forget(accountId);
        flagged.remove(accountId);
        accountsByPriceSymbol.values().forEach(ids -> ids.remove(accountId));
        snapshotDue.remove(accountId);
        lastSnapshot.remove(accountId);
        waterfallNotSnapshotted.remove(accountId);
    }

    /** Starts before the listeners (which submit to it) and stops after them. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 500;
    }
}
