package io.backstop.lab.replay;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.Function;

/** The side-by-side table of one or more replays (for example naive vs robust oracle). */
public final class ReplayReport {

    private ReplayReport() {
    }

    public static String table(List<String> labels, List<Replay.Result> results) {
        StringBuilder b = new StringBuilder();
        java.util.Iterator<String> label = labels.iterator();
        row(b, "", results, r -> r.scenario() + " " + label.next());
        row(b, "traders", results, r -> String.format("%,d", r.accounts()));
        row(b, "margin calls", results, r -> String.format("%,d", r.marginCalls()));
        row(b, "accounts liquidated", results, r -> String.format("%,d", r.accountsLiquidated()));
        row(b, "wrongful liquidations", results, r -> String.format("%,d", r.wrongful()));
        row(b, "wrongful notional (USDT)", results, r -> money(r.wrongfulNotional()));
        row(b, "manipulation (USDT)", results, r -> money(r.manipulation()));
        row(b, "amplification (wrongful / manip.)", results, r -> r.manipulation().signum() == 0 ? "-"
                : String.format("%.2fx", r.amplification()));
        row(b, "liquidated notional (USDT)", results, r -> money(r.liquidatedNotional()));
        row(b, "liquidation fills", results, r -> String.format("%,d", r.liquidationFills()));
        row(b, "peak liquidations / s", results, r -> String.format("%,d", r.peakLiquidationsPerSecond()));
        row(b, "shortfalls", results, r -> String.format("%,d", r.shortfalls()));
        row(b, "fund takeovers", results, r -> String.format("%,d", r.takeovers()));
        row(b, "fund used (USDT)", results, r -> money(r.money().fundUsed()));
        row(b, "ADL: positions / notional", results, r -> String.format("%,d / %s", r.adlExecutions(),
                money(r.adlNotional())));
        row(b, "socialized loss (USDT)", results, r -> money(r.socialized()));
        row(b, "max index deviation", results, r -> String.format("%.2f%% (%s)", 100 * r.maxIndexDeviation(),
                r.maxDeviationSymbol()));
        row(b, "tick->fill p50 / p99 / max (ms)", results, r -> r.latency().liquidations() == 0 ? "-"
                : String.format("%,d / %,d / %,d", r.latency().p50(), r.latency().p99(), r.latency().max()));
        row(b, "  legs p50: price/call/order/fill", results, r -> String.format("%d/%d/%d/%d",
                r.latency().tickToPrice(), r.latency().priceToCall(), r.latency().callToOrder(),
                r.latency().orderToFill()));
        row(b, "ledger check", results, r -> r.ledgerClean() ? "clean" : "DIFFERENCES");
        row(b, "money conserved (USDT, to the unit)", results, r -> r.money().conserved() ? "yes" : "NO: "
                + r.money().differences().size() + " differences");
        row(b, "calls without outcome / twice", results, r -> r.outcomes().withoutOutcome() + " / "
                + r.outcomes().duplicated());
        row(b, "liquidations still open", results, r -> Integer.toString(r.outcomes().stillOpen()));
        row(b, "run time (s)", results, r -> String.format("%.0f", r.seconds()));
        return b.toString();
    }

    /** A self-contained HTML page: the table, and liquidations per simulated minute of each run as SVG bars. */
    public static String html(String title, List<String> labels, List<Replay.Result> results) {
        StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title><style>body{font-family:sans-serif;margin:2em}"
                        + "pre{background:#f4f4f4;padding:1em}.bar{fill:#c0392b}.axis{stroke:#333}</style></head><body>")
                .append("<h1>").append(escape(title)).append("</h1><pre>").append(escape(table(labels, results)))
                .append("</pre>");
        long max = results.stream().flatMap(r -> r.liquidationsPerMinute().values().stream()).mapToLong(Long::longValue)
                .max().orElse(1);
        for (int i = 0; i < results.size(); i++) {
            Replay.Result r = results.get(i);
            int minutes = r.liquidationsPerMinute().keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
            int width = 720;
            int height = 200;
            double w = (double) width / Math.max(minutes, 1);
            b.append("<h2>Liquidation fills per simulated minute — ").append(escape(labels.get(i))).append("</h2>")
                    .append("<svg class=\"chart\" width=\"").append(width).append("\" height=\"").append(height + 20)
                    .append("\" data-points=\"").append(r.liquidationsPerMinute().size()).append("\">");
            r.liquidationsPerMinute().forEach((minute, n) -> {
                double h = (double) height * n / max;
                b.append(String.format(java.util.Locale.ROOT,
                        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>T+%d min: %d</title></rect>",
                        minute * w, height - h, Math.max(w - 1, 1), h, minute, n));
            });
            b.append("<line class=\"axis\" x1=\"0\" y1=\"").append(height).append("\" x2=\"").append(width)
                    .append("\" y2=\"").append(height).append("\"/></svg>");
        }
        return b.append("</body></html>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void row(StringBuilder b, String label, List<Replay.Result> results,
                            Function<Replay.Result, String> value) {
        b.append(String.format("%-30s", label));
        for (Replay.Result r : results) {
            b.append(String.format("%24s", value.apply(r)));
        }
        b.append('\n');
    }

    private static String money(BigDecimal v) {
        return String.format("%,.0f", v.setScale(0, RoundingMode.HALF_EVEN));
    }
}
