package io.backstop.kit.status;

import io.backstop.kit.status.PlatformStatus.Component;
import io.backstop.kit.status.PlatformStatus.Fund;
import io.backstop.kit.status.PlatformStatus.HistoryRow;
import io.backstop.kit.status.PlatformStatus.Incident;
import io.backstop.kit.status.PlatformStatus.Liquidations;
import io.backstop.kit.status.PlatformStatus.Margin;
import io.backstop.kit.status.PlatformStatus.Overall;
import io.backstop.kit.status.PlatformStatus.Severity;
import io.backstop.kit.status.PlatformStatus.State;
import io.backstop.kit.status.PlatformStatus.SymbolPrice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides what the status page says, from what each component answered (or that it did not) and the last
 * hour's samples. Plain Java: the same inputs give the same page. The incidents are raised from the same
 * conditions and thresholds as the Prometheus alerts of the same names (observability/prometheus/rules), without
 * their {@code for:} durations: the page shows the state now and since when it holds.
 */
public final class StatusBoard {

    // the meters the page reads (each service exports its own; SelfReporter sends those it has)
    public static final String ORACLE_STATUS = "backstop.oracle.status";
    public static final String MARGIN_ACCOUNTS = "backstop.margin.accounts";
    public static final String CALLS_HELD = "backstop.margin.calls.held.open";
    public static final String QUEUE_DEPTH = "backstop.liquidation.queue.depth";
    public static final String QUEUE_OLDEST = "backstop.liquidation.queue.oldest";
    public static final String ORDERS_OPEN_OLDEST = "backstop.liquidation.orders.open.oldest";
    public static final String FUND_BALANCE = "backstop.insurance.fund.balance";
    public static final String FUND_COVERAGE = "backstop.insurance.fund.coverage.ratio";
    public static final String ADL_EXECUTIONS = "backstop.insurance.adl.executions";
    public static final String SOCIALIZED = "backstop.insurance.socialized";
    public static final String LEDGER_DIFFERENCES = "backstop.insurance.ledger.differences";
    public static final List<String> METERS = List.of(ORACLE_STATUS, MARGIN_ACCOUNTS, CALLS_HELD, QUEUE_DEPTH,
            QUEUE_OLDEST, ORDERS_OPEN_OLDEST, FUND_BALANCE, FUND_COVERAGE, ADL_EXECUTIONS, SOCIALIZED,
            LEDGER_DIFFERENCES);

    /** The components whose facts each section reads, by their key in {@code backstop.status.peers}. */
    public static final String ORACLE = "oracle";
    public static final String MARGIN = "margin";
    public static final String LIQUIDATION = "liquidation";
    public static final String FUND = "fund";

    private static final String[] ORACLE_STATES = {"OK", "DEGRADED", "STALE"};

    /** The alerts' thresholds. */
    public record Thresholds(Duration queueOldest, Duration ordersUnanswered, double coverageMin) {
    }

    /** What the page shows, and the sample of it the history keeps. */
    public record Assessment(PlatformStatus status, StatusHistory.Sample sample) {
    }

    private final Thresholds thresholds;

    public StatusBoard(Thresholds thresholds) {
        this.thresholds = thresholds;
    }

    /**
     * @param answers  each peer's answer, in the order the page lists the components
     * @param lastHour the history's samples of the hour before {@code now}, oldest first
     */
    public Assessment assess(Instant now, Map<String, PeerAnswer> answers, List<StatusHistory.Sample> lastHour,
                             Duration window, String servedBy) {
        List<Component> components = new ArrayList<>();
        List<Incident> incidents = new ArrayList<>();
        Map<String, State> states = new LinkedHashMap<>();
        answers.forEach((key, answer) -> {
            Component c = component(key, answer);
            components.add(c);
            states.put(key, c.state());
            if (c.state() == State.DOWN) {
                incidents.add(incident("down:" + key, Severity.CRITICAL, c.service() + " is not answering",
                        c.detail() + ". " + consequence(key), now, lastHour));
            } else if (c.state() == State.NOT_READY) {
                incidents.add(incident("not-ready:" + key, Severity.MAJOR, c.service() + " is not ready",
                        "readiness " + c.detail() + ". " + consequence(key), now, lastHour));
            }
        });

        SelfReport oracle = report(answers, ORACLE);
        List<SymbolPrice> prices = new ArrayList<>();
        if (oracle != null) {
            Map<String, Double> bySymbol = new TreeMap<>();
            oracle.facts(ORACLE_STATUS).forEach(f -> bySymbol.merge(f.tags().getOrDefault("symbol", "?"), f.value(),
                    Math::max));
            bySymbol.forEach((symbol, value) -> {
                int code = (int) Math.round(value);
                String status = code >= 0 && code < ORACLE_STATES.length ? ORACLE_STATES[code] : "UNKNOWN";
                prices.add(new SymbolPrice(symbol, status));
                if (code == 2) {
                    incidents.add(incident("stale:" + symbol, Severity.CRITICAL, symbol + " price is STALE",
                            "too few fresh venues agree: margin calls on " + symbol + " are held until it recovers",
                            now, lastHour));
                } else if (code == 1) {
                    incidents.add(incident("degraded:" + symbol, Severity.MAJOR, symbol + " price is DEGRADED",
                            "some venues are excluded or old; the index still has a quorum", now, lastHour));
                }
            });
        }

        SelfReport margin = report(answers, MARGIN);
        Margin marginSection = margin == null ? new Margin(null, null)
                : new Margin(Math.round(margin.sum(MARGIN_ACCOUNTS)), Math.round(margin.sum(CALLS_HELD)));
        if (marginSection.heldCalls() != null && marginSection.heldCalls() > 0) {
            incidents.add(incident("held-calls", Severity.MAJOR, marginSection.heldCalls()
                    + " margin calls held by the oracle's breaker", "accounts below maintenance wait for a price the"
                    + " oracle trusts before they are liquidated", now, lastHour));
        }

        SelfReport liquidation = report(answers, LIQUIDATION);
        Liquidations backlog = liquidation == null ? new Liquidations(null, null, null) : new Liquidations(
                Math.round(liquidation.sum(QUEUE_DEPTH)), liquidation.max(QUEUE_OLDEST),
                liquidation.max(ORDERS_OPEN_OLDEST));
        if (backlog.queueOldestSeconds() != null
                && backlog.queueOldestSeconds() > thresholds.queueOldest().toSeconds()) {
            incidents.add(incident("queue-old", Severity.MAJOR, "Liquidations are waiting", String.format(Locale.ROOT,
                    "%d margin calls queued, the oldest for %.0f s", backlog.queueDepth(),
                    backlog.queueOldestSeconds()), now, lastHour));
        }
        if (backlog.ordersOpenOldestSeconds() != null
                && backlog.ordersOpenOldestSeconds() > thresholds.ordersUnanswered().toSeconds()) {
            incidents.add(incident("orders-unanswered", Severity.MAJOR, "Liquidation orders unanswered by the exchange",
                    String.format(Locale.ROOT, "the oldest open order has waited %.0f s",
                            backlog.ordersOpenOldestSeconds()), now, lastHour));
        }

        SelfReport fund = report(answers, FUND);
        List<Fund> funds = new ArrayList<>();
        double adlTotal = Double.NaN;
        double socializedTotal = Double.NaN;
        if (fund != null) {
            Map<String, Double> balances = new TreeMap<>();
            Map<String, Double> coverage = new TreeMap<>();
            fund.facts(FUND_BALANCE).forEach(f -> balances.put(f.tags().getOrDefault("group", "?"), f.value()));
            fund.facts(FUND_COVERAGE).forEach(f -> coverage.put(f.tags().getOrDefault("group", "?"), f.value()));
            balances.forEach((group, balance) -> {
                Double ratio = coverage.get(group);
                Double shown = ratio == null || ratio.isNaN() ? null : ratio;
                funds.add(new Fund(group, balance, shown));
                if (shown != null && shown < thresholds.coverageMin()) {
                    incidents.add(incident("coverage:" + group, Severity.MAJOR, "Insurance fund " + group
                            + " coverage is low", String.format(Locale.ROOT, "balance / open interest %.4f, below %.4f",
                            shown, thresholds.coverageMin()), now, lastHour));
                }
            });
            double ledger = fund.sum(LEDGER_DIFFERENCES);
            if (ledger > 0) {
                incidents.add(incident("ledger", Severity.CRITICAL, "The insurance fund's ledger does not balance",
                        String.format(Locale.ROOT, "the last ledger check found %.0f differences: money figures are"
                                + " not to be trusted until they are explained", ledger), now, lastHour));
            }
            adlTotal = fund.sum(ADL_EXECUTIONS);
            socializedTotal = fund.sum(SOCIALIZED);
            double adl = increase(adlTotal, lastHour, StatusHistory.Sample::adlTotal);
            if (adl > 0) {
                incidents.add(incident("adl", Severity.MAJOR, "Auto-deleveraging ran in the last hour",
                        String.format(Locale.ROOT, "%.0f positions auto-deleveraged: the fund could not absorb"
                                + " every bankrupt remainder", adl), now, lastHour));
            }
            double socialized = increase(socializedTotal, lastHour, StatusHistory.Sample::socializedTotal);
            if (socialized > 0) {
                incidents.add(incident("socialized", Severity.CRITICAL, "A loss was socialized in the last hour",
                        String.format(Locale.ROOT, "%.2f in the settlement asset shared among profitable accounts",
                                socialized), now, lastHour));
            }
        }

        incidents.sort(Comparator.comparing(Incident::severity).thenComparing(Incident::since)
                .thenComparing(Incident::key));
        Overall overall = incidents.stream().anyMatch(i -> i.severity() == Severity.CRITICAL) ? Overall.OUTAGE
                : incidents.isEmpty() ? Overall.OPERATIONAL : Overall.DEGRADED;
        Set<String> keys = new LinkedHashSet<>();
        incidents.forEach(i -> keys.add(i.key()));
        StatusHistory.Sample sample = new StatusHistory.Sample(now, states, keys, adlTotal, socializedTotal);
        List<HistoryRow> rows = history(now, window, states.keySet(), lastHour, sample);
        return new Assessment(new PlatformStatus(now, overall, components, incidents, prices, marginSection,
                backlog, funds, rows, servedBy), sample);
    }

    private static Component component(String key, PeerAnswer answer) {
        if (!answer.answered()) {
            return new Component(key, defaultService(key), State.DOWN, null, answer.problem());
        }
        SelfReport r = answer.report();
        return r.ready() ? new Component(key, r.service(), State.UP, r.instance(), "")
                : new Component(key, r.service(), State.NOT_READY, r.instance(), r.readiness());
    }

    private static String defaultService(String key) {
        return FUND.equals(key) ? "insurance-fund-service" : key + "-service";
    }

    private static String consequence(String key) {
        return switch (key) {
            case ORACLE -> "No new index or mark prices: margin calls wait for a trusted price.";
            case MARGIN -> "Accounts are not re-marked and no new margin call is issued; risk queries fail.";
            case LIQUIDATION -> "Margin calls queue up and no liquidation order is placed.";
            case FUND -> "Shortfalls wait for the waterfall; fund figures are unknown.";
            default -> "";
        };
    }

    private static SelfReport report(Map<String, PeerAnswer> answers, String key) {
        PeerAnswer a = answers.get(key);
        return a == null ? null : a.report();
    }

    /** Since when the incident holds: the start of the unbroken run of samples that had it, else now. */
    private static Incident incident(String key, Severity severity, String title, String detail, Instant now,
                                     List<StatusHistory.Sample> lastHour) {
        Instant since = now;
        for (int i = lastHour.size() - 1; i >= 0 && lastHour.get(i).incidents().contains(key); i--) {
            since = lastHour.get(i).time();
        }
        return new Incident(key, severity, title, detail, since);
    }

    /**
     * How much a counter grew over the window: now minus the oldest sample that knew it; everything when the
     * counter went back (its service restarted within the window); 0 with no earlier sample.
     */
    private static double increase(double now, List<StatusHistory.Sample> lastHour,
                                   java.util.function.ToDoubleFunction<StatusHistory.Sample> total) {
        for (StatusHistory.Sample s : lastHour) {
            double then = total.applyAsDouble(s);
            if (!Double.isNaN(then)) {
                return now >= then ? now - then : now;
            }
        }
        return 0;
    }

    /** A cell a minute over the window, each the worst state sampled in it; the current state in the last one. */
    private static List<HistoryRow> history(Instant now, Duration window, Set<String> keys,
                                            List<StatusHistory.Sample> lastHour, StatusHistory.Sample current) {
        int cells = (int) Math.max(1, window.toMinutes());
        Instant from = now.minus(Duration.ofMinutes(cells));
        List<StatusHistory.Sample> all = new ArrayList<>(lastHour);
        all.add(current);
        List<HistoryRow> rows = new ArrayList<>();
        for (String key : keys) {
            State[] minutes = new State[cells];
            for (StatusHistory.Sample s : all) {
                long cell = Duration.between(from, s.time()).toMinutes();
                State state = s.components().get(key);
                if (state == null || cell < 0) {
                    continue;
                }
                int i = (int) Math.min(cells - 1, cell);
                if (minutes[i] == null || state.compareTo(minutes[i]) > 0) {
                    minutes[i] = state;
                }
            }
            rows.add(new HistoryRow(key, java.util.Arrays.asList(minutes)));
        }
        return rows;
    }
}
