package io.backstop.liquidation.engine;

import io.backstop.kit.lifecycle.DedicatedThread;
import io.backstop.kit.time.SimulatedWork;
import io.backstop.liquidation.plan.CallPriority;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works the queue of liquidations in priority order (most underwater first, then largest; see
 * {@link CallPriority}), one round at a time, and places scheduled slices when their cooldown has
 * passed. The queue is rebuilt from PostgreSQL on start, so nothing queued is lost with the process. The thread
 * knows when the next slice is due (its own rounds say when they schedule one) and reads it from PostgreSQL once a
 * second besides (another instance's slices, or a stopped one's), so an idle liquidator runs no transaction.
 * Its depth and the age of its oldest entry are metrics. On simulated time there is no thread: each step
 * places the slices due and takes every queued liquidation one round on, most urgent first.
 */
public class Liquidator extends DedicatedThread implements SimulatedWork {

    private static final Logger log = LoggerFactory.getLogger(Liquidator.class);

    private record Entry(CallPriority priority, UUID id, long queuedAtNanos, String traceParent)
            implements Comparable<Entry> {
        @Override
        public int compareTo(Entry other) {
            return priority.compareTo(other.priority);
        }
    }

    private final LiquidationDesk desk;
    private final LiquidationStore store;
    private final PriorityBlockingQueue<Entry> queue = new PriorityBlockingQueue<>();
    private final Timer rounds;
    private final int batchSize;
    private final Clock clock;
    /** On the system clock: the earliest scheduled slice this instance knows of (null for none). */
    private final AtomicReference<Instant> sliceDue = new AtomicReference<>();

    /**
     * @param roundsAtIntake whether a poll takes the rounds it makes due of the liquidations more urgent than anything
     *                       waiting here itself ({@link LiquidationDesk#roundsAtIntake}); never on simulated time, where
     *                       each step's rounds run after its calls and executions are taken in
     */
    public Liquidator(LiquidationDesk desk, LiquidationStore store, int batchSize, boolean roundsAtIntake,
                      Clock clock, MeterRegistry meters) {
        super("liquidator", Duration.ofSeconds(10));
        this.batchSize = batchSize;
        this.desk = desk;
        this.store = store;
        this.clock = clock;
        desk.queueTo(this::add);
        desk.slicesTo(this::sliceScheduled);
        if (roundsAtIntake) {
            desk.roundsAtIntake(() -> !simulated(), this::mostUrgentWaiting, batchSize);
        }
        Gauge.builder("backstop.liquidation.queue.depth", queue, PriorityBlockingQueue::size)
                .description("Liquidations waiting for their next round").register(meters);
        Gauge.builder("backstop.liquidation.queue.oldest.seconds", this, Liquidator::oldestAgeSeconds)
                .description("How long the oldest queued liquidation has waited").register(meters);
        // an IOC order is answered at once; one waiting long means the exchange link is broken: alert on it
        Gauge.builder("backstop.liquidation.orders.open.oldest.seconds", store, LiquidationStore::oldestOpenOrderSeconds)
                .description("How long the oldest order sent to the exchange has waited for its execution")
                .register(meters);
        this.rounds = Timer.builder("backstop.liquidation.rounds")
                .description("One transaction of liquidation rounds (up to batch-size liquidations)")
                .register(meters);
    }

    public void add(LiquidationStore.Queued queued) {
        queue.add(new Entry(queued.priority(), queued.id(),
                System.nanoTime(), queued.traceParent()));
        wakeUp();
    }

    /** The most urgent liquidation waiting for a round here; empty when none waits. */
    private Optional<CallPriority> mostUrgentWaiting() {
        return Optional.ofNullable(queue.peek()).map(Entry::priority);
    }

    /** A round scheduled a slice for {@code notBefore}: the thread places it then. */
    private void sliceScheduled(Instant notBefore) {
        sliceDue.accumulateAndGet(notBefore, (known, due) -> known == null || due.isBefore(known) ? due : known);
        wakeUp();
    }

    /**
     * The most urgent first, all in one transaction; if that fails, one by one, so one bad round holds up no other.
     * Timed on the wall clock whichever clock decides (the loop's or a simulation's step): it is work, not a decision.
     */
    private void advance(List<Entry> batch) {
        long start = System.nanoTime();
        try {
            advanceAll(batch);
        } finally {
            rounds.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private void advanceAll(List<Entry> batch) {
        try {
            Map<UUID, String> traceParents = new HashMap<>();
            batch.stream().filter(e -> e.traceParent() != null).forEach(e -> traceParents.put(e.id(), e.traceParent()));
            desk.advanceAll(batch.stream().map(Entry::id).toList(), traceParents);
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                throw e;
            }
            log.warn("a batch of {} liquidation rounds failed ({}); taking them one by one", batch.size(), e.toString());
            for (Entry entry : batch) {
                try {
                    desk.advanceAll(List.of(entry.id()), entry.traceParent() == null ? Map.of()
                            : Map.of(entry.id(), entry.traceParent()));
                } catch (RuntimeException one) {
                    log.error("liquidation {} round failed; it stays queued in PostgreSQL", entry.id(), one);
                }
            }
        }
    }

    public int depth() {
        return queue.size();
    }

    private double oldestAgeSeconds() {
        long now = System.nanoTime();
        return queue.stream().mapToLong(e -> now - e.queuedAtNanos()).max().orElse(0) / 1e9;
    }

    /** Simulated time: the slices due at {@code now}, then one round of every queued liquidation. */
    @Override
    public void step(Instant now) {
        if (!nextSliceKnown || nextSlice != null && !nextSlice.isAfter(now)) {
            int placed;
            do {
                placed = desk.placeDueSlices(SLICES_PER_TRANSACTION);
            } while (placed == SLICES_PER_TRANSACTION);
            nextSliceKnown = false;
        }
        List<Entry> all = new ArrayList<>();
        Entry next;
        while ((next = queue.poll()) != null) {
            all.add(next);
        }
        for (int from = 0; from < all.size(); from += batchSize) {
            advance(all.subList(from, Math.min(all.size(), from + batchSize)));
        }
        if (!all.isEmpty() || !nextSliceKnown) {
            // only a round or a placed slice changes the schedule: otherwise the last answer stands
            nextSlice = store.nextScheduledSlice().orElse(null);
            nextSliceKnown = true;
        }
    }

    /** Simulated time: when the next scheduled slice is due (null for none), as of the last step. */
    private Instant nextSlice;
    private boolean nextSliceKnown;

    /** The next scheduled slice's time: the simulation steps to it. */
    @Override
    public Optional<Instant> deadline() {
        return Optional.ofNullable(nextSlice);
    }

    @Override
    protected boolean loopsWhenSimulated() {
        return false;
    }

    private static final int SLICES_PER_TRANSACTION = 100;
    /** How often the thread reads the next scheduled slice from PostgreSQL, whatever its own rounds scheduled. */
    private static final Duration SLICE_SWEEP = Duration.ofSeconds(1);

    @Override
    protected void beforeStart() {
        store.queued().forEach(this::add);
        log.info("{} queued liquidations restored", queue.size());
    }

    @Override
    protected void loop() {
        Instant sliceRead = null; // when the next scheduled slice was last read from PostgreSQL
        while (running()) {
            try {
                Instant now = clock.instant();
                Instant due = sliceDue.get();
                boolean sweep = sliceRead == null || !now.isBefore(sliceRead.plus(SLICE_SWEEP));
                if (sweep || due != null && !due.isAfter(now)) {
                    while (desk.placeDueSlices(SLICES_PER_TRANSACTION) == SLICES_PER_TRANSACTION) {
                        // a full transaction of slices: there may be more due
                    }
                    sliceDue.set(store.nextScheduledSlice().orElse(null));
                    sliceRead = now;
                }
                List<Entry> batch = new ArrayList<>();
                Entry next;
                while (batch.size() < batchSize && (next = queue.poll()) != null) {
                    batch.add(next);
                }
                if (!batch.isEmpty()) {
                    advance(batch);
                } else {
                    // until new work (add() wakes the thread), the next slice, or the next read of the slices
                    Instant wake = sliceRead.plus(SLICE_SWEEP);
                    Instant slice = sliceDue.get();
                    if (slice != null && slice.isBefore(wake)) {
                        wake = slice;
                    }
                    long nanos = Duration.between(clock.instant(), wake).toNanos();
                    if (nanos > 0) {
                        LockSupport.parkNanos(this, nanos);
                    }
                }
            } catch (RuntimeException e) {
                // the database is unavailable, say: the queue is rebuilt from PostgreSQL, try again shortly
                log.warn("liquidation round failed, retrying: {}", e.toString());
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                sliceRead = null;
                queue.clear();
                try {
                    store.queued().forEach(this::add);
                } catch (RuntimeException again) {
                    log.warn("cannot reload the queue yet: {}", again.toString());
                }
            }
        }
    }
}
