package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LoadReportTest {

    private static final SurgeLoad.Plan PLAN = new SurgeLoad.Plan(2, 100, 1000, Duration.ofSeconds(60), 1000, 1L, 1000,
            Duration.ofSeconds(10), Duration.ofSeconds(120), LoadPrices.all(), false);

    /** {@code values} in milliseconds, recorded in microseconds as the loop does. */
    private static Histogram histogram(long... millis) {
        Histogram h = new Histogram(3);
        for (long ms : millis) {
            h.recordValue(ms * 1000);
        }
        return h;
    }

    private static SurgeLoad.Result result(SurgeLoad.Applied applied) {
        OpenLoop.Summary trades = new OpenLoop.Summary("trades", 200, 60, 12_000, 12_000, 0, 0, 0, Map.of(),
                histogram(2, 3, 4, 900), histogram(2, 3, 4, 5));
        OpenLoop.Summary queries = new OpenLoop.Summary("risk queries", 2000, 60, 120_000, 90_000, 28_000, 1_500, 500,
                Map.of("HTTP 500", 1_000L, "timeout", 500L), histogram(10, 20, 30, 4000), histogram(10, 20, 30, 40));
        return new SurgeLoad.Result(PLAN, trades, queries, applied, 28_100);
    }

    @Test
    void theTableSetsBothStreamsSideBySideAndSaysWhatTheTradeLatencyMeasures() {
        String table = LoadReport.table(result(new SurgeLoad.Applied(12_000, 12_000, 340, 1.25)));

        assertThat(table).containsPattern("offered / s\\s+200\\.0\\s+2,000\\.0");
        assertThat(table).containsPattern("achieved / s \\(served\\)\\s+200\\.0\\s+1,500\\.0");
        assertThat(table).containsPattern("shed \\(429\\)\\s+-\\s+28,000");
        assertThat(table).containsPattern("failed\\s+0\\s+1,500");
        assertThat(table).containsPattern("not sent \\(client full\\)\\s+0\\s+500");
        assertThat(table).containsPattern("latency max ms\\s+90\\d\\.\\d\\s+4,00\\d\\.\\d");
        assertThat(table).containsPattern("p99 uncorrected ms\\s+5\\.00\\s+40\\.0");
        assertThat(table).contains("latency = intended send -> Kafka acknowledgement");
        assertThat(table).contains("applied all 12,000 acknowledged trades 1.3 s after the last acknowledgement"
                + " (backlog then: 340)");
        assertThat(table).contains("failed risk queries: HTTP 500 x1,000, timeout x500");
    }

    @Test
    void aRunWhoseTradesWereNotAllAppliedSaysSo() {
        String table = LoadReport.table(result(new SurgeLoad.Applied(12_000, 11_000, 5_000, 120)));

        assertThat(table).contains("NOT APPLIED: margin-service applied 11,000 of 12,000 acknowledged trades");
    }

    @Test
    void writesTheResultAsJsonAndEachHistogramsPercentileDistribution(@TempDir Path dir) throws Exception {
        SurgeLoad.Result r = result(new SurgeLoad.Applied(12_000, 12_000, 340, 1.25));
        LoadReport.write(dir, r);

        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("result.json")));
        assertThat(json.path("plan").path("multiplier").asDouble()).isEqualTo(100);
        assertThat(json.path("plan").path("prices").asString()).startsWith("BTC 60000 (±10), ETH 3000 (±2), SOL 220")
                .endsWith("WBETH = ETH x 1.0812 (binance-staking)");
        assertThat(json.path("riskQueries").path("shedCount").asLong()).isEqualTo(28_000);
        assertThat(json.path("riskQueries").path("failures").path("timeout").asLong()).isEqualTo(500);
        assertThat(json.path("riskQueries").path("correctedMs").path("max").asDouble()).isBetween(3990.0, 4010.0);
        assertThat(json.path("trades").path("appliedByMarginService").path("complete").asBoolean()).isTrue();
        assertThat(Files.readString(dir.resolve("summary.txt"))).isEqualTo(LoadReport.table(r));
        for (String file : new String[]{"trades-corrected.hgrm", "trades-uncorrected.hgrm",
                "risk-queries-corrected.hgrm", "risk-queries-uncorrected.hgrm"}) {
            assertThat(Files.readString(dir.resolve(file))).contains("Percentile").contains("#[Max");
        }
        assertThat(Files.readString(dir.resolve("risk-queries-corrected.hgrm"))).containsPattern("#\\[Max\\s+=\\s+400\\d\\.");
    }
}
