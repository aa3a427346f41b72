package io.backstop.oracle;

import io.backstop.oracle.history.PriceHistory;
import io.backstop.oracle.pricing.PricingEngine;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.backstop.kit.lifecycle.PeriodicWork;

/** Re-evaluates every symbol a few times a second (staleness, heartbeats), and purges old history hourly. */
class EvaluationTimer extends PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(EvaluationTimer.class);

    private final PricingEngine engine;
    private final PriceHistory history;
    private final Duration interval;
    private final Duration retention;
    private final Clock clock;

    EvaluationTimer(PricingEngine engine, PriceHistory history, Duration interval, Duration retention, Clock clock) {
        super("oracle-timer");
        this.engine = engine;
        this.history = history;
        this.interval = interval;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    protected void schedule(Schedule schedule) {
        schedule.atRate("evaluation", interval, interval, this::evaluate);
        schedule.every("history purge", Duration.ofMinutes(1), Duration.ofHours(1), this::purge);
    }

    private void evaluate() {
        try {
            engine.evaluateAll();
        } catch (RuntimeException e) {
            log.error("periodic evaluation failed", e);
        }
    }

    private void purge() {
        try {
            int purged = history.purgeOlderThan(clock.instant().minus(retention));
            if (purged > 0) {
                log.info("purged {} prices older than {}", purged, retention);
            }
        } catch (RuntimeException e) {
            log.warn("history purge failed: {}", e.toString());
        }
    }
}
