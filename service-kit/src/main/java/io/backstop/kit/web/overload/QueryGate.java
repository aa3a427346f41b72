package io.backstop.kit.web.overload;

import com.netflix.concurrency.limits.Limit;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides, when a query reaches the application, whether to serve it or shed it, from how long it has
 * already waited since it arrived (its queue time) and how many queries are in service. Three rules,
 * the first that applies wins:
 *
 * <p>The two queue-time rules apply to a crowd only: once {@value #CROWD} queries arrived in the current
 * interval (or a queue stands). A caller that asks once in a while is never shed for a slow machine.
 *
 * <ol>
 *   <li><b>Deadline</b> ({@link Verdict#SHED_LATE}): a query that waited longer than {@code deadline} is
 *   shed. Whatever is done next, its answer would be late, and serving it would make the queries behind
 *   it late too.</li>
 *   <li><b>Standing queue</b> ({@link Verdict#SHED_QUEUED}), the controlled-delay rule (CoDel, Nichols &amp;
 *   Jacobson) as RPC servers apply it to requests: each {@code interval} the gate looks at the
 *   <em>shortest</em> queue time it saw. If even that stayed above {@code target}, the queue is no burst
 *   that drains by itself but a standing one, and until an interval's shortest queue time falls back to
 *   {@code target} a query that waited more than twice the target is shed. A burst is let through; a
 *   surge that outlasts an interval is cut back to a queue of about {@code 2 x target}.</li>
 *   <li><b>Concurrency</b> ({@link Verdict#SHED_AT_LIMIT}): at most {@link Limit#getLimit()} queries in
 *   service at once. The limit is adaptive (Netflix concurrency-limits' {@code Gradient2Limit} in
 *   production), fed with each served query's latency <em>measured from its arrival</em>, so time spent
 *   queued counts against the limit. It matters where queries block (a database pool, a lock); queries
 *   that only use the CPU mostly wait before they reach the gate, which the first two rules see.</li>
 * </ol>
 *
 * <p>Times are nanoseconds from the injected {@code nanoTime} source, the same one that stamped the
 * arrivals. Thread-safe: the queue-time state is guarded by this object's monitor (a few comparisons per
 * query), the in-service count is atomic, and the {@link Limit} synchronizes itself.
 */
public final class QueryGate {

    /** What to do with one query. */
    public enum Verdict {
        SERVE("served"),
        SHED_LATE("late"),
        SHED_QUEUED("standing-queue"),
        SHED_AT_LIMIT("concurrency-limit");

        private final String tag;

        Verdict(String tag) {
            this.tag = tag;
        }

        /** The metric tag and problem {@code reason} naming the rule. */
        public String tag() {
            return tag;
        }
    }

    /**
     * The gate's answer for one query; hand a served one back to {@link #done(Admission)} once answered.
     *
     * @param queueNanos how long the query had waited when it reached the gate
     * @param inFlight   queries in service when it was admitted, itself included (0 when shed)
     */
    public record Admission(Verdict verdict, long arrivalNanos, long queueNanos, int inFlight) {

        public boolean served() {
            return verdict == Verdict.SERVE;
        }
    }

    /**
     * @param target   the queue time a healthy server keeps below, at least once per interval
     * @param interval how long a queue must stand above target before the gate sheds for it
     * @param deadline the longest a query may have waited and still be served
     */
    public record Settings(Duration target, Duration interval, Duration deadline) {
        public Settings {
            if (target.isNegative() || target.isZero() || interval.compareTo(target) <= 0
                    || deadline.compareTo(target.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("need 0 < target < interval and deadline >= 2 x target, got target "
                        + target + ", interval " + interval + ", deadline " + deadline);
            }
        }
    }

    private final long target;
    private final long interval;
    private final long deadline;
    private final Limit limit;
    private final LongSupplier nanoTime;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Queries in one interval from which on the queue-time rules apply. */
    static final int CROWD = 5;

    // guarded by this
    private long intervalEnds;
    private long shortestInInterval = Long.MAX_VALUE;
    private int queriesInInterval;
    private boolean standingQueue;

    public QueryGate(Settings settings, Limit limit, LongSupplier nanoTime) {
        this.target = settings.target().toNanos();
        this.interval = settings.interval().toNanos();
        this.deadline = settings.deadline().toNanos();
        this.limit = limit;
        this.nanoTime = nanoTime;
        this.intervalEnds = nanoTime.getAsLong() + interval;
    }

    /** Decides for a query that arrived at {@code arrivalNanos} (same source as the gate's clock). */
    public Admission admit(long arrivalNanos) {
        long now = nanoTime.getAsLong();
        long queued = Math.max(0, now - arrivalNanos);
        Queue queue = observeQueueTime(now, queued);
        if (queue != Queue.SPARSE && queued > deadline) {
            return new Admission(Verdict.SHED_LATE, arrivalNanos, queued, 0);
        }
        if (queue == Queue.STANDING && queued > 2 * target) {
            return new Admission(Verdict.SHED_QUEUED, arrivalNanos, queued, 0);
        }
        while (true) {
            int current = inFlight.get();
            if (current >= limit.getLimit()) {
                return new Admission(Verdict.SHED_AT_LIMIT, arrivalNanos, queued, 0);
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                return new Admission(Verdict.SERVE, arrivalNanos, queued, current + 1);
            }
        }
    }

    /** A served query has been answered: frees its place and teaches the limit its latency from arrival. */
    public void done(Admission admission) {
        if (!admission.served()) {
            return;
        }
        inFlight.decrementAndGet();
        long now = nanoTime.getAsLong();
        limit.onSample(admission.arrivalNanos(), Math.max(0, now - admission.arrivalNanos()), admission.inFlight(),
                false);
    }

    /** Queries in service now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** The concurrency limit now. */
    public int limit() {
        return limit.getLimit();
    }

    /** Whether the last complete interval showed a standing queue (queries waiting more than 2 x target are shed). */
    public synchronized boolean standingQueue() {
        return standingQueue;
    }

    /** How busy the gate is: too few queries to judge, a crowd, or a crowd with a standing queue. */
    private enum Queue { SPARSE, CROWD, STANDING }

    /**
     * Keeps the shortest queue time and the number of queries of the current interval; when an interval
     * ends, judges it. Fewer than {@value #CROWD} queries in an interval (and none standing before) is
     * no crowd: a caller that asks once in a while (a replay's poll, an operator) is never shed for its
     * queue time, however slow the machine; it is a crowd's wait that the rules cut.
     */
    private synchronized Queue observeQueueTime(long now, long queued) {
        if (now - intervalEnds >= 0) {
            standingQueue = queriesInInterval >= CROWD && shortestInInterval > target;
            // an idle stretch longer than an interval starts a fresh one now rather than judging empty ones
            intervalEnds = now - intervalEnds >= interval ? now + interval : intervalEnds + interval;
            shortestInInterval = queued;
            queriesInInterval = 1;
        } else {
            queriesInInterval++;
            if (queued < shortestInInterval) {
                shortestInInterval = queued;
            }
        }
        if (standingQueue) {
            return Queue.STANDING;
        }
        return queriesInInterval >= CROWD ? Queue.CROWD : Queue.SPARSE;
    }
}
