package io.backstop.kit.web.overload;

/**
 * When the request now being handled on this thread arrived: the moment Tomcat's poller found its bytes
 * and handed the connection to the request executor, before it waited for a thread. A limiter that
 * only counts requests once a thread runs them never sees that wait; with virtual threads on two cores
 * it is where a surge queues (thousands of requests waiting for a carrier thread, none yet counted).
 *
 * <p>The {@link ArrivalLine} (Tomcat's executor) runs every task with the time it was handed over; the
 * {@link QueryShedFilter} {@linkplain #take(long) takes} it once. A second request read by the same task
 * (pipelined on a keep-alive connection) finds no stamp and counts as arriving when it reaches the
 * filter.
 */
public final class Arrivals {

    private static final ThreadLocal<long[]> ARRIVED = new ThreadLocal<>();

    private Arrivals() {
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

    /** Runs {@code task} on this thread as handed over at {@code arrivedNanos}. */
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
}
