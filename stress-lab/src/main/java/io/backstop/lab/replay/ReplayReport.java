package io.backstop.lab.replay;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.Function;

/** The side-by-side table of one or more replays (for example naive vs robust oracle). */
public final class ReplayReport {

    private ReplayReport() {
    }

    public static String table(List<Replay.Result> results) {
        StringBuilder b = new StringBuilder();
        row(b, "", results, Replay.Result::scenario);
        row(b, "traders", results, r -> String.format("%,d", r.accounts()));
        row(b, "margin calls", results, r -> String.format("%,d", r.marginCalls()));
        row(b, "accounts liquidated", results, r -> String.format("%,d", r.accountsLiquidated()));
        row(b, "wrongful liquidations", results, r -> String.format("%,d", r.wrongful()));
        row(b, "liquidated notional (USDT)", results, r -> money(r.liquidatedNotional()));
        row(b, "liquidation fills", results, r -> String.format("%,d", r.liquidationFills()));
        row(b, "peak liquidations / s", results, r -> String.format("%,d", r.peakLiquidationsPerSecond()));
        row(b, "shortfalls", results, r -> String.format("%,d", r.shortfalls()));
        row(b, "fund takeovers", results, r -> String.format("%,d", r.takeovers()));
        row(b, "ADL: positions / notional", results, r -> String.format("%,d / %s", r.adlExecutions(),
                money(r.adlNotional())));
        row(b, "socialized loss (USDT)", results, r -> money(r.socialized()));
        row(b, "max index deviation", results, r -> String.format("%.2f%% (%s)", 100 * r.maxIndexDeviation(),
                r.maxDeviationSymbol()));
        row(b, "ledger check", results, r -> r.ledgerClean() ? "clean" : "DIFFERENCES");
        row(b, "run time (s)", results, r -> String.format("%.0f", r.seconds()));
        return b.toString();
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
