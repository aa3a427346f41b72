package io.backstop.kit.time;

import java.time.Instant;
import java.util.Optional;

/**
 * Work a service does at every step of simulated time, after the step's events have been taken in: what
 * its own threads do on the system clock (placing due orders, committing decided prices, relaying the
 * outbox), done here at a moment that depends only on simulated time. Beans of this type are stepped in
 * {@link #stepOrder()}, lowest first; the periodic tasks of {@link io.backstop.kit.lifecycle.PeriodicWork}
 * run at {@link #TIMERS}.
 */
public interface SimulatedWork {

    /** Engines that apply what the step's events left pending (prices). */
    int APPLY = 100;
    /** Decisions due at the step's time (liquidation rounds, scheduled slices). */
    int DECIDE = 200;
    /** The periodic tasks. */
    int TIMERS = 300;
    /** Writers that commit what was decided to the outbox. */
    int COMMIT = 900;
    /** The outbox relay, last: everything the step decided is published before the step ends. */
    int PUBLISH = 1000;

    /** Runs the work due at {@code now}. */
    void step(Instant now);

    /**
     * The next simulated moment this work must run even if no event arrives (a slice scheduled after its
     * cooldown, say), if any: the simulation is stepped to it.
     */
    default Optional<Instant> deadline() {
        return Optional.empty();
    }

    /**
     * The next simulated moment this work has something to do without a new event (snapshots due, say), if any:
     * the service is stepped at the first step at or after it, but no step is made for it. Its deadline, by
     * default. A service with nothing due and no new events has nothing to do at a step: the lab may skip it.
     */
    default Optional<Instant> due() {
        return deadline();
    }

    default int stepOrder() {
        return DECIDE;
    }

    /** What this work published to Kafka at its last step (the outbox relay's; nothing for the others). */
    default Published publishedAtLastStep() {
        return Published.NONE;
    }
}
