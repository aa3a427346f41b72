package io.backstop.insurance.engine;

import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.insurance.fund.FundOrder;
import io.backstop.insurance.fund.UnwindDecider;
import io.backstop.kit.lifecycle.InBatches;
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
 * The fund's unwinding orders the exchange has not answered: {@code backstop.insurance.unwind.order-timeout} after
 * one was placed (and again every timeout after that) the fund asks the exchange what became of it
 * ({@link LiquidationOrderStatusRequested}). The exchange owns the order's fate: its answer is an execution like any
 * other (the one it sent, or a cancel of the whole quantity for an order it never received), which closes the order
 * and lets the next slice of that symbol go out. Counts {@code backstop.insurance.orders.status.requests}.
 */
public class UnansweredOrders {

    private static final Logger log = LoggerFactory.getLogger(UnansweredOrders.class);
    private static final int BATCH = 200;

    private final InsuranceStore store;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Duration timeout;
    private final Counter requests;

    public UnansweredOrders(InsuranceStore store, Outbox outbox, TransactionTemplate tx, Clock clock, Duration timeout,
                            MeterRegistry meters) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("backstop.insurance.unwind.order-timeout must be positive, got "
                    + timeout);
        }
        this.store = store;
        this.outbox = outbox;
        this.tx = tx;
        this.clock = clock;
        this.timeout = timeout;
        this.requests = Counter.builder("backstop.insurance.orders.status.requests")
                .description("Questions to the exchange about unwinding orders it had not answered within the timeout")
                .register(meters);
    }

    public Duration timeout() {
        return timeout;
    }

    /** Asks about every order unanswered for the timeout; returns how many questions went out. */
    public int askDue() {
        return InBatches.drain(tx, BATCH, () -> ask(clock.instant()));
    }

    private int ask(Instant now) {
        List<InsuranceStore.Unanswered> due = store.unansweredSince(now.minus(timeout), BATCH);
        for (InsuranceStore.Unanswered u : due) {
            FundOrder o = u.order();
            int attempt = u.statusRequests() + 1;
            log.warn("unwinding order {} ({} {}) unanswered by the exchange; asking what became of it (question {})",
                    o.id(), o.group(), o.symbol(), attempt);
            outbox.append(LiquidationOrderStatusRequested.ask(o.id(), UnwindDecider.unwindId(o.group(), o.symbol()),
                    OrderOwner.INSURANCE_FUND, o.symbol(), o.side(), o.quantity(), attempt, now));
            store.statusRequested(o.id(), now);
        }
        requests.increment(due.size());
        return due.size();
    }
}
