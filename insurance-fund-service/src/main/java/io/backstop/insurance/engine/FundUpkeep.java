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

    public FundUpkeep(InsuranceDesk desk, OpenInterest openInterest, InsuranceProperties properties) {
        super("fund-upkeep");
        this.desk = desk;
        this.openInterest = openInterest;
        this.properties = properties;
    }

    @Override
    protected void schedule(ScheduledExecutorService scheduler) {
        long oi = properties.openInterestRefresh().toMillis();
        scheduler.scheduleWithFixedDelay(() -> run("refreshing open interest", openInterest::refresh), 0, oi,
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
