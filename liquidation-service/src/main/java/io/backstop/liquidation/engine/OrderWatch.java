package io.backstop.liquidation.engine;

import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.kit.lifecycle.InBatches;
import io.backstop.kit.lifecycle.PeriodicWork;
import io.backstop.kit.outbox.Outbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Orders the exchange has not answered: {@code backstop.liquidation.order-timeout} after an order was sent (and
 * again every timeout after that) liquidation-service asks the exchange what became of it
 * ({@link LiquidationOrderStatusRequested} on {@code liquidation.orders}). The exchange owns the order's fate, so
 * nothing is decided here: its answer is an execution like any other — the one it sent, or a cancel of the whole
 * quantity for an order it never received — and the liquidation goes on from it (next slice, next round, or a
 * shortfall). Asked in the same transaction that records the question, so each question is published once.
 * Counts {@code backstop.liquidation.orders.status.requests}.
 */
public class OrderWatch extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(OrderWatch.class);
    private static final int BATCH = 500;

    private final LiquidationStore store;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Duration timeout;
    private final Counter requests;

    public OrderWatch(LiquidationStore store, Outbox outbox, TransactionTemplate tx, Clock clock, Duration timeout,
                      MeterRegistry meters) {
        super("order-watch");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("backstop.liquidation.order-timeout must be positive, got " + timeout);
        }
        this.store = store;
        this.outbox = outbox;
        this.tx = tx;
        this.clock = clock;
        this.timeout = timeout;
        this.requests = Counter.builder("backstop.liquidation.orders.status.requests")
                .description("Questions to the exchange about orders it had not answered within the order timeout")
                .register(meters);
    }

    @Override
    protected void schedule(Schedule schedule) {
        Duration every = timeout.dividedBy(2).isZero() ? timeout : timeout.dividedBy(2);
        schedule.every("unanswered orders", every, every, () -> {
            try {
                askDue();
            } catch (RuntimeException e) {
                log.warn("asking the exchange about unanswered orders failed (next run retries): {}", e.toString());
            }
        });
    }

    /** Asks about every order unanswered for the timeout; returns how many questions went out. */
    public int askDue() {
        return InBatches.drain(tx, BATCH, () -> ask(clock.instant()));
    }

    private int ask(Instant now) {
        List<LiquidationStore.Unanswered> due = store.unansweredSince(now.minus(timeout), BATCH);
        for (LiquidationStore.Unanswered o : due) {
            int attempt = o.statusRequests() + 1;
            log.warn("order {} of liquidation {} unanswered by the exchange; asking what became of it (question {})",
                    o.id(), o.liquidationId(), attempt);
            outbox.append(LiquidationOrderStatusRequested.ask(o.id(), o.liquidationId(), OrderOwner.ACCOUNT, o.symbol(),
                    o.side(), o.quantity(), attempt, now));
            store.statusRequested(o.id(), now);
        }
        requests.increment(due.size());
        return due.size();
    }
}
