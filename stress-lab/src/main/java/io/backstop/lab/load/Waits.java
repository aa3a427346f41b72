package io.backstop.lab.load;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on the running platform, for the lab's load tools and replays. */
public final class Waits {

    private Waits() {
    }

    /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeout}. */
    public static void waitFor(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Seconds since {@code since} ({@link System#nanoTime()}). */
    public static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
