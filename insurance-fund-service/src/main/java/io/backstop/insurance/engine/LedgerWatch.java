package io.backstop.insurance.engine;

import io.backstop.kit.lifecycle.PeriodicWork;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs the ledger check ({@code GET /api/v1/ledger/check}: every transaction balanced, every stored balance equal
 * to its postings, every asset summing to zero, every fund equal to its ledger account) on a schedule, so a
 * ledger that stops balancing pages someone ({@code BackstopLedgerNotClean}) and shows on the status page,
 * instead of waiting for someone to ask. Gauge {@code backstop.insurance.ledger.differences}: what the last check
 * found (0 clean; absent until the first check).
 */
public class LedgerWatch extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(LedgerWatch.class);

    private final InsuranceStore store;
    private final TransactionTemplate readOnly;
    private final Duration every;
    private final AtomicLong differences = new AtomicLong(-1);

    public LedgerWatch(InsuranceStore store, TransactionTemplate tx, Duration every, MeterRegistry meters) {
        super("ledger-watch");
        this.store = store;
        this.readOnly = new TransactionTemplate(tx.getTransactionManager());
        this.readOnly.setReadOnly(true);
        this.every = every;
        Gauge.builder("backstop.insurance.ledger.differences", differences,
                        d -> d.get() < 0 ? Double.NaN : d.get())
                .description("Differences the last ledger check found (0: the ledger balances)").register(meters);
    }

    @Override
    protected void schedule(Schedule schedule) {
        schedule.every("ledger check", every, every, this::check);
    }

    /** One check now; what it found is the gauge's value. */
    public List<InsuranceStore.Difference> check() {
        try {
            List<InsuranceStore.Difference> found = readOnly.execute(status -> store.check());
            differences.set(found.size());
            if (!found.isEmpty()) {
                log.error("the ledger check found {} differences, the first: {}", found.size(), found.get(0));
            }
            return found;
        } catch (RuntimeException e) {
            log.warn("the ledger check failed (the next run retries): {}", e.toString());
            return List.of();
        }
    }
}
