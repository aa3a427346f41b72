package io.backstop.kit.web.overload;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tomcat's request executor, with the waiting line in the service's hands instead of the thread scheduler's.
 * Tomcat hands over every connection with bytes to read; the task waits in a {@link WaitingLine} stamped with
 * that moment, and at most {@code workers} tasks run at once, each on a thread of the executor underneath
 * (virtual threads, or Tomcat's pool). A worker that finishes takes the next task as the line decides: first come
 * first served while there is no queue, the newest first while a queue stands, and the oldest at once once it
 * waited past the deadline (a query is then answered {@code 429} by the {@link QueryShedFilter} without being
 * computed). Each task runs with its arrival stamp ({@link Arrivals}), so the shedding gate sees the time it
 * waited here.
 *
 * <p>Why not the executor alone: with virtual threads on two cores, every request Tomcat hands over becomes a
 * runnable thread at once, and a surge waits for a carrier thread in first-come order where nothing can see or
 * reorder it; a query shed there has already waited as long as the queue is, and readiness probes wait behind
 * the surge (12–15 s, issue 15). Bounding the tasks in flight moves the queue here, where it is ordered and cut.
 */
public final class ArrivalLine implements Executor {

    private static final Logger log = LoggerFactory.getLogger(ArrivalLine.class);

    private final Executor threads;
    private final int maxWorkers;
    private final LongSupplier nanoTime;
    // guarded by this
    private final WaitingLine<Runnable> line;
    private int workers;

    /**
     * @param threads    where the workers run (Tomcat's virtual-thread executor or its pool)
     * @param maxWorkers tasks running at once at most
     * @param target     the wait above which a queue stands (the newest is then taken first)
     * @param deadline   the wait past which the oldest is taken at once, to be answered
     */
    public ArrivalLine(Executor threads, int maxWorkers, java.time.Duration target, java.time.Duration deadline,
                       LongSupplier nanoTime) {
        if (maxWorkers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + maxWorkers);
        }
        this.threads = threads;
        this.maxWorkers = maxWorkers;
        this.nanoTime = nanoTime;
        this.line = new WaitingLine<>(target.toNanos(), deadline.toNanos());
    }

    @Override
    public void execute(Runnable task) {
        boolean startWorker;
        synchronized (this) {
            line.add(task, nanoTime.getAsLong());
            startWorker = workers < maxWorkers;
            if (startWorker) {
                workers++;
            }
        }
        if (startWorker) {
            try {
                threads.execute(this::work);
            } catch (RejectedExecutionException e) {
                // the executor underneath stopped (Tomcat is stopping): the task is refused, not left in line
                synchronized (this) {
                    workers--;
                    line.remove(task);
                }
                throw e;
            }
        }
    }

    private void work() {
        while (true) {
            WaitingLine.Waiting<Runnable> next;
            synchronized (this) {
                next = line.take(nanoTime.getAsLong());
                if (next == null) {
                    workers--;
                    return;
                }
            }
            try {
                Arrivals.runArrivedAt(next.arrivedNanos(), next.item());
            } catch (RuntimeException | Error e) {
                // Tomcat's tasks handle their own failures; one that escapes must not take the worker with it
                log.warn("a request task failed: {}", e.toString(), e);
            }
        }
    }

    /** Tasks waiting for a worker. */
    public synchronized int waiting() {
        return line.size();
    }

    /** Tasks running. */
    public synchronized int running() {
        return workers;
    }

    /** Seconds the oldest waiting task has waited (0 when none waits). */
    public synchronized double oldestWaitSeconds() {
        return line.oldestWait(nanoTime.getAsLong()) / 1e9;
    }

    /** The executor underneath. */
    Executor threads() {
        return threads;
    }
}
