package io.backstop.insurance.engine;

import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.kit.lifecycle.PeriodicWork;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fund's periodic work: recompute open interest; unwind inherited positions a slice at a time; ask the exchange
 * about unwinding orders it has not answered.
 */
public class FundUpkeep extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(FundUpkeep.class);

    private final InsuranceDesk desk;
    private final OpenInterest openInterest;
    private final InsuranceProperties properties;
    private final UnansweredOrders unanswered;

    public FundUpkeep(InsuranceDesk desk, OpenInterest openInterest, InsuranceProperties properties,
                      UnansweredOrders unanswered) {
        super("fund-upkeep");
        this.desk = desk;
        this.openInterest = openInterest;
        this.properties = properties;
        this.unanswered = unanswered;
    }

    @Override
    protected void schedule(Schedule schedule) {
        schedule.every("open interest", Duration.ZERO, properties.openInterestRefresh(),
                () -> run("refreshing open interest", openInterest::refresh));
        if (properties.unwind().enabled()) {
            Duration every = properties.unwind().interval();
            // on simulated time the unwinding keeps its pace while the fund holds something to unwind
            schedule.every("unwind", every, every, () -> run("unwinding inherited positions", desk::unwindDue))
                    .wakesWhen(desk::holdsInventory);
            Duration check = unanswered.timeout().dividedBy(2).isZero() ? unanswered.timeout()
                    : unanswered.timeout().dividedBy(2);
            schedule.every("unanswered orders", check, check,
                    () -> run("asking about unanswered orders", unanswered::askDue));
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
