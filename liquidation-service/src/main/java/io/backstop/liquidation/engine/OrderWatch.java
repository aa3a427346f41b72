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
 * Only asked once the exchange's own progress says the order will not be answered otherwise: it answered an order sent
 * later, or nothing for the timeout ({@link ExchangeAnswers}); an order in the backlog of an exchange that is behind
 * waits for its answer. Counts {@code backstop.liquidation.orders.status.requests}, and
 * {@code backstop.liquidation.orders.status.withheld} for each pass over an order left in such a backlog.
 */
public class OrderWatch extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(OrderWatch.class);
    private static final int BATCH = 500;

    private final LiquidationStore store;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Duration timeout;
    private final ExchangeAnswers answers;
    private final Counter requests;
    private final Counter withheld;

    public OrderWatch(LiquidationStore store, Outbox outbox, TransactionTemplate tx, Clock clock, Duration timeout,
                      ExchangeAnswers answers, MeterRegistry meters) {
        super("order-watch");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("backstop.liquidation.order-timeout must be positive, got " + timeout);
        }
        this.store = store;
        this.outbox = outbox;
        this.tx = tx;
        this.clock = clock;
        this.timeout = timeout;
        this.answers = answers;
        this.withheld = Counter.builder("backstop.liquidation.orders.status.withheld")
                .description("Passes over an unanswered order not asked about: the exchange is answering earlier orders")
                .register(meters);
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

    /** Asks about every order unanswered for the timeout and overdue; returns how many questions went out. */
    public int askDue() {
        // again while a whole batch was asked; orders withheld stay as they are, so taking them again would not end
        return InBatches.drain(tx, BATCH, () -> ask(clock.instant()));
    }

    private int ask(Instant now) {
        List<LiquidationStore.Unanswered> unanswered = store.unansweredSince(now.minus(timeout), BATCH);
        List<LiquidationStore.Unanswered> due = unanswered.stream()
                .filter(o -> answers.overdue(o.symbol(), o.askedAt(), now, timeout)).toList();
        withheld.increment(unanswered.size() - due.size());
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
