package io.backstop.oracle.publish;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.oracle.history.PriceHistory;
import io.backstop.oracle.pricing.PriceEvents;
import io.backstop.oracle.pricing.PriceSink;
import io.backstop.oracle.pricing.PriceSnapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.backstop.kit.lifecycle.DedicatedThread;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes prices: a writer thread takes what the pricers decided to publish and, in one database
 * transaction per batch, records them in the price history and appends their events to the outbox.
 * History and {@code oracle.prices} therefore hold exactly the same prices, and one insert serves
 * many prices. A failed batch is retried, never dropped. The pricers never wait on the database. On
 * simulated time there is no writer thread: each step commits what the step decided, in order.
 */
public class PricePublisher extends DedicatedThread implements PriceSink, io.backstop.kit.time.SimulatedWork {

    private static final Logger log = LoggerFactory.getLogger(PricePublisher.class);

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final PriceHistory history;
    private final Outbox outbox;
    private final EventTracing tracing;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final int maxBatch;
    private final Timer tickToPublish;
    private volatile Runnable saveStates;
    private volatile Duration saveEvery = Duration.ofSeconds(5);
    private java.time.Instant lastSaved;

    public PricePublisher(PriceHistory history, Outbox outbox, TransactionTemplate tx, Clock clock, int maxBatch,
                          MeterRegistry meters) {
        this(history, outbox, tx, clock, maxBatch, meters, EventTracing.NONE);
    }

    public PricePublisher(PriceHistory history, Outbox outbox, TransactionTemplate tx, Clock clock, int maxBatch,
                          MeterRegistry meters, EventTracing tracing) {
        super("price-publisher", Duration.ofSeconds(15));
        this.tracing = tracing;
        this.history = history;
        this.outbox = outbox;
        this.tx = tx;
        this.clock = clock;
        this.maxBatch = maxBatch;
        this.tickToPublish = Timer.builder("backstop.oracle.tick.to.publish")
                .description("From a venue tick's arrival to the commit of the price it moved (history + outbox)")
                .publishPercentileHistogram()
                .register(meters);
        Gauge.builder("backstop.oracle.publish.queue", queued, AtomicInteger::get)
                .description("Prices decided but not yet committed for publication").register(meters);
    }

    @Override
    public void publish(PriceSnapshot price) {
        queue.add(new Pending(price, tracing.traceParent())); // the tick's trace, when a tick moved the price
        queued.incrementAndGet();
        wakeUp();
    }

    /**
     * Saves every pricer's state: on simulated time in the transaction that commits a step's prices (so a restarted
     * oracle continues from exactly the step it last committed), on the system clock every {@code every}.
     */
    public void saveStatesWith(Runnable save, Duration every) {
        this.saveStates = save;
        this.saveEvery = every;
    }

    /**
     * Simulated time: commits every price the step decided, and the pricers' state after the step, in one
     * transaction, before the outbox is relayed.
     */
    @Override
    public void step(java.time.Instant now) {
        Runnable save = saveStates;
        commit(take(Integer.MAX_VALUE), save == null ? () -> { } : save);
    }

    @Override
    public int stepOrder() {
        return COMMIT;
    }

    @Override
    protected boolean loopsWhenSimulated() {
        return false;
    }

    /** Writes everything queued now, in batches of one transaction each; returns how many prices were committed. */
    public int flush() {
        List<Pending> batch = take(maxBatch);
        if (batch.isEmpty()) {
            return 0;
        }
        commit(batch, () -> { });
        return batch.size();
    }

    /**
     * Writes {@code prices} (history and outbox, {@code maxBatch} rows a statement) and runs {@code alsoInTx}, in
     * one transaction; if it fails the prices go back in front of the queue, in order, for the caller to retry.
     */
    private void commit(List<Pending> prices, Runnable alsoInTx) {
        try {
            tx.executeWithoutResult(status -> {
                for (int from = 0; from < prices.size(); from += maxBatch) {
                    write(prices.subList(from, Math.min(prices.size(), from + maxBatch)));
                }
                alsoInTx.run();
            });
        } catch (RuntimeException e) {
            putBack(prices);
            throw e;
        }
        committed(prices);
    }

    private List<Pending> take(int max) {
        List<Pending> batch = new ArrayList<>();
        for (Pending p = queue.peek(); p != null && batch.size() < max; p = queue.peek()) {
            batch.add(queue.poll());
        }
        return batch;
    }

    /** Puts prices whose write failed back in front, in order, for the caller to retry later. */
    private void putBack(List<Pending> batch) {
        List<Pending> rest = new ArrayList<>(queue);
        queue.clear();
        queue.addAll(batch);
        queue.addAll(rest);
    }

    private void committed(List<Pending> batch) {
        queued.addAndGet(-batch.size());
        var now = clock.instant();
        for (PriceSnapshot p : batch.stream().map(Pending::price).toList()) {
            if (p.tickReceivedAt() != null) {
                tickToPublish.record(Duration.between(p.tickReceivedAt(), now));
            }
        }
    }

    /** History and outbox, in the caller's transaction. */
    private void write(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<Outbox.Outgoing> events = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            events.add(new Outbox.Outgoing(PriceEvents.event(p.price()), p.traceParent()));
        }
        history.insertAll(batch.stream().map(Pending::price).toList());
        outbox.appendOutgoing(events);
    }

    /** A price decided, waiting for its commit, with the trace context it was decided in (null for a timer's). */
    private record Pending(PriceSnapshot price, String traceParent) {
    }

    /** On the system clock: the pricers' state every {@code saveEvery}, in a transaction of its own. */
    private void saveStatesIfDue() {
        java.time.Instant now = clock.instant();
        if (saveStates != null && (lastSaved == null || !now.isBefore(lastSaved.plus(saveEvery)))) {
            tx.executeWithoutResult(status -> saveStates.run());
            lastSaved = now;
        }
    }

    @Override
    protected void loop() {
        long backoff = 50;
        while (running() || !queue.isEmpty()) {
            try {
                saveStatesIfDue();
                if (flush() == 0) {
                    if (!running()) {
                        return;
                    }
                    awaitWakeUp(Duration.ofMillis(50)); // at once if a price came while the last one was written
                }
                backoff = 50;
            } catch (RuntimeException e) {
                log.warn("publishing {} prices failed, retrying in {} ms: {}", queued.get(), backoff, e.toString());
                LockSupport.parkNanos(this, Duration.ofMillis(backoff).toNanos());
                backoff = Math.min(backoff * 2, 5_000);
                if (!running() && backoff >= 5_000) {
                    log.error("stopping with {} prices unpublished; they are re-derived from ticks after restart",
                            queued.get());
                    return;
                }
            }
        }
    }

    /** Below the listeners' phase: started before them, stopped after them, so the last prices go out. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 500;
    }
}
