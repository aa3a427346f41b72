package io.backstop.kit.lifecycle;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.context.SmartLifecycle;

/**
 * Housekeeping on one daemon scheduler thread, started and stopped with the application context:
 * subclasses schedule their tasks in {@link #schedule}. A task must catch its own failures (a thrown
 * exception would cancel its later runs).
 */
public abstract class PeriodicWork implements SmartLifecycle {

    private final String name;
    private volatile ScheduledExecutorService scheduler;

    protected PeriodicWork(String name) {
        this.name = name;
    }

    protected abstract void schedule(ScheduledExecutorService scheduler);

    @Override
    public void start() {
        ScheduledExecutorService created = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        schedule(created);
        scheduler = created;
    }

    @Override
    public void stop() {
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        ScheduledExecutorService s = scheduler;
        return s != null && !s.isShutdown();
    }
}
