package io.backstop.lab.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The report's charts, as HTML fragments with inline SVG (no script, nothing fetched: the page opens
 * from a file). Each chart is one section with the runs side by side; the runs of a chart share both
 * axes, and every chart shares the time axis, so the eye can compare robust with naive directly.
 *
 * <p>Every {@code <svg>} carries {@code class="chart"} and {@code data-points}, the number of data
 * points it draws (bars, or line vertices after downsampling), so a headless browser can check that
 * the charts show data. Where a run has nothing to draw, its figure says so in words instead.
 */
public final class ReplayCharts {

    /** The most vertices one line draws; longer series are downsampled, keeping each bucket's extremes. */
    static final int MAX_POINTS_PER_SERIES = 400;

    /** The assets whose charts come first: the ones a single venue's book dislocates in oct-2025. */
    private static final List<String> ASSET_ORDER = List.of("USDE", "WBETH", "BTC", "ETH");
    private static final String[] PALETTE = {"#1f6fd1", "#e8780c", "#2a9d4b", "#8e44ad", "#c0392b", "#16a5a5"};

    static final String CSS = ".runs{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:1em}"
            + "figure{margin:0;min-width:0}figure h3{margin:.2em 0;font-size:1em}"
            + "figcaption{font-size:.85em;color:#444;max-width:640px}"
            + "svg.chart{max-width:100%;height:auto;background:#fff;border:1px solid #ddd}"
            + "svg.chart text{font:11px sans-serif;fill:#333}svg.chart .axis-label{font-size:12px;fill:#000}"
            + "svg.chart .grid{stroke:#e6e6e6}svg.chart .axis{stroke:#333}.bar{fill:#c0392b}"
            + "svg.chart .adl{fill:#8e44ad}.caption{max-width:1300px;color:#333}"
            + ".empty{width:640px;max-width:100%;padding:2em 1em;border:1px dashed #bbb;color:#666;"
            + "font-style:italic;box-sizing:border-box}";

    private ReplayCharts() {
    }

    /** One run's charts: {@link #charts(List, List, List)} for a single run. */
    public static String charts(String label, Timeline timeline, Map<Integer, Long> liquidationsPerMinute) {
        return charts(List.of(label), List.of(timeline), List.of(liquidationsPerMinute));
    }

    /**
     * The charts of the given runs, one section per chart with the runs side by side: liquidation fills
     * per minute, then per asset its venues' prices against the honest price and the oracle's index and
     * mark, then the insurance fund's balance and coverage, ADL positions and notional, and liquidation
     * latency. A run whose timeline is {@link Timeline#empty() empty} shows only its liquidations.
     *
     * @param labels                the runs' names (for example robust, naive)
     * @param timelines             what each run saw, in the order of labels
     * @param liquidationsPerMinute each run's liquidation fills per simulated minute
     */
    public static String charts(List<String> labels, List<Timeline> timelines,
                                List<Map<Integer, Long>> liquidationsPerMinute) {
        if (labels.size() != timelines.size() || labels.size() != liquidationsPerMinute.size()) {
            throw new IllegalArgumentException("one label, timeline and liquidation count per run: " + labels.size()
                    + " labels, " + timelines.size() + " timelines, " + liquidationsPerMinute.size() + " counts");
        }
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            runs.add(new Run(labels.get(i), timelines.get(i), liquidationsPerMinute.get(i)));
        }
        Scale time = Scale.time(runs.stream().mapToDouble(Run::lastMinute).max().orElse(0));
        StringBuilder b = new StringBuilder();
        liquidations(b, runs, time);
        if (runs.stream().allMatch(r -> r.timeline.equals(Timeline.empty()))) {
            return b.append("<p class=\"caption\">No timeline was recorded: no price, fund, ADL or latency"
                    + " charts.</p>").toString();
        }
        for (String asset : assets(runs)) {
            prices(b, runs, time, asset);
        }
        fund(b, runs, time);
        coverage(b, runs, time);
        adl(b, runs, time, "ADL: positions reduced per simulated minute", "positions per minute",
                Timeline.AdlMinute::positions, v -> String.format(Locale.ROOT, "%,.0f positions", v));
        adl(b, runs, time, "ADL: notional reduced per simulated minute", "notional per minute (USDT)",
                Timeline.AdlMinute::notional, v -> String.format(Locale.ROOT, "%,.0f USDT", v));
        latency(b, runs, time);
        return b.toString();
    }

    /** Text and attribute values for HTML and SVG: {@code & < > " '} escaped. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }

    private record Run(String label, Timeline timeline, Map<Integer, Long> liquidations) {

        boolean recorded() {
            return !timeline.equals(Timeline.empty());
        }

        /** The last simulated minute anything in the run happened (a bar's minute ends one later). */
        double lastMinute() {
            double last = liquidations.keySet().stream().mapToDouble(m -> m + 1).max().orElse(0);
            for (List<Timeline.PricePoint> points : timeline.prices().values()) {
                last = Math.max(last, points.stream().mapToDouble(Timeline.PricePoint::minute).max().orElse(0));
            }
            last = Math.max(last, timeline.fund().stream().mapToDouble(Timeline.FundPoint::minute).max().orElse(0));
            last = Math.max(last, timeline.adl().stream().mapToDouble(a -> a.minute() + 1).max().orElse(0));
            return Math.max(last, timeline.latency().stream().mapToDouble(l -> l.minute() + 1).max().orElse(0));
        }
    }

    // ---- the charts

    private static void liquidations(StringBuilder b, List<Run> runs, Scale time) {
        double max = runs.stream().flatMap(r -> r.liquidations.values().stream()).mapToLong(Long::longValue)
                .max().orElse(1);
        Scale y = Scale.linear(0, max, true);
        List<String> figures = new ArrayList<>();
        for (Run run : runs) {
            if (run.liquidations.isEmpty()) {
                figures.add(figure(run.label, empty("no liquidation fills in this run"), ""));
                continue;
            }
            Plot plot = new Plot(time, y, "fills per minute", run.timeline.marks());
            Map.Entry<Integer, Long> peak = null; // the earliest of the busiest minutes
            for (Map.Entry<Integer, Long> minute : new TreeMap<>(run.liquidations).entrySet()) {
                plot.bar("bar", minute.getKey(), minute.getValue(),
                        String.format(Locale.ROOT, "T+%d min: %d", minute.getKey(), minute.getValue()));
                peak = peak == null || minute.getValue() > peak.getValue() ? minute : peak;
            }
            long total = run.liquidations.values().stream().mapToLong(Long::longValue).sum();
            figures.add(figure(run.label, plot.svg(), String.format(Locale.ROOT,
                    "%,d fills, in %d minutes with any; the busiest minute, T+%d, had %,d.", total,
                    run.liquidations.size(), peak.getKey(), peak.getValue())));
        }
        section(b, "Liquidation fills per simulated minute", figures, "Each bar is one simulated minute: how many"
                + " liquidation orders filled in it. The runs share the vertical scale.");
    }

    private static void prices(StringBuilder b, List<Run> runs, Scale time, String asset) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean marks = false;
        for (Run run : runs) {
            for (Timeline.PricePoint p : run.timeline.prices().getOrDefault(asset, List.of())) {
                for (double v : values(p)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                marks |= p.mark() != null;
            }
        }
        Scale y = Scale.linear(lo, hi, false);
        List<String> figures = new ArrayList<>();
        for (Run run : runs) {
            List<Timeline.PricePoint> points = run.timeline.prices().getOrDefault(asset, List.of());
            if (points.isEmpty()) {
                figures.add(figure(run.label, empty(run.recorded() ? "no " + asset + " prices recorded in this run"
                        : "no timeline recorded for this run"), ""));
                continue;
            }
            Plot plot = new Plot(time, y, "price (USDT)", run.timeline.marks());
            Set<String> venues = new TreeSet<>();
            points.forEach(p -> venues.addAll(p.venues().keySet()));
            Deviation furthest = null;
            for (String venue : venues) {
                List<double[]> line = series(points, p -> p.venues().get(venue));
                plot.line("venue " + venue, "#9a9a9a", 1, null, line, venue);
                Deviation d = Deviation.largest(venue, points, p -> p.venues().get(venue));
                furthest = furthest == null || (d != null && d.relative > furthest.relative) ? d : furthest;
            }
            List<double[]> index = series(points, Timeline.PricePoint::index);
            plot.line("index", PALETTE[0], 2.5, null, index, "oracle index");
            if (marks) {
                plot.line("mark", PALETTE[1], 1.5, null, series(points, Timeline.PricePoint::mark), "oracle mark");
            }
            // the honest price last: its dashes stay visible over an index that follows it
            plot.line("honest", "#000", 1.5, "6 4", series(points, Timeline.PricePoint::honest), "honest price");
            plot.legend("#9a9a9a", 1, null, "each venue");
            plot.legend("#000", 1.5, "6 4", "honest price");
            if (!index.isEmpty()) {
                plot.legend(PALETTE[0], 2.5, null, "oracle index");
            }
            if (marks) {
                plot.legend(PALETTE[1], 1.5, null, "oracle mark (perpetual)");
            }
            StringBuilder caption = new StringBuilder();
            if (furthest != null && furthest.relative >= 0.02) {
                plot.note(furthest.minute, furthest.price, furthest.price < furthest.honest, furthest.venue);
                caption.append(String.format(Locale.ROOT, "Furthest venue: %s, %s at T+%.0f (%+.1f%% from honest). ",
                        escape(furthest.venue), price(furthest.price), furthest.minute,
                        100 * (furthest.price / furthest.honest - 1)));
            } else if (furthest != null) {
                caption.append("Every venue stayed within 2% of the honest price. ");
            }
            Deviation strayed = Deviation.largest("index", points, Timeline.PricePoint::index);
            if (strayed != null) {
                caption.append(String.format(Locale.ROOT, "The index strayed at most %.2f%% from honest (T+%.0f).",
                        100 * strayed.relative, strayed.minute));
            } else {
                caption.append("The oracle published no index in this run.");
            }
            figures.add(figure(run.label, plot.svg(), caption.toString()));
        }
        section(b, asset + ": venue prices against the honest price and the oracle", figures,
                "Each thin grey line is one venue's price; the dashed line is what " + escape(asset)
                        + " is worth (the honest price); the bold blue line is the oracle's index"
                        + (marks ? " and the orange one its mark of the perpetual" : "")
                        + ". A grey line far from the others is a dislocated venue: a robust index stays with the"
                        + " honest price, a naive one follows the venue it reads.");
    }

    private static void fund(StringBuilder b, List<Run> runs, Scale time) {
        steps(b, runs, time, "Insurance fund balance", "balance (USDT)", Timeline.FundPoint::balance,
                v -> String.format(Locale.ROOT, "%,.0f USDT", v),
                "The insurance fund of each group after every change the replay saw (it holds between changes)."
                        + " It pays for liquidations that fill worse than bankrupt; when it cannot, ADL follows.");
    }

    private static void coverage(StringBuilder b, List<Run> runs, Scale time) {
        steps(b, runs, time, "Insurance fund coverage", "coverage (% of open interest)", f -> 100 * f.coverage(),
                v -> String.format(Locale.ROOT, "%.2f%%", v),
                "Coverage is the fund's balance divided by the open interest it backs, in percent, per group.");
    }

    /** Step lines per fund group: a value holds from one change to the next, and to the run's last minute. */
    private static void steps(StringBuilder b, List<Run> runs, Scale time, String title, String axis,
                              ToDoubleFunction<Timeline.FundPoint> value, Function<Double, String> format,
                              String caption) {
        Set<String> groups = new TreeSet<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Run run : runs) {
            for (Timeline.FundPoint f : run.timeline.fund()) {
                double v = value.applyAsDouble(f);
                if (Double.isFinite(v)) {
                    groups.add(f.group());
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        Scale y = Scale.linear(lo, hi, false);
        Map<String, String> colors = colors(groups);
        List<String> figures = new ArrayList<>();
        for (Run run : runs) {
            Map<String, List<double[]>> byGroup = new TreeMap<>();
            run.timeline.fund().stream().sorted(Comparator.comparingDouble(Timeline.FundPoint::minute))
                    .filter(f -> Double.isFinite(value.applyAsDouble(f)))
                    .forEach(f -> byGroup.computeIfAbsent(f.group(), g -> new ArrayList<>())
                            .add(new double[] {f.minute(), value.applyAsDouble(f)}));
            if (byGroup.isEmpty()) {
                figures.add(figure(run.label, empty(run.recorded() ? "no insurance fund changes recorded in this run"
                        : "no timeline recorded for this run"), ""));
                continue;
            }
            Plot plot = new Plot(time, y, axis, run.timeline.marks());
            StringBuilder text = new StringBuilder();
            double end = run.lastMinute();
            byGroup.forEach((group, points) -> {
                plot.steps("group " + group, colors.get(group), points, end, group);
                plot.legend(colors.get(group), 2, null, group);
                double[] first = points.get(0);
                double[] last = points.get(points.size() - 1);
                text.append(points.size() == 1
                        ? String.format(Locale.ROOT, "%s: %s from T+%.0f, unchanged. ", escape(group),
                                format.apply(first[1]), first[0])
                        : String.format(Locale.ROOT, "%s: %s at T+%.0f, %s at T+%.0f (lowest %s). ", escape(group),
                                format.apply(first[1]), first[0], format.apply(last[1]), last[0],
                                format.apply(points.stream().mapToDouble(p -> p[1]).min().orElseThrow())));
            });
            figures.add(figure(run.label, plot.svg(), text.toString().trim()));
        }
        section(b, title, figures, caption + " The runs share the vertical scale.");
    }

    private static void adl(StringBuilder b, List<Run> runs, Scale time, String title, String axis,
                            ToDoubleFunction<Timeline.AdlMinute> value, Function<Double, String> format) {
        double max = runs.stream().flatMap(r -> r.timeline.adl().stream()).mapToDouble(value).max().orElse(1);
        Scale y = Scale.linear(0, max, true);
        List<String> figures = new ArrayList<>();
        for (Run run : runs) {
            List<Timeline.AdlMinute> adl = run.timeline.adl().stream().filter(a -> value.applyAsDouble(a) > 0)
                    .sorted(Comparator.comparingInt(Timeline.AdlMinute::minute)).toList();
            if (adl.isEmpty()) {
                figures.add(figure(run.label, empty(run.recorded() ? "no ADL executions in this run"
                        : "no timeline recorded for this run"), ""));
                continue;
            }
            Plot plot = new Plot(time, y, axis, run.timeline.marks());
            adl.forEach(a -> plot.bar("adl", a.minute(), value.applyAsDouble(a),
                    String.format(Locale.ROOT, "T+%d min: %s", a.minute(), format.apply(value.applyAsDouble(a)))));
            figures.add(figure(run.label, plot.svg(), String.format(Locale.ROOT,
                    "%s in total over %d minutes, T+%d to T+%d.", format.apply(adl.stream().mapToDouble(value).sum()),
                    adl.size(), adl.get(0).minute(), adl.get(adl.size() - 1).minute())));
        }
        section(b, title, figures, "Auto-deleveraging: when the insurance fund cannot cover a liquidation's loss,"
                + " profitable opposite positions are reduced, ranked. Each bar is one simulated minute; the runs share"
                + " the vertical scale.");
    }

    private static void latency(StringBuilder b, List<Run> runs, Scale time) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Run run : runs) {
            for (Timeline.LatencyPoint l : run.timeline.latency()) {
                for (double v : new double[] {l.p50(), l.p99(), l.max()}) {
                    if (v > 0) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        boolean log = hi / lo >= 100;
        Scale y = log ? Scale.log(lo, hi) : Scale.linear(0, hi, true);
        String axis = log ? "latency (ms, log scale)" : "latency (ms)";
        List<String> figures = new ArrayList<>();
        for (Run run : runs) {
            List<Timeline.LatencyPoint> points = run.timeline.latency().stream()
                    .sorted(Comparator.comparingInt(Timeline.LatencyPoint::minute)).toList();
            if (points.isEmpty()) {
                figures.add(figure(run.label, empty(run.recorded() ? "no liquidation latency recorded in this run"
                        : "no timeline recorded for this run"), ""));
                continue;
            }
            Plot plot = new Plot(time, y, axis, run.timeline.marks());
            plot.line("p50", PALETTE[2], 1.5, null, latencySeries(points, Timeline.LatencyPoint::p50), "p50");
            plot.line("p99", PALETTE[1], 1.5, null, latencySeries(points, Timeline.LatencyPoint::p99), "p99");
            plot.line("max", PALETTE[4], 1, "3 2", latencySeries(points, Timeline.LatencyPoint::max), "max");
            plot.legend(PALETTE[2], 1.5, null, "p50");
            plot.legend(PALETTE[1], 1.5, null, "p99");
            plot.legend(PALETTE[4], 1, "3 2", "max");
            Timeline.LatencyPoint worst = points.stream().max(Comparator.comparingDouble(Timeline.LatencyPoint::p99))
                    .orElseThrow();
            figures.add(figure(run.label, plot.svg(), String.format(Locale.ROOT,
                    "%,d fills; the median minute's p50 %s ms; the worst p99 %s ms at T+%d; the slowest fill %s ms.",
                    points.stream().mapToLong(Timeline.LatencyPoint::fills).sum(),
                    ms(median(points.stream().mapToDouble(Timeline.LatencyPoint::p50).sorted().toArray())),
                    ms(worst.p99()), worst.minute(),
                    ms(points.stream().mapToDouble(Timeline.LatencyPoint::max).max().orElseThrow()))));
        }
        section(b, "Liquidation latency", figures, "Milliseconds from the price tick that made an account liquidatable"
                + " to its liquidation fill, per simulated minute: the median (p50), the 99th percentile and the"
                + " slowest fill." + (log ? " The vertical axis is logarithmic (each gridline ×10) because the values"
                + " span a wide range." : "") + " The runs share the vertical scale.");
    }

    // ---- helpers for the charts

    private static List<String> assets(List<Run> runs) {
        Set<String> all = new LinkedHashSet<>();
        runs.forEach(r -> r.timeline.prices().forEach((asset, points) -> {
            if (!points.isEmpty()) {
                all.add(asset);
            }
        }));
        List<String> ordered = new ArrayList<>(ASSET_ORDER.stream().filter(all::contains).toList());
        all.stream().filter(a -> !ASSET_ORDER.contains(a)).sorted().forEach(ordered::add);
        return ordered;
    }

    private static List<Double> values(Timeline.PricePoint p) {
        List<Double> values = new ArrayList<>(p.venues().values());
        values.add(p.honest());
        if (p.index() != null) {
            values.add(p.index());
        }
        if (p.mark() != null) {
            values.add(p.mark());
        }
        return values.stream().filter(Double::isFinite).toList();
    }

    /** The points where the series has a value, in time order, downsampled to {@link #MAX_POINTS_PER_SERIES}. */
    private static List<double[]> series(List<Timeline.PricePoint> points,
                                         Function<Timeline.PricePoint, Double> value) {
        List<double[]> line = new ArrayList<>();
        points.stream().sorted(Comparator.comparingDouble(Timeline.PricePoint::minute)).forEach(p -> {
            Double v = value.apply(p);
            if (v != null && Double.isFinite(v)) {
                line.add(new double[] {p.minute(), v});
            }
        });
        return downsample(line, MAX_POINTS_PER_SERIES);
    }

    private static List<double[]> latencySeries(List<Timeline.LatencyPoint> points,
                                                ToDoubleFunction<Timeline.LatencyPoint> value) {
        // a latency is the middle of its minute
        return downsample(points.stream().map(l -> new double[] {l.minute() + 0.5, value.applyAsDouble(l)}).toList(),
                MAX_POINTS_PER_SERIES);
    }

    /**
     * At most {@code max} of the points, in order: the first, the last, and between them the lowest and highest
     * of each of {@code (max - 2) / 2} equal buckets, so a spike or a dip survives the thinning.
     */
    static List<double[]> downsample(List<double[]> points, int max) {
        if (points.size() <= max) {
            return points;
        }
        int n = points.size();
        int buckets = (max - 2) / 2;
        List<double[]> kept = new ArrayList<>(max);
        kept.add(points.get(0));
        for (int bucket = 0; bucket < buckets; bucket++) {
            int from = 1 + (int) ((long) bucket * (n - 2) / buckets);
            int to = 1 + (int) ((long) (bucket + 1) * (n - 2) / buckets);
            int lowest = from;
            int highest = from;
            for (int i = from; i < to; i++) {
                lowest = points.get(i)[1] < points.get(lowest)[1] ? i : lowest;
                highest = points.get(i)[1] > points.get(highest)[1] ? i : highest;
            }
            if (from < to) {
                kept.add(points.get(Math.min(lowest, highest)));
                if (lowest != highest) {
                    kept.add(points.get(Math.max(lowest, highest)));
                }
            }
        }
        kept.add(points.get(n - 1));
        return kept;
    }

    /** The sample at which a series was furthest from the honest price, relatively. */
    private record Deviation(String venue, double minute, double price, double honest, double relative) {

        static Deviation largest(String name, List<Timeline.PricePoint> points,
                                 Function<Timeline.PricePoint, Double> value) {
            Deviation largest = null;
            for (Timeline.PricePoint p : points) {
                Double v = value.apply(p);
                if (v == null || !Double.isFinite(v) || p.honest() <= 0) {
                    continue;
                }
                double relative = Math.abs(v / p.honest() - 1);
                if (largest == null || relative > largest.relative) {
                    largest = new Deviation(name, p.minute(), v, p.honest(), relative);
                }
            }
            return largest;
        }
    }

    private static Map<String, String> colors(Set<String> names) {
        Map<String, String> colors = new LinkedHashMap<>();
        for (String name : names) {
            colors.put(name, PALETTE[colors.size() % PALETTE.length]);
        }
        return colors;
    }

    private static double median(double[] sorted) {
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.1f", v);
    }

    private static String price(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%,.0f" : "%.4f", v);
    }

    private static String empty(String note) {
        return "<p class=\"empty\">" + escape(note) + "</p>";
    }

    /** {@code caption} is HTML, already escaped. */
    private static String figure(String label, String content, String caption) {
        return "<figure><h3>" + escape(label) + "</h3>" + content
                + (caption.isEmpty() ? "" : "<figcaption>" + caption + "</figcaption>") + "</figure>";
    }

    /** {@code caption} is HTML, already escaped. */
    private static void section(StringBuilder b, String title, List<String> figures, String caption) {
        b.append("<section><h2>").append(escape(title)).append("</h2><div class=\"runs\">");
        figures.forEach(b::append);
        b.append("</div><p class=\"caption\">").append(caption).append("</p></section>");
    }

    // ---- drawing

    /** A mapping from data values to pixels along one axis, with its ticks. */
    private record Scale(double lo, double hi, double step, boolean log, boolean minutes) {

        /** Simulated minutes from 0, ending on a tick: ticks every 5 to 480 minutes, at most 8 of them. */
        static Scale time(double last) {
            double end = last > 0 ? last : 180;
            double step = 480;
            for (double s : new double[] {5, 10, 15, 30, 60, 120, 240, 480}) {
                if (end / s <= 8) {
                    step = s;
                    break;
                }
            }
            return new Scale(0, Math.ceil(end / step - 1e-9) * step, step, false, true);
        }

        /** From a nice tick below {@code min} (or from 0) to one above {@code max}, about 5 ticks. */
        static Scale linear(double min, double max, boolean fromZero) {
            if (!Double.isFinite(min) || !Double.isFinite(max)) {
                min = 0;
                max = 1;
            }
            if (fromZero) {
                min = Math.min(0, min);
            }
            if (max - min <= Math.abs(max) * 1e-9) {
                double pad = max == 0 ? 1 : Math.abs(max) * 0.05;
                min = fromZero ? min : max - pad;
                max = max + pad;
            } else if (!fromZero) { // keep a line at the extremes off the frame
                double pad = (max - min) * 0.03;
                min -= pad;
                max += pad;
            }
            double step = nice((max - min) / 5);
            return new Scale(Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step, step, false,
                    false);
        }

        /** Whole decades around the values. */
        static Scale log(double min, double max) {
            return new Scale(Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.ceil(Math.log10(max))), 10,
                    true, false);
        }

        private static double nice(double raw) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / magnitude;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
        }

        /** Where {@code v} falls between 0 (lo) and 1 (hi); values beyond the ends are clamped. */
        double fraction(double v) {
            double f = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                    : (v - lo) / (hi - lo);
            return Math.max(0, Math.min(1, f));
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            if (log) {
                for (double t = lo; t <= hi * 1.0001; t *= 10) {
                    ticks.add(t);
                }
            } else {
                long n = Math.round((hi - lo) / step);
                for (long i = 0; i <= n; i++) {
                    ticks.add(lo + i * step);
                }
            }
            return ticks;
        }

        String label(double v) {
            if (minutes) {
                return String.format(Locale.ROOT, "T+%.0f", v);
            }
            double precision = log ? v : step;
            boolean millions = log ? v >= 1e6 : Math.max(Math.abs(lo), Math.abs(hi)) >= 1e6 && step >= 1e4;
            if (millions) { // every tick of the axis alike: 0.95M, 1.00M
                return String.format(Locale.ROOT, "%." + decimals(precision / 1e6) + "fM", v / 1e6);
            }
            return String.format(Locale.ROOT, precision >= 1 ? "%,.0f" : "%." + decimals(precision) + "f", v);
        }

        private static int decimals(double step) {
            return Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        }
    }

    /** One SVG chart: a plot area with gridlines, labelled axes, series and a legend below. */
    private static final class Plot {

        static final int WIDTH = 640;
        static final int LEFT = 74;
        static final int RIGHT = 24;
        static final int TOP = 14;
        static final int PLOT_HEIGHT = 200;
        static final int BOTTOM = 44;
        static final int LEGEND_ROW = 18;
        static final int LEGEND_LEFT = 30;

        private final Scale x;
        private final Scale y;
        private final String yLabel;
        private final List<Timeline.Mark> marks;
        private final StringBuilder series = new StringBuilder();
        private final List<String> legend = new ArrayList<>();
        private final List<Double> legendWidths = new ArrayList<>();
        private int points;

        Plot(Scale x, Scale y, String yLabel, List<Timeline.Mark> marks) {
            this.x = x;
            this.y = y;
            this.yLabel = yLabel;
            this.marks = marks;
        }

        double px(double minute) {
            return LEFT + x.fraction(minute) * (WIDTH - LEFT - RIGHT);
        }

        double py(double v) {
            return TOP + (1 - y.fraction(v)) * PLOT_HEIGHT;
        }

        /** A bar over the simulated minute starting at {@code minute}. */
        void bar(String cssClass, int minute, double value, String tooltip) {
            double x0 = px(minute);
            double width = px(minute + 1) - x0;
            double top = py(value);
            series.append(String.format(Locale.ROOT,
                    "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s</title></rect>",
                    cssClass, x0, top, width > 2 ? width - 0.5 : Math.max(width, 0.8), py(y.lo) - top,
                    escape(tooltip)));
            points++;
        }

        /** A polyline through the points (time, value); a lone point is drawn as a dot. */
        void line(String name, String color, double width, String dash, List<double[]> data, String tooltip) {
            if (data.isEmpty()) {
                return;
            }
            StringBuilder at = new StringBuilder();
            for (double[] p : data) {
                at.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(p[0]), py(p[1])));
            }
            polyline(name, color, width, dash, at.toString().trim(), tooltip);
            if (data.size() == 1) {
                dot(color, data.get(0)[0], data.get(0)[1]);
            }
            points += data.size();
        }

        /** A step line: each value holds until the next point, the last until {@code end}; a dot per change. */
        void steps(String name, String color, List<double[]> data, double end, String tooltip) {
            List<double[]> shown = downsample(data, MAX_POINTS_PER_SERIES);
            StringBuilder at = new StringBuilder();
            double[] previous = null;
            for (double[] p : shown) {
                if (previous != null) {
                    at.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(p[0]), py(previous[1])));
                }
                at.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(p[0]), py(p[1])));
                previous = p;
            }
            double last = Math.max(end, previous[0]);
            at.append(String.format(Locale.ROOT, "%.1f,%.1f", px(last), py(previous[1])));
            polyline(name, color, 2, null, at.toString(), tooltip);
            if (shown.size() <= 60) {
                shown.forEach(p -> dot(color, p[0], p[1]));
            }
            points += shown.size();
        }

        private void polyline(String name, String color, double width, String dash, String at, String tooltip) {
            series.append(String.format(Locale.ROOT,
                    "<polyline data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s"
                            + " stroke-linejoin=\"round\" points=\"%s\"><title>%s</title></polyline>",
                    escape(name), color, width, dash == null ? "" : " stroke-dasharray=\"" + dash + "\"", at,
                    escape(tooltip)));
        }

        private void dot(String color, double minute, double value) {
            series.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                    px(minute), py(value), color));
        }

        /** A label next to a point of interest, under it when {@code below} (a dip), else over it; inside the plot. */
        void note(double minute, double value, boolean below, String text) {
            double tx = Math.min(px(minute) + 4, WIDTH - RIGHT - 6 * text.length());
            double ty = Math.max(TOP + 10, Math.min(TOP + PLOT_HEIGHT - 4, py(value) + (below ? 14 : -6)));
            series.append(String.format(Locale.ROOT, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">%s</text>", tx, ty,
                    escape(text)));
        }

        void legend(String color, double width, String dash, String label) {
            legend.add(String.format(Locale.ROOT,
                    "<line x1=\"0\" y1=\"-4\" x2=\"22\" y2=\"-4\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>"
                            + "<text x=\"27\" y=\"0\">%s</text>",
                    color, width, dash == null ? "" : " stroke-dasharray=\"" + dash + "\"", escape(label)));
            legendWidths.add(27 + 5.6 * label.length() + 14); // 11px sans-serif is about 5.6px a character
        }

        String svg() {
            List<double[]> at = new ArrayList<>(); // where each legend entry goes: x, row
            double lx = LEGEND_LEFT;
            int row = 0;
            for (double w : legendWidths) {
                if (lx + w > WIDTH - RIGHT && lx > LEGEND_LEFT) {
                    lx = LEGEND_LEFT;
                    row++;
                }
                at.add(new double[] {lx, row});
                lx += w;
            }
            int rows = legend.isEmpty() ? 0 : row + 1;
            int height = TOP + PLOT_HEIGHT + BOTTOM + rows * LEGEND_ROW;
            int bottom = TOP + PLOT_HEIGHT;
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\""
                            + " viewBox=\"0 0 %d %d\" data-points=\"%d\">", WIDTH, height, WIDTH, height, points));
            for (double t : y.ticks()) {
                s.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                                + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT, py(t),
                        WIDTH - RIGHT, py(t), LEFT - 6, py(t) + 4, escape(y.label(t))));
            }
            for (double t : x.ticks()) {
                s.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                                + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", px(t), TOP, px(t),
                        bottom + 4, px(t), bottom + 16, escape(x.label(t))));
            }
            s.append(series);
            for (Timeline.Mark mark : marks) {
                s.append(String.format(Locale.ROOT, "<g class=\"mark\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                                + " stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\""
                                + " y=\"%d\" fill=\"#c0392b\">%s</text><title>%s</title></g>", px(mark.minute()), TOP,
                        px(mark.minute()), bottom, px(mark.minute()) + 3, TOP + 10, escape(mark.label()),
                        escape(String.format(Locale.ROOT, "T+%.1f min: %s", mark.minute(), mark.label()))));
            }
            s.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                            + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", LEFT, TOP, LEFT, bottom,
                    LEFT, bottom, WIDTH - RIGHT, bottom));
            s.append(String.format(Locale.ROOT, "<text class=\"axis-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                    + "simulated minutes after the start (T+0)</text>", (LEFT + WIDTH - RIGHT) / 2.0, bottom + 34));
            s.append(String.format(Locale.ROOT, "<text class=\"axis-label\" x=\"14\" y=\"%.1f\" text-anchor=\"middle\""
                    + " transform=\"rotate(-90 14 %.1f)\">%s</text>", TOP + PLOT_HEIGHT / 2.0, TOP + PLOT_HEIGHT / 2.0,
                    escape(yLabel)));
            for (int i = 0; i < legend.size(); i++) {
                s.append(String.format(Locale.ROOT, "<g transform=\"translate(%.1f %.1f)\">%s</g>", at.get(i)[0],
                        bottom + BOTTOM + LEGEND_ROW * at.get(i)[1] + 12, legend.get(i)));
            }
            return s.append("</svg>").toString();
        }
    }
}
