package io.backstop.kit.status;

import io.backstop.kit.status.PlatformStatus.Component;
import io.backstop.kit.status.PlatformStatus.Fund;
import io.backstop.kit.status.PlatformStatus.HistoryRow;
import io.backstop.kit.status.PlatformStatus.Incident;
import io.backstop.kit.status.PlatformStatus.State;
import io.backstop.kit.status.PlatformStatus.SymbolPrice;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.springframework.web.util.HtmlUtils;

/**
 * The public status page: one self-contained HTML document (no script, no external resource), refreshed by the
 * browser every 15 s. What a trader checks before blaming their own connection, and what an operator reads
 * first: the headline, the incidents and since when, each component, the oracle per symbol, the backlog, the
 * funds, and the last hour a cell per minute.
 */
final class StatusPage {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    private StatusPage() {
    }

    static String render(PlatformStatus s) {
        StringBuilder b = new StringBuilder(8_192);
        String headline = switch (s.overall()) {
            case OPERATIONAL -> "All systems operational";
            case DEGRADED -> "Degraded: some parts of the platform need attention";
            case OUTAGE -> "Outage: part of the platform is not working";
        };
        b.append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta http-equiv="refresh" content="15">
                <title>Backstop status</title>
                <style>
                body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
                main{max-width:960px;margin:0 auto;padding:24px}
                h1{font-size:22px;margin:0 0 16px} h2{font-size:16px;margin:28px 0 8px}
                .banner{padding:16px 20px;border-radius:8px;color:#fff;font-size:18px;font-weight:600}
                .OPERATIONAL{background:#1f9d55}.DEGRADED{background:#d69e2e}.OUTAGE{background:#c53030}
                table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden}
                td,th{padding:8px 12px;text-align:left;border-bottom:1px solid #e8eaee;font-size:14px}
                th{background:#eef0f4;font-weight:600}
                .state{font-weight:600}.s-UP,.s-OK{color:#1f9d55}.s-NOT_READY,.s-DEGRADED{color:#b7791f}
                .s-DOWN,.s-STALE{color:#c53030}
                .sev{font-size:12px;font-weight:700;padding:2px 6px;border-radius:4px;color:#fff}
                .CRITICAL{background:#c53030}.MAJOR{background:#d69e2e}.MINOR{background:#718096}
                .bar{display:flex;gap:1px}.bar span{flex:1;height:22px;border-radius:1px;background:#d5d9e0}
                .bar .c-UP{background:#38c172}.bar .c-NOT_READY{background:#f6ad55}.bar .c-DOWN{background:#e3342f}
                .muted{color:#6b7280;font-size:13px}
                </style></head><body><main>
                <h1>Backstop platform status</h1>
                """);
        b.append("<div class=\"banner ").append(s.overall()).append("\" id=\"overall\">").append(esc(headline))
                .append("</div>\n");
        b.append("<p class=\"muted\">As of ").append(TIME.format(s.time())).append(". This page refreshes every 15 s.</p>\n");

        b.append("<h2>Active incidents</h2>\n");
        if (s.incidents().isEmpty()) {
            b.append("<p id=\"incidents\">None.</p>\n");
        } else {
            b.append("<table id=\"incidents\"><tr><th>Severity</th><th>Incident</th><th>Since</th></tr>\n");
            for (Incident i : s.incidents()) {
                b.append("<tr><td><span class=\"sev ").append(i.severity()).append("\">").append(i.severity())
                        .append("</span></td><td><strong>").append(esc(i.title())).append("</strong><br><span class=\"muted\">")
                        .append(esc(i.detail())).append("</span></td><td>").append(CLOCK.format(i.since()))
                        .append(" (").append(age(Duration.between(i.since(), s.time()))).append(")</td></tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>Components</h2>\n<table id=\"components\"><tr><th>Component</th><th>State</th><th>Detail</th></tr>\n");
        for (Component c : s.components()) {
            b.append("<tr><td>").append(esc(c.service())).append("</td><td class=\"state s-").append(c.state())
                    .append("\">").append(label(c.state())).append("</td><td class=\"muted\">")
                    .append(esc(c.state() == State.UP ? c.instance() : c.detail())).append("</td></tr>\n");
        }
        b.append("</table>\n");

        b.append("<h2>Prices (oracle)</h2>\n");
        if (s.oracle().isEmpty()) {
            b.append(answered(s, StatusBoard.ORACLE) ? "<p>No symbol priced yet: the oracle has had no ticks.</p>\n"
                    : "<p>Unknown: the oracle did not answer.</p>\n");
        } else {
            b.append("<table id=\"oracle\"><tr><th>Symbol</th><th>Status</th></tr>\n");
            for (SymbolPrice p : s.oracle()) {
                b.append("<tr><td>").append(esc(p.symbol())).append("</td><td class=\"state s-").append(esc(p.status()))
                        .append("\">").append(esc(p.status())).append("</td></tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>Margin and liquidations</h2>\n<table id=\"backlog\">\n");
        row(b, "Accounts watched", number(s.margin().accounts()));
        row(b, "Margin calls held by the oracle's breaker", number(s.margin().heldCalls()));
        row(b, "Margin calls waiting to be liquidated", number(s.liquidations().queueDepth()));
        row(b, "Oldest waiting margin call", seconds(s.liquidations().queueOldestSeconds()));
        row(b, "Oldest liquidation order open at the exchange", seconds(s.liquidations().ordersOpenOldestSeconds()));
        b.append("</table>\n");

        b.append("<h2>Insurance funds</h2>\n");
        if (s.funds().isEmpty()) {
            b.append(answered(s, StatusBoard.FUND) ? "<p>No fund yet.</p>\n"
                    : "<p>Unknown: the insurance fund did not answer.</p>\n");
        } else {
            b.append("<table id=\"funds\"><tr><th>Group</th><th>Balance</th><th>Coverage (balance / open interest)</th></tr>\n");
            for (Fund f : s.funds()) {
                b.append("<tr><td>").append(esc(f.group())).append("</td><td>")
                        .append(String.format(Locale.ROOT, "%,.2f", f.balance())).append("</td><td>")
                        .append(f.coverage() == null ? "no open interest"
                                : String.format(Locale.ROOT, "%.2f%%", f.coverage() * 100)).append("</td></tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>The last hour</h2>\n<table id=\"history\">\n");
        for (HistoryRow r : s.lastHour()) {
            b.append("<tr><td style=\"width:140px\">").append(esc(r.component())).append("</td><td><div class=\"bar\">");
            for (State m : r.minutes()) {
                b.append("<span class=\"c-").append(m == null ? "none" : m.name()).append("\" title=\"")
                        .append(m == null ? "not sampled" : label(m)).append("\"></span>");
            }
            b.append("</div></td></tr>\n");
        }
        b.append("</table>\n<p class=\"muted\">A cell a minute, oldest on the left; grey: not sampled by this server.</p>\n");

        b.append("<p class=\"muted\">Served by ").append(esc(s.servedBy())).append(". Every Backstop service serves"
                + " this page and asks the others, so it stays up while any one of them runs. Machine-readable:"
                + " <a href=\"/api/v1/status\">/api/v1/status</a>.</p>\n</main></body></html>\n");
        return b.toString();
    }

    private static boolean answered(PlatformStatus s, String key) {
        return s.components().stream().anyMatch(c -> c.key().equals(key) && c.state() != State.DOWN);
    }

    private static void row(StringBuilder b, String label, String value) {
        b.append("<tr><td>").append(esc(label)).append("</td><td>").append(value).append("</td></tr>\n");
    }

    private static String label(State state) {
        return switch (state) {
            case UP -> "Operational";
            case NOT_READY -> "Not ready";
            case DOWN -> "Down";
        };
    }

    private static String number(Long n) {
        return n == null ? "unknown" : String.format(Locale.ROOT, "%,d", n);
    }

    private static String seconds(Double s) {
        return s == null ? "unknown" : s <= 0 ? "none" : age(Duration.ofMillis(Math.round(s * 1000)));
    }

    private static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s < 120 ? s + " s" : s < 7200 ? (s / 60) + " min" : (s / 3600) + " h";
    }

    static String esc(String text) {
        return text == null ? "" : HtmlUtils.htmlEscape(text, "UTF-8");
    }
}
