package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.lab.runtime.PlatformCpu;
import io.backstop.lab.runtime.PlatformWrites;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainRunsTest {

    private static DrainRuns.Run run(double seconds, long liquidationNanos, long postgresNanos, long wal,
                                     long offsets) {
        Map<String, Optional<Long>> cpu = new LinkedHashMap<>();
        cpu.put("liquidation-service", Optional.of(liquidationNanos));
        cpu.put("postgres (and its backends)", Optional.of(postgresNanos));
        cpu.put(PlatformCpu.GENERATOR, Optional.of(9_000_000_000L));
        PlatformWrites.Written writes = new PlatformWrites.Written(
                Map.of("liquidation.liquidation", new PlatformWrites.Rows(1_000, 2_000, 0, 0)), Optional.of(wal),
                Optional.of(900L), Optional.of(Map.of("liquidation", 500L, "insurance", wal / 10_000)),
                Map.of("margin.calls", offsets), List.of());
        return new DrainRuns.Run(1_000, seconds, cpu, writes);
    }

    private static String print(List<DrainRuns.Run> runs, long warmUp) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DrainRuns.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), runs, warmUp);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachFigureIsTheMedianOfTheDrainsWithTheirRangeAndTheGeneratorIsNotThePlatforms() {
        // liquidation 0.5, 0.9, 0.7 ms a call; postgres 0.2, 0.4, 0.3; the platform 0.7, 1.3, 1.0
        String out = print(List.of(run(2.0, 500_000_000L, 200_000_000L, 6_000_000L, 1_000),
                run(4.0, 900_000_000L, 400_000_000L, 7_000_000L, 1_000),
                run(1.0, 700_000_000L, 300_000_000L, 6_500_000L, 1_000)), 5_000);

        assertThat(out).contains("3 drains of 1,000 calls after a warm-up of 5,000: median (lowest-highest)");
        assertThat(out).containsPattern("calls drained a second\\s+500 \\(250-1,000\\)");
        assertThat(out).containsPattern("liquidation-service\\s+0\\.700 \\(0\\.500-0\\.900\\)");
        assertThat(out).containsPattern("platform\\s+1\\.000 \\(0\\.700-1\\.300\\)");
        assertThat(out).containsPattern("load generator \\(this process\\)\\s+9\\.000");
        assertThat(out).containsPattern("PostgreSQL rows written a call\\s+3\\.00 \\(3\\.00-3\\.00\\)");
        assertThat(out).containsPattern("WAL bytes a call\\s+6,500 \\(6,000-7,000\\)");
        assertThat(out).containsPattern("commits a call\\s+0\\.90");
        // 500 + 600, 700, 650 statements for 1,000 calls
        assertThat(out).containsPattern("statements a call\\s+1\\.15 \\(1\\.10-1\\.20\\)");
        assertThat(out).containsPattern("Kafka offsets a call\\s+1\\.00 \\(1\\.00-1\\.00\\)");
    }

    @Test
    void anEvenNumberOfDrainsTakesTheMeanOfTheMiddleTwoAndAComponentNotLocalHasNoRow() {
        assertThat(DrainRuns.median(List.of(1.0, 2.0, 4.0, 9.0))).isEqualTo(3.0);
        DrainRuns.Run local = run(1.0, 500_000_000L, 200_000_000L, 1L, 1L);
        Map<String, Optional<Long>> cpu = new LinkedHashMap<>(local.cpu());
        cpu.put("postgres (and its backends)", Optional.empty());
        DrainRuns.Run external = new DrainRuns.Run(1_000, 1.0, cpu, local.writes());

        String out = print(List.of(local, external), 0);

        assertThat(out).contains("2 drains of 1,000 calls, no warm-up");
        assertThat(out).doesNotContain("postgres (and its backends)").doesNotContain("  platform");
        assertThat(out).containsPattern("liquidation-service\\s+0\\.500");
        assertThatThrownBy(() -> print(List.of(), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
