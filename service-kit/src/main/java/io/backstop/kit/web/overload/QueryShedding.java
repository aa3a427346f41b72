package io.backstop.kit.web.overload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Puts the {@link QueryGate} in front of read-only queries ({@code GET}/{@code HEAD} on the configured
 * paths): a shed query is answered {@code 429} with {@code Retry-After} and a problem+json body naming
 * the rule, in the time it takes to write two hundred bytes, instead of waiting into a timeout. It runs in
 * {@link QueryShedValve}, at the head of Tomcat's pipeline, so a refusal costs the request's parsing and
 * this answer and nothing of the filter chain behind it (docs/overload.md, what a 429 costs). Anything else
 * passes untouched: writes (deposits, withdrawals, fills, ticks, operator actions) are never shed,
 * because refusing them can leave risk on the book, and neither is {@code /actuator} (health probes,
 * metrics) that is outside the paths, nor the excluded paths (a replay's simulated clock).
 *
 * <p>Meters: {@code backstop.http.queries.shed{reason}} (429s by rule), {@code backstop.http.queries.queued}
 * (queue time at the gate of every gated query), {@code backstop.http.queries.served} (arrival to answer of every
 * served query), gauges {@code backstop.http.queries.limit} and
 * {@code backstop.http.queries.in.flight}.
 */
public final class QueryShedding {

    static final String PROBLEM_TYPE = "https://backstop.io/problems/overloaded";

    private final QueryGate gate;
    private final List<PathPattern> paths;
    private final List<PathPattern> excluded;
    private final LongSupplier nanoTime;
    private final Map<QueryGate.Verdict, Counter> shed = new EnumMap<>(QueryGate.Verdict.class);
    private final Map<QueryGate.Verdict, byte[]> bodies = new EnumMap<>(QueryGate.Verdict.class);
    private final String retryAfter;
    private final Timer queued;
    private final Timer served;

    /** What serves a query the gate lets through: the rest of Tomcat's pipeline. */
    @FunctionalInterface
    public interface Next {
        void serve() throws IOException, ServletException;
    }

    public QueryShedding(QueryGate gate, List<PathPattern> paths, List<PathPattern> excluded, long retryAfterSeconds,
                         LongSupplier nanoTime, MeterRegistry meters) {
        this.gate = gate;
        this.paths = List.copyOf(paths);
        this.excluded = List.copyOf(excluded);
        long retryAfterAtLeastOne = Math.max(1, retryAfterSeconds);
        this.retryAfter = Long.toString(retryAfterAtLeastOne);
        this.nanoTime = nanoTime;
        for (QueryGate.Verdict verdict : QueryGate.Verdict.values()) {
            if (verdict != QueryGate.Verdict.SERVE) {
                shed.put(verdict, Counter.builder("backstop.http.queries.shed")
                        .description("Read-only queries answered 429 before being served, by the rule that shed them")
                        .tag("reason", verdict.tag()).register(meters));
                bodies.put(verdict, ("{\"type\":\"" + PROBLEM_TYPE + "\",\"title\":\"Too many requests\",\"status\":429,"
                        + "\"detail\":\"Queries are at capacity; retry in " + retryAfterAtLeastOne + " s.\",\"reason\":\""
                        + verdict.tag() + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        }
        this.queued = Timer.builder("backstop.http.queries.queued")
                .description("How long a read-only query had waited since it arrived when it reached the shedding gate")
                .publishPercentileHistogram().register(meters);
        this.served = Timer.builder("backstop.http.queries.served")
                .description("How long a served read-only query took from its arrival (waiting included) to its answer:"
                        + " the service's own share of the latency a client sees")
                .publishPercentileHistogram().register(meters);
        Gauge.builder("backstop.http.queries.limit", gate, QueryGate::limit)
                .description("Adaptive concurrency limit on read-only queries").register(meters);
        Gauge.builder("backstop.http.queries.in.flight", gate, QueryGate::inFlight)
                .description("Read-only queries in service").register(meters);
    }

    /** Whether a request is a query the gate decides about: {@code GET}/{@code HEAD} on the paths, not excluded. */
    boolean gated(HttpServletRequest request) {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return false;
        }
        PathContainer path = PathContainer.parsePath(request.getRequestURI().substring(request.getContextPath().length()));
        for (PathPattern pattern : excluded) {
            if (pattern.matches(path)) {
                return false;
            }
        }
        for (PathPattern pattern : paths) {
            if (pattern.matches(path)) {
                return true;
            }
        }
        return false;
    }

    /** Serves {@code request} through {@code next}, or answers it 429 if it is a query the gate sheds. */
    public void handle(HttpServletRequest request, HttpServletResponse response, Next next)
            throws ServletException, IOException {
        if (!gated(request)) {
            next.serve();
            return;
        }
        long arrived = Arrivals.take(nanoTime.getAsLong());
        QueryGate.Admission admission = gate.admit(arrived);
        queued.record(admission.queueNanos(), TimeUnit.NANOSECONDS);
        if (!admission.served()) {
            shed.get(admission.verdict()).increment();
            refuse(response, admission);
            return;
        }
        try {
            next.serve();
        } finally {
            gate.done(admission);
            served.record(nanoTime.getAsLong() - arrived, TimeUnit.NANOSECONDS);
        }
    }

    private void refuse(HttpServletResponse response, QueryGate.Admission admission) throws IOException {
        byte[] body = bodies.get(admission.verdict());
        response.setStatus(429);
        response.setHeader("Retry-After", retryAfter);
        response.setContentType("application/problem+json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
