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

    public static String table(List<String> labels, List<Replay.Result> results) {
        StringBuilder b = new StringBuilder();
        java.util.Iterator<String> label = labels.iterator();
        row(b, "", results, r -> r.scenario() + " " + label.next());
        row(b, "traders", results, r -> String.format("%,d", r.accounts()));
        row(b, "margin calls", results, r -> String.format("%,d", r.marginCalls()));
        row(b, "accounts liquidated", results, r -> String.format("%,d", r.accountsLiquidated()));
        row(b, "wrongful liquidations", results, r -> String.format("%,d", r.wrongful()));
        row(b, "  any undervaluation (incl. lag)", results, r -> String.format("%,d", r.coveredAtTrueValue()));
        row(b, "wrongful notional (USDT)", results, r -> money(r.wrongfulNotional()));
        row(b, "manipulation (USDT)", results, r -> money(r.manipulation()));
        row(b, "amplification (wrongful / manip.)", results, r -> r.manipulation().signum() == 0 ? "-"
                : String.format("%.2fx", r.amplification()));
        row(b, "liquidated notional (USDT)", results, r -> money(r.liquidatedNotional()));
        row(b, "  of it long", results, r -> String.format("%.0f%%", 100 * r.longShare()));
        row(b, "liquidation fills", results, r -> String.format("%,d", r.liquidationFills()));
        row(b, "peak liquidations / s", results, r -> String.format("%,d", r.peakLiquidationsPerSecond()));
        row(b, "shortfalls", results, r -> String.format("%,d", r.shortfalls()));
        row(b, "fund takeovers", results, r -> String.format("%,d", r.takeovers()));
        row(b, "fund: fees / deficits / unwinds", results, r -> money(r.money().fund("FEE")) + " / "
                + money(r.money().fund("DEFICIT_COVERED")) + " / " + money(r.money().fund("UNWIND")));
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
        row(b, "risk queries served / shed 429 / failed", results, r -> r.queries() == null ? "-"
                : String.format("%,d / %,d / %,d", r.queries().served(), r.queries().shed(),
                r.queries().failed() + r.queries().notSent()));
        row(b, "  share shed / p99 (ms, CO-corrected)", results, r -> r.queries() == null || r.queries().offered() == 0
                ? "-" : String.format("%.1f%% / %,.0f", 100.0 * r.queries().shed() / r.queries().offered(),
                r.queries().correctedMillis(99)));
        row(b, "ledger check", results, r -> r.ledgerClean() ? "clean" : "DIFFERENCES");
        row(b, "money conserved (USDT, to the unit)", results, r -> r.money().conserved() ? "yes" : "NO: "
                + r.money().differences().size() + " differences");
        row(b, "events dead-lettered", results, r -> String.format("%,d", r.deadLetters()));
        row(b, "calls without outcome / twice", results, r -> r.outcomes().withoutOutcome() + " / "
                + r.outcomes().duplicated());
        row(b, "liquidations still open", results, r -> Integer.toString(r.outcomes().stillOpen()));
        row(b, "run time (s)", results, r -> String.format("%.0f", r.seconds()));
        return b.toString();
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
            + "<p>Below the table, each chart shows the runs side by side on the same axes; hover a bar or a line for"
            + " its value.</p></div>";

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
