package io.backstop.kit.lifecycle;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.springframework.context.SmartLifecycle;

/**
 * A component that owns one daemon thread for its whole life (a relay, a writer, a single-writer
 * engine): started and stopped with the application context in its phase, woken by
 * {@link #wakeUp()}, and given a bounded time to finish its {@link #loop()} on shutdown. On simulated
 * time ({@link #simulated()}), a component whose work is driven by the simulation's steps instead
 * ({@link #loopsWhenSimulated()} false) starts no thread.
 */
public abstract class DedicatedThread implements SmartLifecycle {

    private final String name;
    private final Duration stopTimeout;
    private volatile Thread thread;
    private volatile boolean running;
    private volatile boolean simulated;
    /** Set by {@link #wakeUp()}, taken by {@link #awaitWakeUp}: a wake-up the thread was too busy to see is kept. */
    private final AtomicBoolean woken = new AtomicBoolean();

    protected DedicatedThread(String name, Duration stopTimeout) {
        this.name = name;
        this.stopTimeout = stopTimeout;
    }

    /** The thread's work; return once {@link #running()} is false (after draining, if it must). */
    protected abstract void loop();

    /** Runs on the caller's thread before the dedicated one starts (loading state, say). */
    protected void beforeStart() {
    }

    /** Whether the platform runs on simulated time (set before start). */
    public void simulate() {
        this.simulated = true;
    }

    protected boolean simulated() {
        return simulated;
    }

    /**
     * Whether the thread runs on simulated time too; false for work the simulation's steps do instead (its
     * timing would otherwise depend on the machine).
     */
    protected boolean loopsWhenSimulated() {
        return true;
    }

    /** False once stopping has begun. */
    protected boolean running() {
        return running;
    }

    /** Sleeps {@code millis} (a retry's back-off); false if the thread was interrupted meanwhile (it should return). */
    protected static boolean backOff(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Wakes the thread from {@link #awaitWakeUp}, or makes its next call return at once: the wake-up is kept until
     * taken. (An unpark alone is not: a thread that is woken while it waits inside its work, on a future or a lock,
     * gives the permit to that wait, which parks again, and its own wait for work then sleeps its whole timeout.)
     */
    public void wakeUp() {
        woken.set(true);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Waits on the dedicated thread until {@link #wakeUp()} (since the last wait, even while the thread was busy),
     * {@code timeout}, stopping, or an interrupt. Returns whether it was woken; the wake-up is then taken.
     */
    protected boolean awaitWakeUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!woken.getAndSet(false)) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !running || Thread.currentThread().isInterrupted()) {
                return false;
            }
            LockSupport.parkNanos(this, left);
        }
        return true;
    }

    @Override
    public void start() {
        beforeStart();
        running = true;
        if (simulated && !loopsWhenSimulated()) {
            return;
        }
        Thread t = new Thread(this::loop, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void stop() {
        running = false;
        wakeUp();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(stopTimeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
