package io.backstop.lab.load;

import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-model load stream: request {@code n} is due at {@code start + n / perSecond} (constant
 * spacing), whether or not earlier requests have been answered, so a slow system gets the same
 * arrivals as a fast one instead of a load that politely slows down with it. One thread keeps the
 * schedule and only starts requests; answers arrive on whatever thread the {@link Call} completes on.
 *
 * <p>At most {@code maxInFlight} requests are outstanding. An arrival that finds the bound reached is
 * counted as <em>not sent</em> (the client was overloaded) rather than queued or silently dropped.
 *
 * <p>Latency is measured from a request's <em>intended</em> start, the schedule's, to its answer: a
 * request the generator started late (a stalled sender, a paused JVM, a catch-up burst) still counts
 * the wait it was made to do. That is the correction for coordinated omission. The uncorrected
 * latency, answer minus actual send, is kept beside it to show what a generator that trusts its own
 * send times would have reported. Both are HdrHistograms in microseconds, 3 significant digits, of
 * served requests only: a 429 answered in a millisecond is not a fast answer to the question.
 *
 * <p>Thread-safe: {@link #progress()} may be called from any thread while the stream runs.
 */
public final class OpenLoop {

    /** Starts one request. Must not block: the schedule waits for nothing. */
    @FunctionalInterface
    public interface Call {
        /**
         * Starts request {@code n} and returns its outcome, completed when the answer arrives. A call
         * that first waits in a queue of its own runs {@code sent} when the request actually leaves;
         * otherwise the request counts as sent when started. A failed future counts as FAILED.
         */
        CompletableFuture<Outcome> start(long n, Runnable sent);
    }

    /** What became of one request that was sent. */
    public record Outcome(Kind kind, String reason) {

        public enum Kind { SERVED, SHED, FAILED }

        private static final Outcome SERVED = new Outcome(Kind.SERVED, null);
        private static final Outcome SHED = new Outcome(Kind.SHED, null);

        public static Outcome served() {
            return SERVED;
        }

        public static Outcome shed() {
            return SHED;
        }

        /** @param reason what went wrong, short and countable: {@code HTTP 500}, {@code timeout} */
        public static Outcome failed(String reason) {
            return new Outcome(Kind.FAILED, reason);
        }

        /** 2xx served, 429 shed (the service's own "at capacity, retry"), anything else failed. */
        public static Outcome ofHttpStatus(int status) {
            if (status >= 200 && status < 300) {
                return SERVED;
            }
            return status == 429 ? SHED : failed("HTTP " + status);
        }
    }

    /** The stream so far. {@code sent = offered - notSent}; the sent are served, shed, failed or in flight. */
    public record Progress(String name, double seconds, long offered, long notSent, long served, long shed,
                           long failed, int inFlight) {

        public long sent() {
            return offered - notSent;
        }
    }

    /**
     * A finished stream. Every offered request is exactly one of served, shed, failed or not sent.
     *
     * @param perSecond   the offered rate
     * @param seconds     the schedule's length, start to stop
     * @param failures    failed requests by reason
     * @param corrected   served requests, answer minus intended start (microseconds)
     * @param uncorrected served requests, answer minus actual send (microseconds)
     */
    public record Summary(String name, double perSecond, double seconds, long offered, long served, long shed,
                          long failed, long notSent, Map<String, Long> failures, Histogram corrected,
                          Histogram uncorrected) {

        /** Served requests per second of schedule. */
        public double achievedPerSecond() {
            return seconds > 0 ? served / seconds : 0;
        }

        /** The corrected latency at {@code percentile} (0-100), in milliseconds; 0 if nothing was served. */
        public double correctedMillis(double percentile) {
            return corrected.getValueAtPercentile(percentile) / 1000.0;
        }

        public double uncorrectedMillis(double percentile) {
            return uncorrected.getValueAtPercentile(percentile) / 1000.0;
        }

        public double maxMillis() {
            return corrected.getMaxValue() / 1000.0;
        }
    }

    /** Reason of requests still unanswered when {@link #stop} gave up waiting. */
    public static final String UNANSWERED = "unanswered at stop";

    private final String name;
    private final double perSecond;
    private final int maxInFlight;
    private final Call call;
    private final long startNanos;
    /** Arrivals due at or after this instant are not offered; {@code Long.MAX_VALUE} until stopped. */
    private volatile long endNanos;
    private final Thread scheduler;

    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong notSent = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong shed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Decremented only after a request's outcome is counted and recorded, so 0 means the counts are final. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Long> failures = new ConcurrentHashMap<>();
    /** Requests sent and not yet settled; whoever removes one (its answer, or stop) settles it. */
    private final Set<Request> pending = ConcurrentHashMap.newKeySet();
    private final Recorder corrected = new Recorder(3);
    private final Recorder uncorrected = new Recorder(3);

    private OpenLoop(String name, double perSecond, int maxInFlight, Duration length, Call call) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be positive, got " + perSecond);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.name = name;
        this.perSecond = perSecond;
        this.maxInFlight = maxInFlight;
        this.call = call;
        this.startNanos = System.nanoTime();
        this.endNanos = length == null ? Long.MAX_VALUE : startNanos + length.toNanos();
        this.scheduler = new Thread(this::schedule, "open-loop-" + name);
        scheduler.setDaemon(true);
    }

    /** Starts offering {@code perSecond} requests a second now, until {@link #stop}; the first is due at once. */
    public static OpenLoop start(String name, double perSecond, int maxInFlight, Call call) {
        return start(name, perSecond, maxInFlight, null, call);
    }

    /**
     * Starts offering {@code perSecond} requests a second now; the first is due at once.
     *
     * @param length the schedule ends by itself after this long (it offers {@code ceil(perSecond * length)}
     *               requests; {@link #stop} waits for its end), or null to run until {@link #stop}
     */
    public static OpenLoop start(String name, double perSecond, int maxInFlight, Duration length, Call call) {
        OpenLoop loop = new OpenLoop(name, perSecond, maxInFlight, length, call);
        loop.scheduler.start();
        return loop;
    }

    public String name() {
        return name;
    }

    public Progress progress() {
        long end = Math.min(endNanos, System.nanoTime());
        return new Progress(name, (end - startNanos) / 1e9, offered.get(), notSent.get(), served.get(), shed.get(),
                failed.get(), inFlight.get());
    }

    /**
     * Ends the schedule: now if it was started without a length (arrivals already due are still
     * offered), else at the end of its length. Then waits up to {@code grace} for the answers still
     * outstanding and counts those that did not come as failed ({@link #UNANSWERED}). Call once.
     */
    public Summary stop(Duration grace) throws InterruptedException {
        if (endNanos == Long.MAX_VALUE) {
            endNanos = System.nanoTime();
        }
        LockSupport.unpark(scheduler);
        scheduler.join();
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        for (Request r : pending) {
            if (pending.remove(r)) {
                count(Outcome.failed(UNANSWERED));
                inFlight.decrementAndGet();
            }
        }
        while (inFlight.get() > 0) { // answers that won the race against stop are being counted right now
            Thread.onSpinWait();
        }
        return new Summary(name, perSecond, (endNanos - startNanos) / 1e9, offered.get(), served.get(), shed.get(),
                failed.get(), notSent.get(), new TreeMap<>(failures), corrected.getIntervalHistogram(),
                uncorrected.getIntervalHistogram());
    }

    private void schedule() {
        for (long n = 0; ; n++) {
            long due = startNanos + (long) (n * 1e9 / perSecond);
            long now;
            while ((now = System.nanoTime()) < due && due < endNanos) {
                LockSupport.parkNanos(due - now);
            }
            if (due >= endNanos) {
                return;
            }
            offered.incrementAndGet();
            dispatch(n, due);
        }
    }

    /** Runs on the scheduler thread only, so the in-flight check and increment need no lock. */
    private void dispatch(long n, long intended) {
        if (inFlight.get() >= maxInFlight) {
            notSent.incrementAndGet();
            return;
        }
        inFlight.incrementAndGet();
        Request request = new Request(intended, System.nanoTime());
        pending.add(request);
        CompletableFuture<Outcome> answer;
        try {
            answer = call.start(n, request::markSent);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((outcome, error) -> settle(request, outcome, error));
    }

    private void settle(Request request, Outcome outcome, Throwable error) {
        long answered = System.nanoTime();
        if (!pending.remove(request)) {
            return; // stop gave up on it and counted it already
        }
        Outcome o = error != null ? Outcome.failed(reason(error))
                : outcome != null ? outcome : Outcome.failed("no outcome");
        if (o.kind() == Outcome.Kind.SERVED) {
            corrected.recordValue(Math.max(0, answered - request.intended) / 1000);
            uncorrected.recordValue(Math.max(0, answered - request.sent) / 1000);
        }
        count(o);
        inFlight.decrementAndGet();
    }

    private void count(Outcome o) {
        switch (o.kind()) {
            case SERVED -> served.incrementAndGet();
            case SHED -> shed.incrementAndGet();
            case FAILED -> {
                failures.merge(o.reason() == null ? "unknown" : o.reason(), 1L, Long::sum);
                failed.incrementAndGet();
            }
        }
    }

    /** A short, countable name for what went wrong: {@code timeout}, {@code ConnectException}. */
    static String reason(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof HttpTimeoutException ? "timeout" : e.getClass().getSimpleName();
    }

    private static final class Request {
        final long intended;
        /** When the request actually left; the dispatch time unless the call said otherwise. */
        volatile long sent;

        Request(long intended, long dispatched) {
            this.intended = intended;
            this.sent = dispatched;
        }

        void markSent() {
            sent = System.nanoTime();
        }
    }
}
