package io.backstop.kit.web.overload;

import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * When the request now being handled on this thread arrived: the moment Tomcat's poller found its bytes
 * and handed the connection to the request executor, before it waited for a thread. A limiter that
 * only counts requests once a thread runs them never sees that wait; with virtual threads on two cores
 * it is where a surge queues (thousands of requests waiting for a carrier thread, none yet counted).
 *
 * <p>{@link #stamping} wraps Tomcat's executor so every task it runs carries its submission time; the
 * {@link QueryShedding} {@linkplain #take() takes} it once. A second request read by the same task
 * (pipelined on a keep-alive connection) finds no stamp and counts as arriving when it reaches the
 * filter.
 */
public final class Arrivals {

    private static final ThreadLocal<long[]> ARRIVED = new ThreadLocal<>();

    private Arrivals() {
    }

    /** An executor that runs each task on {@code delegate} with the time it was submitted, from {@code nanoTime}. */
    public static Executor stamping(Executor delegate, LongSupplier nanoTime) {
        return new Stamping(delegate, nanoTime);
    }

    /** The arrival stamp of this thread's task, in {@code nanoTime} units, once; {@code orElse} when none. */
    public static long take(long orElse) {
        long[] stamp = ARRIVED.get();
        if (stamp == null || stamp[0] == Long.MIN_VALUE) {
            return orElse;
        }
        long arrived = stamp[0];
        stamp[0] = Long.MIN_VALUE;
        return arrived;
    }

    /** Runs {@code task} on this thread as if the executor had submitted it at {@code arrivedNanos} (tests). */
    static void runArrivedAt(long arrivedNanos, Runnable task) {
        long[] outer = ARRIVED.get();
        ARRIVED.set(new long[] {arrivedNanos});
        try {
            task.run();
        } finally {
            if (outer == null) {
                ARRIVED.remove();
            } else {
                ARRIVED.set(outer);
            }
        }
    }

    /** Keeps Tomcat's executor underneath (and so its threads: virtual or pooled). */
    static final class Stamping implements Executor {

        private final Executor delegate;
        private final LongSupplier nanoTime;

        Stamping(Executor delegate, LongSupplier nanoTime) {
            this.delegate = delegate;
            this.nanoTime = nanoTime;
        }

        @Override
        public void execute(Runnable task) {
            long submitted = nanoTime.getAsLong();
            delegate.execute(() -> runArrivedAt(submitted, task));
        }

        Executor delegate() {
            return delegate;
        }
    }
}
