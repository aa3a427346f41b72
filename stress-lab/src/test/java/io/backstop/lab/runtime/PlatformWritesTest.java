package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlatformWritesTest {

    @Test
    void theWritesBetweenTwoSamplesArePerTableAndTopicWithUnchangedOnesLeftOutAndNewOnesCountedFromZero() {
        PlatformWrites.Sample before = new PlatformWrites.Sample(Map.of(
                "liquidation.liquidation", new PlatformWrites.Rows(10, 20, 1, 0),
                "margin.account", new PlatformWrites.Rows(5, 5, 5, 0)), Optional.of(1_000L), Optional.of(7L),
                Optional.of(Map.of("liquidation", 1_000L, "insurance", 300L, "oracle", 40L)),
                Map.of("margin.calls", 100L, "oracle.prices", 50L), List.of());
        PlatformWrites.Sample after = new PlatformWrites.Sample(Map.of(
                "liquidation.liquidation", new PlatformWrites.Rows(210, 420, 1, 0),
                "margin.account", new PlatformWrites.Rows(5, 5, 5, 0),
                "liquidation.outbox_batch", new PlatformWrites.Rows(3, 0, 0, 3)), Optional.of(1_801_000L),
                Optional.of(207L), Optional.of(Map.of("liquidation", 1_100L, "insurance", 350L, "oracle", 40L,
                "margin", 10L)),
                Map.of("margin.calls", 300L, "oracle.prices", 50L, "liquidation.fills", 400L), List.of());

        PlatformWrites.Written w = PlatformWrites.Written.between(before, after);

        assertThat(w.tables()).containsOnlyKeys("liquidation.liquidation", "liquidation.outbox_batch");
        assertThat(w.tables().get("liquidation.liquidation")).isEqualTo(new PlatformWrites.Rows(200, 400, 0, 0));
        assertThat(w.rows()).isEqualTo(606);
        assertThat(w.walBytes()).contains(1_800_000L);
        assertThat(w.commits()).contains(200L);
        assertThat(w.offsets()).containsExactlyInAnyOrderEntriesOf(Map.of("margin.calls", 200L, "liquidation.fills",
                400L));
        assertThat(w.records()).isEqualTo(600);
        assertThat(w.statements()).hasValue(Map.of("liquidation", 100L, "insurance", 50L, "margin", 10L));
        assertThat(w.statementCount()).hasValue(160L);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PlatformWrites.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), w, 200, "call");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("Writes per call, from PostgreSQL's statistics and the broker's offsets (200 calls):");
        assertThat(out).containsPattern("liquidation\\.liquidation\\s+1\\.00\\s+2\\.00 \\(0\\.00\\)\\s+0\\.00");
        assertThat(out).containsPattern("all tables\\s+3\\.03 rows written a call");
        assertThat(out).containsPattern("WAL\\s+9,000 bytes a call");
        assertThat(out).containsPattern("commits\\s+1\\.00 a call");
        assertThat(out).containsPattern("statements\\s+0\\.80 a call \\(pg_stat_statements\\)");
        assertThat(out).containsPattern("by liquidation\\s+0\\.50").doesNotContain("by oracle");
        assertThat(out).containsPattern("liquidation\\.fills\\s+2\\.00");
        assertThat(out).containsPattern("all topics\\s+3\\.00 offsets a call");
        assertThat(out).doesNotContain("oracle.prices").doesNotContain("not measured");
    }

    @Test
    void aPartThatCouldNotBeReadIsNamedAndItsFiguresLeftOut() {
        PlatformWrites.Sample before = new PlatformWrites.Sample(Map.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of("margin.calls", 1L), List.of("PostgreSQL (connection refused)"));
        PlatformWrites.Sample after = new PlatformWrites.Sample(Map.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of("margin.calls", 11L), List.of("PostgreSQL (connection refused)"));

        PlatformWrites.Written w = PlatformWrites.Written.between(before, after);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PlatformWrites.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), w, 10, "call");
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(w.walBytes()).isEmpty();
        assertThat(out).doesNotContain("PostgreSQL rows").doesNotContain("WAL").doesNotContain("statements");
        assertThat(out).containsOnlyOnce("not measured: PostgreSQL (connection refused)");
        assertThat(out).containsPattern("margin\\.calls\\s+1\\.00");
    }

    @Test
    void whereStatementsAreNotCountedTheTableSaysWhatWouldCountThem() {
        PlatformWrites.Sample sample = new PlatformWrites.Sample(Map.of(), Optional.of(5L), Optional.of(1L),
                Optional.empty(), Map.of(), List.of());

        PlatformWrites.Written w = PlatformWrites.Written.between(sample, sample);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PlatformWrites.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), w, 10, "call");

        assertThat(w.statementCount()).isEmpty();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains(PlatformWrites.NO_STATEMENTS)
                .contains("pg_stat_statements is not loaded");
    }

    @Test
    void aMeasurementSaysWhetherItsCommitsWaitedForTheDisk() {
        assertThat(PlatformWrites.describeWalFlush("off", "on")).startsWith("PostgreSQL does not flush its WAL")
                .contains("BACKSTOP_PG_FSYNC=on");
        assertThat(PlatformWrites.describeWalFlush("on", "off")).contains("commits do not wait for it");
        assertThat(PlatformWrites.describeWalFlush("on", "on"))
                .isEqualTo("PostgreSQL flushes its WAL to disk before each commit returns (fsync on,"
                        + " synchronous_commit on)");
    }
}
