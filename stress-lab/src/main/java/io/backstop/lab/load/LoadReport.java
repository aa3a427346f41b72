package io.backstop.lab.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code ./backstop load} prints and writes: the table of both streams, the result as JSON and
 * each latency histogram's percentile distribution (HdrHistogram's text format, in milliseconds,
 * readable by its plotter).
 */
public final class LoadReport {

    static final String TRADES_SERVED = "acknowledged by Kafka (acks=all)";
    static final String TRADES_LATENCY = "intended send -> Kafka acknowledgement";
    static final String QUERIES_SERVED = "HTTP 2xx; shed = 429 from margin-service's query limiter";
    static final String QUERIES_LATENCY = "intended start -> response";

    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private LoadReport() {
    }

    public static String table(SurgeLoad.Result r) {
        List<OpenLoop.Summary> streams = List.of(r.trades(), r.queries());
        StringBuilder b = new StringBuilder();
        row(b, "", streams, OpenLoop.Summary::name);
        row(b, "offered / s", streams, s -> String.format("%,.1f", s.perSecond()));
        row(b, "achieved / s (served)", streams, s -> String.format("%,.1f", s.achievedPerSecond()));
        row(b, "offered", streams, s -> String.format("%,d", s.offered()));
        row(b, "served", streams, s -> String.format("%,d", s.served()));
        row(b, "shed (429)", streams, s -> s == r.trades() ? "-" : String.format("%,d", s.shed()));
        row(b, "failed", streams, s -> String.format("%,d", s.failed()));
        row(b, "not sent (client full)", streams, s -> String.format("%,d", s.notSent()));
        for (double p : PERCENTILES) {
            row(b, "latency p" + label(p) + " ms", streams, s -> millis(s.correctedMillis(p), s.served()));
        }
        row(b, "latency max ms", streams, s -> millis(s.maxMillis(), s.served()));
        row(b, "p99 uncorrected ms", streams, s -> millis(s.uncorrectedMillis(99), s.served()));
        b.append('\n');
        b.append("trades: served = ").append(TRADES_SERVED).append("; latency = ").append(TRADES_LATENCY).append('\n');
        SurgeLoad.Applied a = r.applied();
        if (a.acknowledged() == 0) {
            b.append("  no trade was acknowledged, so margin-service had none to apply\n");
        } else if (a.complete()) {
            b.append(String.format("  margin-service applied all %,d acknowledged trades %.1f s after the last"
                    + " acknowledgement (backlog then: %,d)%n", a.acknowledged(), a.drainSeconds(), a.backlogAtClose()));
        } else {
            b.append(String.format("  NOT APPLIED: margin-service applied %,d of %,d acknowledged trades in the %.0f s"
                    + " it was given (backlog then: %,d)%n", a.applied(), a.acknowledged(), a.drainSeconds(),
                    a.acknowledged() - a.applied()));
        }
        b.append("risk queries: served = ").append(QUERIES_SERVED).append("; latency = ").append(QUERIES_LATENCY)
                .append('\n');
        if (r.serverShed() >= 0) {
            b.append(String.format("  margin-service counted %,d queries shed during the run (every client's)%n",
                    r.serverShed()));
        }
        b.append("latencies are of served requests, from the schedule's intended start (corrected for coordinated"
                + " omission);\n  uncorrected = from the actual send\n");
        for (OpenLoop.Summary s : streams) {
            if (!s.failures().isEmpty()) {
                b.append("failed ").append(s.name()).append(": ").append(s.failures().entrySet().stream()
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                        .map(e -> String.format("%s x%,d", e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", "))).append('\n');
            }
        }
        return b.toString();
    }

    /** The result as JSON: the plan, each stream's counts and latencies (ms), how the trades were applied. */
    public static String json(SurgeLoad.Result r) {
        SurgeLoad.Plan p = r.plan();
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("normalRatePerSecond", p.normalRate());
        plan.put("multiplier", p.multiplier());
        plan.put("queryMultiplier", p.queryMultiplier());
        plan.put("durationSeconds", p.duration().toMillis() / 1000.0);
        plan.put("accounts", p.accounts());
        plan.put("seed", p.seed());
        plan.put("maxInFlightPerStream", p.maxInFlight());
        plan.put("queryTimeoutSeconds", p.queryTimeout().toMillis() / 1000.0);
        plan.put("arrivals", "open model, constant spacing");
        plan.put("prices", p.prices().describe());
        plan.put("exchange", p.exchange() ? io.backstop.lab.exchange.MarkBook.DESCRIPTION : "none");

        Map<String, Object> trades = stream(r.trades(), TRADES_SERVED, TRADES_LATENCY);
        SurgeLoad.Applied a = r.applied();
        Map<String, Object> applied = new LinkedHashMap<>();
        applied.put("acknowledged", a.acknowledged());
        applied.put("applied", a.applied());
        applied.put("complete", a.complete());
        applied.put("backlogAtLastAck", a.backlogAtClose());
        applied.put("drainSeconds", a.drainSeconds());
        trades.put("appliedByMarginService", applied);

        Map<String, Object> queries = stream(r.queries(), QUERIES_SERVED, QUERIES_LATENCY);
        queries.put("shedCountedByMarginService", r.serverShed() >= 0 ? r.serverShed() : null);

        Map<String, Object> all = new LinkedHashMap<>();
        all.put("plan", plan);
        all.put("trades", trades);
        all.put("riskQueries", queries);
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(all);
    }

    /**
     * Writes {@code result.json}, {@code summary.txt} (the table) and, per stream, the corrected and
     * uncorrected percentile distributions ({@code trades-corrected.hgrm}, ...) into {@code dir}.
     */
    public static void write(Path dir, SurgeLoad.Result r) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("result.json"), json(r));
        Files.writeString(dir.resolve("summary.txt"), table(r));
        for (OpenLoop.Summary s : List.of(r.trades(), r.queries())) {
            String file = s.name().replace(' ', '-');
            distribution(dir.resolve(file + "-corrected.hgrm"), s.corrected());
            distribution(dir.resolve(file + "-uncorrected.hgrm"), s.uncorrected());
        }
    }

    private static Map<String, Object> stream(OpenLoop.Summary s, String served, String latency) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("served", served);
        m.put("latency", latency);
        m.put("offeredPerSecond", s.perSecond());
        m.put("achievedPerSecond", s.achievedPerSecond());
        m.put("seconds", s.seconds());
        m.put("offered", s.offered());
        m.put("servedCount", s.served());
        m.put("shedCount", s.shed());
        m.put("failedCount", s.failed());
        m.put("notSentCount", s.notSent());
        m.put("failures", s.failures());
        m.put("correctedMs", latencies(s.corrected()));
        m.put("uncorrectedMs", latencies(s.uncorrected()));
        return m;
    }

    private static Map<String, Object> latencies(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        for (double p : PERCENTILES) {
            m.put("p" + label(p).replace('.', '_'), h.getValueAtPercentile(p) / 1000.0);
        }
        m.put("max", h.getMaxValue() / 1000.0);
        return m;
    }

    private static void distribution(Path file, Histogram h) throws IOException {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(out, 5, 1000.0); // microseconds recorded, milliseconds written
        }
    }

    private static String label(double percentile) {
        return percentile == Math.rint(percentile) ? Long.toString((long) percentile) : Double.toString(percentile);
    }

    private static String millis(double ms, long count) {
        return count == 0 ? "-" : String.format(ms < 10 ? "%.2f" : "%,.1f", ms);
    }

    private static void row(StringBuilder b, String label, List<OpenLoop.Summary> streams,
                            Function<OpenLoop.Summary, String> value) {
        b.append(String.format("%-24s", label));
        for (OpenLoop.Summary s : streams) {
            b.append(String.format("%16s", value.apply(s)));
        }
        b.append('\n');
    }
}
