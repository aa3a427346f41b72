package io.backstop.kit.web.overload;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The order in which waiting requests are taken, decided from how long the oldest has waited (times in nanoseconds
 * from the caller's clock). Three cases:
 *
 * <ul>
 *   <li>the oldest waited at most {@code target}: first come, first served — no queue to speak of;</li>
 *   <li>the oldest waited longer than {@code target} but not {@code deadline}: a queue stands, so the
 *   <em>newest</em> is taken first (adaptive LIFO). Under a surge the newest can still be answered in time; the
 *   oldest could not be anyway, and first-come-first-served would make every request as late as the queue is
 *   long;</li>
 *   <li>the oldest waited longer than {@code deadline}: it is taken, oldest first, to be answered at once — a query
 *   with {@code 429} ({@link QueryGate}'s deadline rule), anything else (a write, a health probe) served — so no
 *   one waits into a client's timeout at the bottom of the line.</li>
 * </ul>
 *
 * Not thread-safe: its owner ({@link ArrivalLine}) guards it.
 */
final class WaitingLine<T> {

    /** A request in line and when it arrived. */
    record Waiting<T>(T item, long arrivedNanos) {
    }

    private final Deque<Waiting<T>> line = new ArrayDeque<>();
    private final long target;
    private final long deadline;

    WaitingLine(long targetNanos, long deadlineNanos) {
        if (targetNanos <= 0 || deadlineNanos < targetNanos) {
            throw new IllegalArgumentException("need 0 < target <= deadline, got target " + targetNanos
                    + " ns, deadline " + deadlineNanos + " ns");
        }
        this.target = targetNanos;
        this.deadline = deadlineNanos;
    }

    void add(T item, long nowNanos) {
        line.addLast(new Waiting<>(item, nowNanos));
    }

    /** The next to take at {@code nowNanos}, or null when no one waits. */
    Waiting<T> take(long nowNanos) {
        Waiting<T> oldest = line.peekFirst();
        if (oldest == null) {
            return null;
        }
        long waited = nowNanos - oldest.arrivedNanos();
        return waited <= target || waited > deadline ? line.pollFirst() : line.pollLast();
    }

    /** Takes {@code item} out of the line (it will not be run); false when it was not waiting. */
    boolean remove(T item) {
        return line.removeIf(w -> w.item() == item);
    }

    int size() {
        return line.size();
    }

    /** How long the oldest has waited at {@code nowNanos}; 0 when no one waits. */
    long oldestWait(long nowNanos) {
        Waiting<T> oldest = line.peekFirst();
        return oldest == null ? 0 : Math.max(0, nowNanos - oldest.arrivedNanos());
    }
}
