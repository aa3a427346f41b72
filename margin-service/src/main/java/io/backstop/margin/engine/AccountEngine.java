package io.backstop.margin.engine;

import io.backstop.events.ContractViolation;
import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.lifecycle.DedicatedThread;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.time.SimulatedWork;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.margin.account.Account;
import io.backstop.margin.decision.MarginEvents;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.decision.SnapshotSchedule;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.margin.risk.Quote;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The single writer of accounts. Every change (a fill from Kafka, a deposit over REST, a new price)
 * is a task run on the engine's one thread; the tasks queued together form a batch, applied in
 * memory and then committed in ONE PostgreSQL transaction with the eventIds processed (inbox) and the
 * events emitted (outbox). Only after that commit do submitters hear back (and Kafka offsets move).
 * If the commit fails, the touched accounts are reloaded from the database and every task of the
 * batch fails, to be retried: memory never runs ahead of what is stored. While the database cannot
 * answer, the accounts stay held and every task fails at once ({@link FailedBatches}); {@link EngineHealth}
 * makes the service not ready meanwhile, and not alive if it lasts. Readers get immutable
 * {@link AccountView}s published after each commit and the latest prices ({@link AccountReads}). On
 * simulated time, prices wait for the next task or step instead of waking the engine, and snapshots are
 * published at steps, so what the engine decides depends only on the events and the simulated time.
 * What the tasks decide is decided in {@code io.backstop.margin.decision}; this class queues, commits and
 * publishes.
 */
public class AccountEngine extends DedicatedThread implements SimulatedWork {

    private static final Logger log = LoggerFactory.getLogger(AccountEngine.class);
    /**
     * How many backlogged accounts a round reviews in full (a takeover's, a first price's): at 15-50 us a review,
     * a round stays well under a second, and commands and fills queued meanwhile join the next one. A round also
     * takes up to {@link HeldAccounts#SCREENED_PER_REVIEW} times as many accounts from the backlog, those the screen
     * finds clearly healthy costing a few microseconds each.
     */
    static final int REVIEWS_PER_ROUND = 5_000;
    /**
     * How long a round may review on live time: the accounts a price's screen named, then the backlog, for this long
     * from the round's start, and the backlog for at least as long as the round's tasks took (the fills and ends of a
     * cascade, the commands), up to {@link #BACKLOG_TIME_LIMIT}, so that reviews keep a share of a busy engine. On two
     * cores shared with the rest of a cascade, {@link #REVIEWS_PER_ROUND} took 3-28 s a round, and a command queued
     * behind it waited for that round and its own, past its 30 s; 100 ms, with the tasks, left the backlog a sixth of
     * the engine (docs/capacity.md, <i>Commands answered while a shocked base is marked</i>). A round then commits, and
     * the commands and fills queued meanwhile join the next one; the accounts left wait, the named ones first. On
     * simulated time a round reviews them all.
     */
    static final Duration REVIEW_TIME_PER_ROUND = Duration.ofMillis(250);
    /**
     * The most time a live round's backlog is given past {@link #REVIEW_TIME_PER_ROUND} to match its tasks: matching
     * the whole round before it, unbounded, doubled a long phase of prices, and a round on a starved JVM reached 16.8 s
     * (docs/capacity.md, <i>The round's bound as a whole</i>).
     */
    static final Duration BACKLOG_TIME_LIMIT = Duration.ofSeconds(1);

    /** What a caller the engine could not serve is told to wait before asking again. */
    private static final Duration BUSY_RETRY = Duration.ofSeconds(1);

    private final AccountRepository repository;
    private final Inbox inbox;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final int batchSize;
    private final AccountReads reads;
    private final SnapshotSchedule snapshots;
    private final HeldAccounts held;

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final EngineHealth health = new EngineHealth();
    private final FailedBatches failedBatches;
    private final Map<String, PendingPrice> pendingPrices = new ConcurrentHashMap<>();
    private final EventTracing tracing;

    private final MeterRegistry meters;
    private final Map<String, Counter> appliedByTopic = new ConcurrentHashMap<>();
    private final Timer batchTimer;
    private final Timer tickToCall;

    public AccountEngine(MarginEngine margin, AccountReads reads, AccountRepository repository, Inbox inbox,
                         Outbox outbox, TransactionTemplate tx, Clock clock, int batchSize, Duration snapshotInterval,
                         MeterRegistry meters) {
        this(margin, reads, repository, inbox, outbox, tx, clock, batchSize, snapshotInterval, meters,
                EventTracing.NONE);
    }

    public AccountEngine(MarginEngine margin, AccountReads reads, AccountRepository repository, Inbox inbox,
                         Outbox outbox, TransactionTemplate tx, Clock clock, int batchSize, Duration snapshotInterval,
                         MeterRegistry meters, EventTracing tracing) {
        super("account-engine", Duration.ofSeconds(15));
        this.tracing = tracing;
        this.repository = repository;
        this.inbox = inbox;
        this.outbox = outbox;
        this.tx = tx;
        this.clock = clock;
        this.batchSize = batchSize;
        this.reads = reads;
        this.snapshots = new SnapshotSchedule(snapshotInterval);
        this.held = new HeldAccounts(margin, reads, snapshots, clock, meters);
        this.failedBatches = new FailedBatches(repository, held, health);
        this.meters = meters;
        this.batchTimer = Timer.builder("backstop.margin.engine.batch")
                .description("Applying and committing one batch of account changes").register(meters);
        this.tickToCall = Timer.builder("backstop.margin.tick.to.call")
                .description("From the oracle time of the price that took a scope below maintenance to its margin call"
                        + " (committed)")
                .serviceLevelObjectives(Duration.ofSeconds(1)).publishPercentileHistogram().register(meters);
        Gauge.builder("backstop.margin.engine.queue", queue, BlockingQueue::size)
                .description("Account changes waiting for the engine").register(meters);
        Gauge.builder("backstop.margin.reviews.pending", held, HeldAccounts::backlogSize)
                .description("Accounts waiting for a full review after a takeover or a symbol's first or changed"
                        + " price status, or named by a price's screen and not reviewed yet").register(meters);
    }

    /** Whether batches are being committed: for readiness and liveness. */
    public EngineHealth health() {
        return health;
    }

    /** Accounts waiting for a full review (a takeover's, a symbol's first price's), as of the last round. */
    public int reviewsPending() {
        return held.backlogSize();
    }

    /** Work run on the engine thread inside a batch. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Batch batch);
    }

    /** Runs {@code work} on the engine thread and waits until its batch is committed (at most 30 s). */
    public <T> T call(Work<T> work) {
        return call(work, Duration.ofSeconds(30));
    }

    /** Runs {@code work} on the engine thread and waits until its batch is committed, at most {@code limit}. */
    public <T> T call(Work<T> work, Duration limit) {
        CompletableFuture<T> future = new CompletableFuture<>();
        queue.add(new Task<>(work, future, tracing.traceParent(), io.backstop.kit.audit.AuditedCall.current()));
        try {
            return future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the account engine", e);
        } catch (TimeoutException e) {
            throw new EngineBusy("the account engine did not commit within " + limit + " (" + queue.size()
                    + " changes queued); the command may still be applied: ask again (a deposit or withdrawal sent"
                    + " with the same Idempotency-Key is applied once)", BUSY_RETRY, e);
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
        pendingPrices.merge(quote.symbol(), new PendingPrice(quote, tracing.traceParent()),
                (old, now) -> now.quote().sequence() > old.quote().sequence() ? now : old);
        if (!simulated()) {
            queue.offer(WAKE_UP);
        }
    }

    private static final Task<Void> WAKE_UP = new Task<>(batch -> null, new CompletableFuture<>(), null, null);

    /** A symbol's newest price waiting for the next round, with the trace of the price event that brought it. */
    private record PendingPrice(Quote quote, String traceParent) {
    }

    /**
     * Applies every pending price, in symbol order, before re-marking any: an account exposed to several of
     * them is reviewed at all of the newest prices, never at a mix of new and old.
     */
    private void applyPendingPrices(Batch batch, HeldAccounts.ReviewTime time) {
        List<PendingPrice> applied = new ArrayList<>();
        for (String symbol : new TreeSet<>(pendingPrices.keySet())) {
            PendingPrice latest = pendingPrices.remove(symbol);
            if (latest != null && reads.price(latest.quote())) {
                applied.add(latest);
            }
        }
        for (PendingPrice price : applied) {
            // the calls this price raises continue its trace: tick -> price -> re-mark -> call
            try (EventTracing.Scope traced = tracing.continuing(price.traceParent(), "remark")) {
                traced.tag("backstop.symbol", price.quote().symbol());
                int before = batch.events.size();
                held.remark(price.quote(), batch, time);
                batch.traced(before, tracing.traceParent());
            }
        }
    }

    /**
     * How long a step may wait for its round: on simulated time a round reviews the whole backlog, which after a
     * takeover of 1.6M accounts takes tens of seconds, and the replay waits for the step (up to 10 min), so the
     * step waits too rather than failing after a command's 30 s.
     */
    static final Duration STEP_LIMIT = Duration.ofMinutes(5);

    /**
     * Simulated time: one round at the step, after the step's events: the prices they left pending are
     * applied, and snapshots are published when their interval has passed.
     */
    @Override
    public void step(Instant now) {
        call(batch -> null, STEP_LIMIT);
    }

    @Override
    public int stepOrder() {
        return APPLY;
    }

    /** Simulated time: snapshots to publish are due when their interval has passed since the last round's. */
    @Override
    public Optional<Instant> due() {
        return snapshots.due();
    }

    @Override
    protected void loop() {
        List<Task<?>> tasks = new ArrayList<>(batchSize);
        while (running() || !queue.isEmpty()) {
            try {
                // while accounts wait for their review, rounds follow each other: only tasks already queued join them
                // (on simulated time every round reviews the whole backlog, and rounds run on tasks only)
                Task<?> first = held.reviewsDue() && !simulated() ? queue.poll()
                        : queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null && simulated()) {
                    continue; // on simulated time the engine works on tasks only: events, commands, a step's round
                }
                boolean snapshotRound = snapshots.roundDue(clock.instant());
                if (first == null && !snapshotRound && pendingPrices.isEmpty() && health.failing().isEmpty()
                        && !held.reviewsDue()) {
                    continue;
                }
                tasks.clear();
                if (first != null) {
                    tasks.add(first);
                    queue.drainTo(tasks, batchSize - 1);
                }
                run(tasks, snapshotRound);
                if (snapshotRound) {
                    snapshots.roundRan(clock.instant());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                // never leave a submitter waiting: fail what this round took, and go on
                log.error("account engine round failed", e);
                health.failed(e, failedBatches.pending());
                for (Task<?> task : tasks) {
                    task.future.completeExceptionally(e);
                }
            }
        }
    }

    /**
     * When a live round's backlog stops taking accounts, on {@link System#nanoTime()}: at the round's own time
     * ({@code until}), or later by as long as its tasks took (from {@code tasksStart} to {@code now}) but at most
     * {@link #BACKLOG_TIME_LIMIT}, so that reviews keep a share of an engine busy with fills without holding a command
     * for seconds. The prices' reviews are not matched: they are reviews already.
     */
    static long backlogUntil(long until, long tasksStart, long now) {
        long matched = now + Math.min(now - tasksStart, BACKLOG_TIME_LIMIT.toNanos());
        return matched - until > 0 ? matched : until;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void run(List<Task<?>> tasks, boolean snapshotRound) {
        long start = System.nanoTime();
        if (!reviewed(failedBatches.reload())) {
            EngineBusy waiting = new EngineBusy("the account engine is reloading " + failedBatches.pending()
                    + " account(s) from PostgreSQL after a failed commit; retry later", BUSY_RETRY, null);
            tasks.forEach(task -> task.future.completeExceptionally(waiting));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // the database is likely down: do not spin
            return;
        }
        long until = start + REVIEW_TIME_PER_ROUND.toNanos();
        HeldAccounts.ReviewTime pricesTime = simulated() ? HeldAccounts.ReviewTime.unbounded()
                : new HeldAccounts.ReviewTime(() -> System.nanoTime() - until > 0);
        Batch batch = new Batch(held);
        List<Object> results = new ArrayList<>(tasks.size());
        List<Throwable> failures = new ArrayList<>(tasks.size());
        RuntimeException aborted = null;
        try {
            applyPendingPrices(batch, pricesTime);
        } catch (RuntimeException e) {
            log.error("re-marking failed; the batch is rolled back and retried", e);
            aborted = e;
        }
        long tasksStart = System.nanoTime();
        // the audited calls whose work changed an account: their audit rows commit with the batch
        List<io.backstop.kit.audit.AuditedCall> audited = new ArrayList<>();
        for (Task<?> task : aborted == null ? tasks : List.<Task<?>>of()) {
            int eventsBefore = batch.events.size();
            int changesBefore = batch.changes;
            try {
                results.add(task.work.run(batch));
                batch.traced(eventsBefore, task.traceParent());
                failures.add(null);
                if (task.audit() != null && batch.changes > changesBefore) {
                    audited.add(task.audit());
                }
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
        if (aborted == null) {
            try {
                // after the tasks, so that a takeover's accounts start in its own round; on simulated time the whole
                // backlog in this round, so that outcomes do not depend on the size of a slice
                if (simulated()) {
                    held.reviewBacklog(batch, Integer.MAX_VALUE);
                } else {
                    long backlogUntil = backlogUntil(until, tasksStart, System.nanoTime());
                    held.reviewBacklog(batch, REVIEWS_PER_ROUND,
                            new HeldAccounts.ReviewTime(() -> System.nanoTime() - backlogUntil > 0));
                }
            } catch (RuntimeException e) {
                log.error("reviewing backlogged accounts failed; the batch is rolled back and retried", e);
                aborted = e;
            }
        }
        if (aborted != null) {
            reviewed(failedBatches.failed(batch.dirty.keySet(), batch.created, aborted));
            for (Task<?> task : tasks) {
                task.future.completeExceptionally(aborted);
            }
            return;
        }
        if (snapshotRound) {
            SnapshotSchedule.Round round = snapshots.take(clock.instant(), held::get,
                    account -> reads.margin().calculator().assess(account, reads.prices()));
            batch.events.addAll(round.events());
        }
        try {
            // while rounds fail, even one with nothing to write commits: it proves PostgreSQL answers again
            if (!batch.dirty.isEmpty() || !batch.events.isEmpty() || !batch.deliveries.isEmpty()
                    || health.failing().isPresent()) {
                tx.executeWithoutResult(status -> {
                    recordDeliveries(batch);
                    repository.saveAll(batch.dirty.values(), reads.partitionCount());
                    outbox.appendOutgoing(batch.outgoing());
                    audited.forEach(io.backstop.kit.audit.AuditedCall::carryInCurrentTransaction);
                });
                health.committed();
            }
        } catch (RuntimeException e) {
            log.warn("committing {} account changes failed; reloading them: {}", batch.dirty.size(), e.toString());
            reviewed(failedBatches.failed(batch.dirty.keySet(), batch.created, e));
            for (Task<?> task : tasks) {
                task.future.completeExceptionally(e);
            }
            return;
        }
        for (Account account : batch.dirty.values()) {
            if (held.get(account.id()) != account) {
                continue; // dropped in this batch: its partition went elsewhere
            }
            held.committed(account, batch.structural.contains(account.id()));
        }
        for (int i = 0; i < tasks.size(); i++) {
            CompletableFuture future = tasks.get(i).future;
            if (failures.get(i) == null) {
                future.complete(results.get(i));
            } else {
                future.completeExceptionally(failures.get(i));
            }
        }
        // the calls committed: a batch rolled back and retried issues its calls again, and they are timed then
        batch.events.forEach(event -> MarginEvents.tickToCall(event).ifPresent(tickToCall::record));
        batch.applied.forEach((topic, count) -> appliedByTopic.computeIfAbsent(topic, t -> Counter
                .builder("backstop.margin.events.applied").description("Consumed events applied (committed), by topic")
                .tag("topic", t).register(meters)).increment(count));
        batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /**
     * Records the batch's events in the inbox. Each was checked unprocessed before it was applied, and
     * only this engine writes its partitions' events: one already recorded means another writer applied
     * it meanwhile (a replica that lost the partition and does not know it yet), so the batch fails and
     * its accounts are reloaded as that writer left them.
     */
    private void recordDeliveries(Batch batch) {
        Set<UUID> first = inbox.recordFirstDeliveries(batch.deliveries);
        if (first.size() != batch.deliveries.size()) {
            throw new IllegalStateException((batch.deliveries.size() - first.size())
                    + " event(s) of the batch were recorded meanwhile by another writer; not committing");
        }
    }

    /**
     * Accounts reloaded after a failed batch: their stored status may be behind the prices, so they are reviewed
     * again in a batch of their own. False while they could not be reloaded.
     */
    private boolean reviewed(Optional<Set<String>> reloaded) {
        reloaded.filter(ids -> !ids.isEmpty()).ifPresent(ids -> queue.add(new Task<>(batch -> {
            ids.stream().map(held::get).filter(Objects::nonNull).forEach(batch::review);
            return null;
        }, new CompletableFuture<>(), null, null)));
        return reloaded.isPresent();
    }

    /** Work for the engine's thread, with the trace context of whoever submitted it (events it emits continue it). */
    /** {@code audit}: the audited API call that submitted the work, whose row commits with the batch; else null. */
    private record Task<T>(Work<T> work, CompletableFuture<T> future, String traceParent,
                           io.backstop.kit.audit.AuditedCall audit) {
    }

    /** Starts before the listeners (which submit to it) and stops after them. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 500;
    }
}
