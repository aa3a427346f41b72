package io.backstop.oracle.publish;

import io.backstop.events.EventEnvelope;
import io.backstop.kit.outbox.Outbox;
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

    private final ConcurrentLinkedQueue<PriceSnapshot> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final PriceHistory history;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final int maxBatch;
    private final Timer tickToPublish;

    public PricePublisher(PriceHistory history, Outbox outbox, TransactionTemplate tx, Clock clock, int maxBatch,
                          MeterRegistry meters) {
        super("price-publisher", Duration.ofSeconds(15));
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
        queue.add(price);
        queued.incrementAndGet();
        wakeUp();
    }

    /** Simulated time: commits every price the step decided, before the outbox is relayed. */
    @Override
    public void step(java.time.Instant now) {
        int committed;
        do {
            committed = flush();
        } while (committed > 0);
    }

    @Override
    public int stepOrder() {
        return COMMIT;
    }

    @Override
    protected boolean loopsWhenSimulated() {
        return false;
    }

    /** Writes everything queued now; returns how many prices were committed. */
    public int flush() {
        List<PriceSnapshot> batch = new ArrayList<>();
        for (PriceSnapshot p = queue.peek(); p != null && batch.size() < maxBatch; p = queue.peek()) {
            batch.add(queue.poll());
        }
        if (batch.isEmpty()) {
            return 0;
        }
        try {
            write(batch);
        } catch (RuntimeException e) {
            // put them back in front, in order, and let the caller retry later
            List<PriceSnapshot> rest = new ArrayList<>(queue);
            queue.clear();
            queue.addAll(batch);
            queue.addAll(rest);
            throw e;
        }
        queued.addAndGet(-batch.size());
        var now = clock.instant();
        for (PriceSnapshot p : batch) {
            if (p.tickReceivedAt() != null) {
                tickToPublish.record(Duration.between(p.tickReceivedAt(), now));
            }
        }
        return batch.size();
    }

    private void write(List<PriceSnapshot> batch) {
        List<EventEnvelope<?>> events = new ArrayList<>(batch.size());
        for (PriceSnapshot p : batch) {
            events.add(PriceEvents.event(p));
        }
        tx.executeWithoutResult(status -> {
            history.insertAll(batch);
            outbox.appendAll(events);
        });
    }

    @Override
    protected void loop() {
        long backoff = 50;
        while (running() || !queue.isEmpty()) {
            try {
                if (flush() == 0) {
                    if (!running()) {
                        return;
                    }
                    LockSupport.parkNanos(this, Duration.ofMillis(50).toNanos());
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
