package io.backstop.kit.time;

import io.backstop.kit.lifecycle.PeriodicWork;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.springframework.beans.factory.ObjectProvider;

/**
 * A service on simulated time. The stress lab steps it: at each step the clock moves to the step's time,
 * the service takes in every event published before the step began (up to the end offsets the lab read
 * then, in an order that is a function of the data: see {@link EventDriver}), then does the work due at
 * that time in a fixed order ({@link SimulatedWork} beans by {@link SimulatedWork#stepOrder()}, the periodic
 * tasks at {@link SimulatedWork#TIMERS} in the order they were scheduled) and publishes what it decided
 * before the step returns. Nothing runs between steps, so what the service decides depends only on the
 * events and the simulated times, never on how fast the machine is. One step at a time.
 */
public final class Simulation {

    /** What one step did, for the lab. */
    public record Step(Instant time, int events, Map<String, Integer> eventsByTopic, int published,
                       Map<String, Map<Integer, Long>> publishedEnds, Instant deadline, Instant due,
                       long dispatchMicros, long workMicros, long fetchMicros, long deliverMicros, long commitMicros) {
    }

    private final SimulatedClock clock;
    private final ObjectProvider<SimulatedWork> work;
    private final ObjectProvider<EventDriver> driver;
    private final Timer stepTimer;
    private final List<Task> tasks = new ArrayList<>();

    public Simulation(SimulatedClock clock, ObjectProvider<SimulatedWork> work, ObjectProvider<EventDriver> driver,
                      MeterRegistry meters) {
        this.clock = clock;
        this.work = work;
        this.driver = driver;
        this.stepTimer = Timer.builder("backstop.simulation.step")
                .description("Wall time of one step of simulated time: taking the events in, the due work, publishing")
                .register(meters);
    }

    public Instant now() {
        return clock.instant();
    }

    /** The topics this service takes in at its steps (full names). */
    public java.util.Set<String> topics() {
        return driver.getObject().topics();
    }

    /**
     * Steps to {@code time}: the clock moves there, the events up to {@code endOffsets} (full topic name to
     * the end offset of each partition) are taken in, the due work is done and published.
     *
     * @throws SimulatedClock.TimeGoesForward if {@code time} is before the clock
     */
    public synchronized Step step(Instant time, Map<String, List<Long>> endOffsets) {
        long start = System.nanoTime();
        clock.advanceTo(time);
        EventDriver.Dispatched dispatched = driver.getObject().dispatch(endOffsets);
        long dispatchedAt = System.nanoTime();
        List<SimulatedWork> ordered = work.orderedStream().sorted(Comparator.comparingInt(SimulatedWork::stepOrder))
                .toList();
        boolean timersRun = false;
        for (SimulatedWork w : ordered) {
            if (!timersRun && w.stepOrder() >= SimulatedWork.TIMERS) {
                runTimers(time);
                timersRun = true;
            }
            w.step(time);
        }
        if (!timersRun) {
            runTimers(time);
        }
        Instant deadline = null;
        Instant due = null;
        Published published = Published.NONE;
        for (SimulatedWork w : ordered) {
            deadline = earliest(deadline, w.deadline().orElse(null));
            due = earliest(due, w.due().orElse(null));
            published = published.plus(w.publishedAtLastStep());
        }
        for (Task task : tasks) {
            due = earliest(due, task.next);
            if (task.wakesWhen.getAsBoolean()) {
                deadline = earliest(deadline, task.next);
            }
        }
        due = earliest(due, deadline);
        // only now: what the step took in has had its effect saved (a step that failed commits them when asked again)
        long committing = System.nanoTime();
        driver.getObject().commitOffsets();
        long end = System.nanoTime();
        stepTimer.record(end - start, TimeUnit.NANOSECONDS);
        return new Step(time, dispatched.events(), dispatched.byTopic(), published.events(), published.ends(), deadline,
                due,
                (dispatchedAt - start) / 1000, (end - dispatchedAt) / 1000, dispatched.fetchMicros(),
                dispatched.deliverMicros(), (end - committing) / 1000);
    }

    private void runTimers(Instant now) {
        for (Task task : tasks) {
            if (!task.next.isAfter(now)) {
                task.run.run();
                task.next = now.plus(task.period);
            }
        }
    }

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    /** Where {@code owner}'s periodic tasks go on simulated time: they run at the first step at or after they are due. */
    public PeriodicWork.Schedule schedule(String owner) {
        return new PeriodicWork.Schedule() {
            @Override
            public PeriodicWork.Periodic every(String name, Duration initialDelay, Duration period, Runnable task) {
                return add(new Task(owner, name, clock.instant().plus(initialDelay), period, task));
            }

            @Override
            public PeriodicWork.Periodic atRate(String name, Duration initialDelay, Duration period, Runnable task) {
                return every(name, initialDelay, period, task); // on simulated time a run takes no time
            }
        };
    }

    private synchronized Task add(Task task) {
        tasks.add(task);
        return task;
    }

    /** Removes {@code owner}'s periodic tasks (it stopped). */
    public synchronized void cancel(String owner) {
        tasks.removeIf(t -> t.owner.equals(owner));
    }

    /** A periodic task on simulated time. */
    private static final class Task implements PeriodicWork.Periodic {
        final String owner;
        final String name;
        final Duration period;
        final Runnable run;
        Instant next;
        volatile BooleanSupplier wakesWhen = () -> false;

        Task(String owner, String name, Instant first, Duration period, Runnable run) {
            this.owner = owner;
            this.name = name;
            this.next = first;
            this.period = period;
            this.run = run;
        }

        @Override
        public PeriodicWork.Periodic wakesWhen(BooleanSupplier condition) {
            this.wakesWhen = condition;
            return this;
        }

        @Override
        public String toString() {
            return owner + "/" + name + " next " + next;
        }
    }
}
