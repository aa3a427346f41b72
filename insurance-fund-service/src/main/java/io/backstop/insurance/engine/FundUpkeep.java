package io.backstop.insurance.engine;

import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.kit.lifecycle.PeriodicWork;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The fund's periodic work: recompute open interest; unwind inherited positions a slice at a time. */
public class FundUpkeep extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(FundUpkeep.class);

    private final InsuranceDesk desk;
    private final OpenInterest openInterest;
    private final InsuranceProperties properties;

    private final InsuranceStore store;
    private final java.time.Clock clock;

    public FundUpkeep(InsuranceDesk desk, OpenInterest openInterest, InsuranceProperties properties,
                      InsuranceStore store, java.time.Clock clock) {
        super("fund-upkeep");
        this.store = store;
        this.clock = clock;
        this.desk = desk;
        this.openInterest = openInterest;
        this.properties = properties;
    }

    @Override
    protected void schedule(ScheduledExecutorService scheduler) {
        long oi = properties.openInterestRefresh().toMillis();
        scheduler.scheduleWithFixedDelay(() -> run("refreshing open interest", openInterest::refresh), 0, oi,
                TimeUnit.MILLISECONDS);
        long expiry = properties.pendingExpiry().toMillis();
        scheduler.scheduleWithFixedDelay(() -> run("expiring unconfirmed position changes",
                () -> store.expirePending(clock.instant().minus(properties.pendingExpiry()))), expiry, expiry / 4,
                TimeUnit.MILLISECONDS);
        if (properties.unwind().enabled()) {
            long every = properties.unwind().interval().toMillis();
            scheduler.scheduleWithFixedDelay(() -> run("unwinding inherited positions", desk::unwindDue), every, every,
                    TimeUnit.MILLISECONDS);
        }
    }

    private static void run(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("{} failed (next run retries): {}", what, e.toString());
        }
    }
}
