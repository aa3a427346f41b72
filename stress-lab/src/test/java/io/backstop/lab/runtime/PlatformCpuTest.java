package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlatformCpuTest {

    @Test
    void theTimesAreCountedFromTheCommandNamesLastParenthesisSoANameWithSpacesAndParenthesesDoesNotShiftThem() {
        String stat = "4242 (postgres: x (y) z) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 89 10 20 0 1 0 100 "
                + "200000000 5000 18446744073709551615";

        assertThat(PlatformCpu.parseTimes(stat)).containsExactly(1234, 567, 89, 10);
    }

    @Test
    void cpuThisProcessSpendsShowsInItsOwnTimes() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long before = PlatformCpu.ownNanos(ProcessHandle.current().pid()).orElseThrow();
        long spentUntil = threads.getCurrentThreadCpuTime() + 300_000_000L; // CPU time, however busy the machine is
        long spin = 0;
        while (threads.getCurrentThreadCpuTime() < spentUntil) {
            spin += 1 + Long.numberOfTrailingZeros(spin);
        }
        long after = PlatformCpu.ownNanos(ProcessHandle.current().pid()).orElseThrow();

        assertThat(spin).isPositive();
        assertThat(after - before).isGreaterThanOrEqualTo(280_000_000L); // 0.3 s of this thread, in 10 ms ticks
    }

    @Test
    void theInstancesOfAServiceAreSummedUnderOneRowThatSaysHowManyThereAre() {
        ProcessHandle self = ProcessHandle.current();
        PlatformCpu cpu = new PlatformCpu(Map.of("liquidation-service", List.of(self, self)));

        long before = PlatformCpu.treeNanos(self).orElseThrow();
        PlatformCpu.Sample sample = cpu.sample();
        long after = PlatformCpu.treeNanos(self).orElseThrow();

        assertThat(sample.nanos()).containsKey("liquidation-service x2");
        assertThat(sample.nanos().get("liquidation-service x2").orElseThrow()).isBetween(2 * before, 2 * after);
    }

    @Test
    void aComponentNotRunningHereIsReportedAsNotLocalAndLeftOutOfThePlatformsTotal() {
        Map<String, List<ProcessHandle>> components = new LinkedHashMap<>();
        components.put("margin-service", List.of(ProcessHandle.current()));
        components.put("postgres (external)", List.of());
        PlatformCpu cpu = new PlatformCpu(components);

        PlatformCpu.Sample before = cpu.sample();
        PlatformCpu.Sample after = new PlatformCpu.Sample(Map.of(
                "margin-service", before.nanos().get("margin-service").map(n -> n + 2_000_000_000L),
                "postgres (external)", Optional.empty(),
                PlatformCpu.GENERATOR, before.nanos().get(PlatformCpu.GENERATOR)));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PlatformCpu.print(new PrintStream(printed, true, StandardCharsets.UTF_8), before, after, 1_000, "call", 8_700);
        String report = printed.toString(StandardCharsets.UTF_8);

        assertThat(after.since(before).get("margin-service")).contains(2_000_000_000L);
        assertThat(report).containsPattern("margin-service +2\\.000 +2\\.0")
                .containsPattern("postgres \\(external\\) +- +not local")
                .containsPattern("platform +2\\.000 +2\\.0 +\\(only the components running here\\)")
                .contains("the platform needs 17.4 cores");
    }

    @Test
    void thePlatformsTotalLeavesTheGeneratorOutAndSaysWhetherEveryComponentWasLocal() {
        Map<String, Optional<Long>> spent = new LinkedHashMap<>();
        spent.put("margin-service", Optional.of(3_000_000L));
        spent.put("kafka", Optional.of(2_000_000L));
        spent.put(PlatformCpu.GENERATOR, Optional.of(50_000_000L));
        assertThat(PlatformCpu.platformNanos(spent)).isEqualTo(5_000_000L);
        assertThat(PlatformCpu.everyComponentLocal(spent)).isTrue();

        spent.put("postgres (and its backends)", Optional.empty());
        assertThat(PlatformCpu.platformNanos(spent)).isEqualTo(5_000_000L);
        assertThat(PlatformCpu.everyComponentLocal(spent)).isFalse();
    }

    @Test
    void aRunAtAFixedRateIsReportedAsEachComponentsShareOfACore() {
        Map<String, Optional<Long>> before = new LinkedHashMap<>();
        before.put("liquidation-service x2", Optional.of(1_000_000_000L));
        before.put("postgres (external)", Optional.empty());
        before.put(PlatformCpu.GENERATOR, Optional.of(0L));
        Map<String, Optional<Long>> after = new LinkedHashMap<>();
        after.put("liquidation-service x2", Optional.of(4_000_000_000L)); // 3 s of CPU in 10 s
        after.put("postgres (external)", Optional.empty());
        after.put(PlatformCpu.GENERATOR, Optional.of(5_000_000_000L));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        PlatformCpu.printShares(new PrintStream(printed, true, StandardCharsets.UTF_8), new PlatformCpu.Sample(before),
                new PlatformCpu.Sample(after), 10.0);
        String report = printed.toString(StandardCharsets.UTF_8);

        assertThat(report).containsPattern("liquidation-service x2 +30%")
                .containsPattern("postgres \\(external\\) +not local")
                .containsPattern("load generator \\(this process\\) +50%");
    }
}
