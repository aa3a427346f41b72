package io.backstop.kit.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The platform's clock on simulated time: it reads what the simulation last stepped it to and never
 * moves by itself, so the same inputs at the same simulated times give the same decisions on any machine.
 * Thread-safe; time only moves forward.
 */
public final class SimulatedClock extends Clock {

    private volatile Instant now;

    public SimulatedClock(Instant start) {
        this.now = start;
    }

    /** Moves the clock to {@code time}; the same time again is allowed, an earlier one is refused. */
    public synchronized void advanceTo(Instant time) {
        if (time.isBefore(now)) {
            throw new TimeGoesForward(now, time);
        }
        now = time;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the simulated clock is UTC only");
    }

    /** A step to a time before the clock's: simulated time only moves forward. */
    public static final class TimeGoesForward extends RuntimeException {
        public TimeGoesForward(Instant now, Instant asked) {
            super("the platform's simulated clock is at " + now + "; it cannot step back to " + asked);
        }
    }
}
