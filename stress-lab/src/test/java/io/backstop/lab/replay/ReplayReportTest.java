package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayReportTest {

    private static Replay.Result result(int wrongful, String wrongfulNotional, Map<Integer, Long> perMinute) {
        return new Replay.Result("oct-2025", 300, 167, 153, wrongful, new BigDecimal(wrongfulNotional),
                new BigDecimal("60000000"), new BigDecimal("6934843.2"), 262, 35, 0, 18, new BigDecimal("296368"), wrongful == 0 ? 3 : 1,
                BigDecimal.ZERO, 0.0011, "BTC", 81, 122, perMinute, true, "{}", new Replay.Outcomes(167, 0, 0, 0), new Replay.Liveness(300, 0, 0, List.of()),
                Timeline.empty(), new Replay.Latency(153, 420, 1800, 2500, 60, 40, 20, 300),
                new Replay.Money(new BigDecimal("1000"), new BigDecimal("-250.5"), new BigDecimal("12.5"), BigDecimal.ZERO,
                        BigDecimal.ZERO, new BigDecimal("737"), new BigDecimal("737"), 300, List.of(),
                        new BigDecimal("12.5"), Map.of("DEPOSIT", new BigDecimal("200000"), "FEE", new BigDecimal("12.5"),
                        "DEFICIT_COVERED", new BigDecimal("-30000"), "UNWIND", new BigDecimal("1234.4"))), 0.84, queries(), 2, 0, List.of(), decisions(), shape(), performance());
    }

    static Replay.Decisions decisions() {
        return new Replay.Decisions("0123456789abcdef", 8_107, new BigDecimal("67674"), 1, 1000, 50, null);
    }

    static Replay.Shape shape() {
        return new Replay.Shape(0.84, 0, Map.of("binance", 0.6512), 0.2);
    }

    static Replay.Performance performance() {
        Replay.Hop hop = new Replay.Hop(1000, 12.5, 80, 400, new double[] {3, 1, 0.2, 8});
        return new Replay.Performance(20_000, 300, 240, 0.75, 0.7, Map.of("oracle-service", hop, "margin-service", hop,
                "liquidation-service", hop, "insurance-fund-service", hop), hop);
    }

    /** 10,000 offered: 9,500 served in 2-40 ms, 450 shed, 50 failed. */
    static io.backstop.lab.load.OpenLoop.Summary queries() {
        org.HdrHistogram.Histogram corrected = new org.HdrHistogram.Histogram(3_600_000_000L, 3);
        for (int i = 0; i < 9_500; i++) {
            corrected.recordValue(i < 9_400 ? 2_000 : 40_000); // microseconds
        }
        return new io.backstop.lab.load.OpenLoop.Summary("risk queries", 200, 50, 10_000, 9_500, 450, 50, 0, Map.of(),
                corrected, corrected.copy());
    }

    @Test
    void theTableSetsTheRunsSideBySideWithAmplificationAndThePageChartsEachMinute() {
        List<Replay.Result> runs = List.of(result(0, "0", Map.of(3, 5L, 4, 10L)),
                result(67, "1200000000", Map.of(3, 7L, 80, 20L, 81, 1L)));
        String table = ReplayReport.table(List.of("robust", "naive"), runs);
        assertThat(table).contains("oct-2025 robust", "oct-2025 naive");
        assertThat(table.lines().filter(l -> l.startsWith("wrongful liquidations")).findFirst().orElseThrow())
                .matches("wrongful liquidations\\s+0\\s+67");
        assertThat(table).containsPattern("calls without outcome / twice\\s+0 / 0\\s+0 / 0");
        assertThat(runs).allMatch(Replay.Result::sound);
        assertThat(table).containsPattern("amplification \\(wrongful / manip\\.\\)\\s+0\\.00x\\s+20\\.00x");
        assertThat(table).containsPattern("fund: fees / deficits / unwinds\\s+12 / -30,000 / 1,234\\s+12 / -30,000 / 1,234");
        assertThat(table).containsPattern("tick->fill p50/p99/max \\(sim ms\\)\\s+420 / 1,800 / 2,500");
        assertThat(table).containsPattern("risk queries served / shed 429 / failed\\s+9,500 / 450 / 50");
        assertThat(table).containsPattern("share shed / p99 \\(ms, CO-corrected\\)\\s+4\\.5% / 40\\s");
        assertThat(table).containsPattern("events dead-lettered\\s+0\\s+0");
        assertThat(table).containsPattern("ADL legs refused, re-planned\\s+3\\s+1");
        assertThat(table).containsPattern("liquidated notional long\\s+84%\\s+84%\\s+84%");
        assertThat(table).containsPattern("USDe below 0.95\\s+0.65, one venue\\s+0.65 binance\\s+0.65 binance");
        assertThat(table).containsPattern("decisions \\(events\\) / digest\\s+8,107 / 0123456789abcdef");
        assertThat(table).containsPattern("speed: shock / whole run\\s+45.0x / 42.0x");
        // the decisions come first, apart from the wall-clock figures, which are the only ones a machine changes
        String decisions = table.substring(0, table.indexOf("Platform performance"));
        assertThat(decisions).doesNotContain("risk queries", "run time", "steps");
        assertThat(table.substring(table.indexOf("Platform performance"))).contains("risk queries", "run time (s)");
        assertThat(table).containsPattern("money conserved \\(USDT, to the unit\\)\\s+yes\\s+yes");

        String page = ReplayReport.html("Backstop & friends", List.of("robust", "naive"), runs);
        assertThat(page).startsWith("<!doctype html>").contains("Backstop &amp; friends").endsWith("</html>");
        assertThat(page.split("<rect ", -1).length - 1).isEqualTo(5); // one bar per minute with liquidations
        assertThat(page).contains("<title>T+80 min: 20</title>").contains("data-points=\"3\"");
    }
}
