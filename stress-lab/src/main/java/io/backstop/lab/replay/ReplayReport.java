package io.backstop.lab.replay;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/** The side-by-side table of one or more replays (for example naive vs robust oracle), and the HTML report. */
public final class ReplayReport {

    private ReplayReport() {
    }

    /** The decisions, the day's shape and the platform's performance, each under its heading. */
    public static String table(List<String> labels, List<Replay.Result> results) {
        return "Decisions (simulated time: the same scenario, seed and options give the same on any machine)\n"
                + decisions(labels, results)
                + "\nThe day's shape (10-11 October 2025) next to the run's\n" + shape(labels, results)
                + "\nPlatform performance (wall clock: depends on the machine and what else runs on it)\n"
                + performance(labels, results);
    }

    /** What the platform decided, and the checks: a function of the scenario, the seed and the options only. */
    public static String decisions(List<String> labels, List<Replay.Result> results) {
        StringBuilder b = new StringBuilder();
        java.util.Iterator<String> label = labels.iterator();
        row(b, "", results, r -> r.scenario() + " " + label.next());
        row(b, "traders", results, r -> String.format("%,d", r.accounts()));
        row(b, "scale of the day's money", results, r -> String.format("1:%,.0f", 60_000_000 / r.manipulation()
                .doubleValue()));
        row(b, "tick / hop (simulated ms)", results, r -> r.decisions().tickMillis() + " / "
                + r.decisions().reactionMillis());
        row(b, "margin calls", results, r -> String.format("%,d", r.marginCalls()));
        row(b, "accounts liquidated", results, r -> String.format("%,d", r.accountsLiquidated()));
        row(b, "wrongful liquidations", results, r -> String.format("%,d", r.wrongful()));
        row(b, "  any undervaluation (incl. lag)", results, r -> String.format("%,d", r.coveredAtTrueValue()));
        row(b, "wrongful notional (USDT)", results, r -> money(r.wrongfulNotional()));
        row(b, "manipulation (USDT)", results, r -> money(r.manipulation()));
        row(b, "amplification (wrongful / manip.)", results, r -> r.manipulation().signum() == 0 ? "-"
                : String.format("%.2fx", r.amplification()));
        row(b, "liquidated notional (USDT)", results, r -> money(r.liquidatedNotional()));
        row(b, "  closed in the market", results, r -> String.format("%.1f%%", 100 * r.closedInTheMarket()));
        row(b, "liquidation fills", results, r -> String.format("%,d", r.liquidationFills()));
        row(b, "peak liquidations / simulated s", results, r -> String.format("%,d", r.peakLiquidationsPerSecond()));
        row(b, "shortfalls", results, r -> String.format("%,d", r.shortfalls()));
        row(b, "fund takeovers / notional", results, r -> String.format("%,d / %s", r.takeovers(),
                money(r.decisions().takenOverNotional())));
        row(b, "fund: fees / deficits / unwinds", results, r -> money(r.money().fund("FEE")) + " / "
                + money(r.money().fund("DEFICIT_COVERED")) + " / " + money(r.money().fund("UNWIND")));
        row(b, "ADL: positions / notional", results, r -> String.format("%,d / %s", r.adlExecutions(),
                money(r.adlNotional())));
        row(b, "  ADL legs refused, re-planned", results, r -> String.format("%,d", r.adlRefused()));
        row(b, "socialized loss (USDT)", results, r -> money(r.socialized()));
        row(b, "max index deviation", results, r -> String.format("%.2f%% (%s)", 100 * r.maxIndexDeviation(),
                r.maxDeviationSymbol()));
        row(b, "tick->fill p50/p99/max (sim ms)", results, r -> r.latency().liquidations() == 0 ? "-"
                : String.format("%,d / %,d / %,d", r.latency().p50(), r.latency().p99(), r.latency().max()));
        row(b, "  legs p50: price/call/order/fill", results, r -> String.format("%d/%d/%d/%d",
                r.latency().tickToPrice(), r.latency().priceToCall(), r.latency().callToOrder(),
                r.latency().orderToFill()));
        row(b, "ledger check", results, r -> r.ledgerClean() ? "clean" : "DIFFERENCES");
        row(b, "money conserved (USDT, to the unit)", results, r -> r.money().conserved() ? "yes" : "NO: "
                + r.money().differences().size() + " differences");
        row(b, "events dead-lettered", results, r -> String.format("%,d", r.deadLetters()));
        row(b, "calls without outcome / twice", results, r -> r.outcomes().withoutOutcome() + " / "
                + r.outcomes().duplicated());
        row(b, "liquidations still open", results, r -> Integer.toString(r.outcomes().stillOpen()));
        row(b, "below maint., no liquidation/hold", results, r -> Integer.toString(r.liveness().unattended()));
        row(b, "scopes left awaiting the waterfall", results, r -> Integer.toString(r.liveness().awaitingWaterfall()));
        row(b, "decisions (events) / digest", results, r -> String.format("%,d / %s", r.decisions().lines(),
                r.decisions().digest()));
        return b.toString();
    }

    /** The run's shape beside what the day was reported to be. */
    public static String shape(List<String> labels, List<Replay.Result> results) {
        StringBuilder b = new StringBuilder();
        java.util.Iterator<String> label = labels.iterator();
        b.append(String.format("%-34s%28s", "", "the day"));
        results.forEach(r -> b.append(String.format("%28s", label.next())));
        b.append('\n');
        shapeRow(b, "liquidated notional long", "84%", results, r -> String.format("%.0f%%", 100 * r.shape().longShare()));
        shapeRow(b, "busiest hour", "T+0-1 h (6.0 of 19.3B)", results, r -> r.shape().busiestHour() < 0 ? "-"
                : String.format("T+%d-%d h", r.shape().busiestHour(), r.shape().busiestHour() + 1));
        shapeRow(b, "USDe below 0.95", "0.65, one venue", results, r -> r.shape().usdeLows().isEmpty() ? "nowhere"
                : r.shape().usdeLows().entrySet().stream().map(e -> String.format("%.2f %s", e.getValue(), e.getKey()))
                .collect(java.util.stream.Collectors.joining(", ")));
        shapeRow(b, "wBETH under ETH x rate, own pair", "-20%", results, r -> String.format("-%.0f%%",
                100 * r.shape().wbethDiscount()));
        return b.toString();
    }

    /** How fast the platform went: wall time, which the machine decides. */
    public static String performance(List<String> labels, List<Replay.Result> results) {
        StringBuilder b = new StringBuilder();
        java.util.Iterator<String> label = labels.iterator();
        row(b, "", results, r -> r.scenario() + " " + label.next());
        row(b, "run time (s)", results, r -> String.format("%.0f", r.seconds()));
        row(b, "speed: shock / whole run", results, r -> String.format("%.1fx / %.1fx", 60 * r.performance().shockSpeed(),
                60 * r.performance().speed()));
        row(b, "  (simulated min per wall s)", results, r -> String.format("%.2f / %.2f", r.performance().shockSpeed(),
                r.performance().speed()));
        row(b, "steps", results, r -> String.format("%,d", r.performance().steps()));
        row(b, "step ms p50/p99/max", results, r -> hop(r.performance().step()));
        for (String service : List.of("oracle-service", "margin-service", "liquidation-service",
                "insurance-fund-service")) {
            row(b, "  hop " + service.replace("-service", ""), results, r -> {
                Replay.Hop h = r.performance().hops().get(service);
                return h == null ? "-" : hop(h);
            });
            row(b, "    p50 read+apply+commit+work", results, r -> {
                Replay.Hop h = r.performance().hops().get(service);
                return h == null ? "-" : parts(h);
            });
        }
        row(b, "risk queries served / shed 429 / failed", results, r -> r.queries() == null ? "-"
                : String.format("%,d / %,d / %,d", r.queries().served(), r.queries().shed(),
                r.queries().failed() + r.queries().notSent()));
        row(b, "  share shed / p99 (ms, CO-corrected)", results, r -> r.queries() == null || r.queries().offered() == 0
                ? "-" : String.format("%.1f%% / %,.0f", 100.0 * r.queries().shed() / r.queries().offered(),
                r.queries().correctedMillis(99)));
        return b.toString();
    }

    private static String hop(Replay.Hop h) {
        return h.count() == 0 ? "-" : String.format("%.1f / %.1f / %.0f", h.p50(), h.p99(), h.max());
    }

    private static String parts(Replay.Hop h) {
        return h.count() == 0 || h.partsP50().length < 4 ? "-" : String.format("%.1f+%.1f+%.1f+%.1f",
                h.partsP50()[0], h.partsP50()[1], h.partsP50()[2], h.partsP50()[3]);
    }

    private static void shapeRow(StringBuilder b, String label, String day, List<Replay.Result> results,
                                 Function<Replay.Result, String> value) {
        b.append(String.format("%-34s%28s", label, day));
        for (Replay.Result r : results) {
            b.append(String.format("%28s", value.apply(r)));
        }
        b.append('\n');
    }

    /** {@link #html(String, List, List, List)} without timelines: the table and the liquidations per minute. */
    public static String html(String title, List<String> labels, List<Replay.Result> results) {
        return html(title, labels, results, Collections.nCopies(results.size(), Timeline.empty()));
    }

    /**
     * A self-contained HTML page (no script, nothing fetched): a short guide to reading it, the table, and
     * {@link ReplayCharts the charts} of each run side by side.
     *
     * @param timelines what each run saw over simulated time, in the order of results
     */
    public static String html(String title, List<String> labels, List<Replay.Result> results,
                              List<Timeline> timelines) {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + ReplayCharts.escape(title)
                + "</title><style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
                + "pre{background:#f4f4f4;padding:1em;overflow-x:auto}.guide{max-width:60em}" + ReplayCharts.CSS
                + "</style></head><body><h1>" + ReplayCharts.escape(title) + "</h1>" + GUIDE
                + "<h2>Side by side</h2><pre>" + ReplayCharts.escape(table(labels, results)) + "</pre>"
                + ReplayCharts.charts(labels, timelines,
                        results.stream().map(Replay.Result::liquidationsPerMinute).toList())
                + "</body></html>";
    }

    private static final String GUIDE = "<div class=\"guide\">"
            + "<p>Backstop's stress lab replays a stress scenario on the running platform once per oracle mode and"
            + " counts what the platform did. The demo replays 10 October 2025, scaled to minutes: a shock, a cascade"
            + " while market makers withdraw, USDe sold into one venue's thin book (0.65 there, 1.00"
            + " everywhere else; the day's $60M scaled 1:600 with the population) and wBETH 20% below ETH &times; rate on its own thin pair. The <em>robust</em> oracle"
            + " takes the median of many venues, drops outliers and prices wrapped collateral as underlying &times;"
            + " rate; the <em>naive</em> one reads one venue's spot price, and exists only to show what the robust one"
            + " prevents.</p>"
            + "<p><strong>Wrongful liquidations</strong> are accounts liquidated after a margin call that their"
            + " collateral, valued at its honest price (with the exchange's own haircuts), would have avoided: the call"
            + " is judged again with only the collateral's price changed, positions at the very marks the call used,"
            + " and counts when the collateral had been undervalued by more than 1% of its true value (an oracle lags"
            + " the honest price by a tick; an account a hair from its maintenance margin can cross it on that alone,"
            + " which the row below the count shows). They were liquidated by a bad price, not by losses. A"
            + " trustworthy oracle keeps this at zero.</p>"
            + "<p><strong>Amplification</strong> is the notional of the wrongful liquidations divided by the notional"
            + " of the manipulation: how many dollars of positions were wrongly closed per dollar spent pushing a"
            + " price. On the real day about $60M of selling coincided with $19.3B of liquidations; 0&times; means the"
            + " manipulation liquidated nobody who was solvent.</p>"
            + "<p>The replay runs in lockstep with the platform on <strong>simulated time</strong>: the services' clocks"
            + " move only when the replay steps them, every hop between services (and to the exchange's book) takes the"
            + " same simulated time, and each service takes in a step's events in an order that depends only on the"
            + " data. So the first table (decisions, in simulated time) is the same for the same scenario, seed and"
            + " options on any machine, however loaded; its digest is the fingerprint of every decision. The last"
            + " table (wall clock) says how fast this machine ran it, and is the only one that varies.</p>"
            + "<p>Below the tables, each chart shows the runs side by side on the same axes; hover a bar or a line for"
            + " its value.</p></div>";

    private static void row(StringBuilder b, String label, List<Replay.Result> results,
                            Function<Replay.Result, String> value) {
        b.append(String.format("%-34s", label));
        for (Replay.Result r : results) {
            b.append(String.format("%28s", value.apply(r)));
        }
        b.append('\n');
    }

    private static String money(BigDecimal v) {
        return String.format("%,.0f", v.setScale(0, RoundingMode.HALF_EVEN));
    }
}
