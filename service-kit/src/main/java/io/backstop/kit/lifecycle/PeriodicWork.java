package io.backstop.kit.lifecycle;

import io.backstop.kit.time.Simulation;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.springframework.context.SmartLifecycle;

/**
 * Housekeeping on the platform's time, started and stopped with the application context: subclasses
 * put their tasks on the {@link Schedule} they are given in {@link #schedule}. On the system clock the
 * tasks run on one daemon thread of their own; on simulated time they run at the simulation's steps
 * once they are due (see {@link Simulation}). A task must catch its own failures (a thrown exception
 * would cancel its later runs on the system clock).
 */
public abstract class PeriodicWork implements SmartLifecycle {

    /** Where a subclass puts its tasks. */
    public interface Schedule {

        /** Runs {@code task} first after {@code initialDelay}, then {@code period} after each run. */
        Periodic every(String name, Duration initialDelay, Duration period, Runnable task);

        /** Like {@link #every}, but on the system clock runs start {@code period} apart (fixed rate). */
        Periodic atRate(String name, Duration initialDelay, Duration period, Runnable task);
    }

    /** A scheduled task. */
    public interface Periodic {

        /**
         * On simulated time: while {@code condition} holds, the task's next run is a deadline the simulation
         * steps to even when no event arrives (the fund unwinding what it holds, say). Without it, a task
         * runs at the first step at or after it is due. Ignored on the system clock, where time flows anyway.
         */
        Periodic wakesWhen(BooleanSupplier condition);
    }

    private final String name;
    private volatile ScheduledExecutorService scheduler;
    private volatile Simulation simulation;
    private volatile boolean running;

    protected PeriodicWork(String name) {
        this.name = name;
    }

    protected abstract void schedule(Schedule schedule);

    /** Simulated time: the tasks run at the simulation's steps instead of on a thread (set before start). */
    public void runOn(Simulation simulation) {
        this.simulation = simulation;
    }

    @Override
    public void start() {
        Simulation simulated = simulation;
        if (simulated != null) {
            schedule(simulated.schedule(name));
        } else {
            ScheduledExecutorService created = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            schedule(onThread(created));
            scheduler = created;
        }
        running = true;
    }

    /** A task on the system clock: time flows by itself, so no condition changes when it runs. */
    private static final Periodic ON_THREAD = new Periodic() {
        @Override
        public Periodic wakesWhen(BooleanSupplier condition) {
            return this;
        }
    };

    private static Schedule onThread(ScheduledExecutorService executor) {
        return new Schedule() {
            @Override
            public Periodic every(String name, Duration initialDelay, Duration period, Runnable task) {
                executor.scheduleWithFixedDelay(task, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
                return ON_THREAD;
            }

            @Override
            public Periodic atRate(String name, Duration initialDelay, Duration period, Runnable task) {
                executor.scheduleAtFixedRate(task, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
                return ON_THREAD;
            }
        };
    }

    @Override
    public void stop() {
        running = false;
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdownNow();
        }
        Simulation simulated = simulation;
        if (simulated != null) {
            simulated.cancel(name);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
