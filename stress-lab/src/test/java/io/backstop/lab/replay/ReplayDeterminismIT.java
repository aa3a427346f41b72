package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.lab.runtime.LocalRuntime;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.TestPlatforms;
import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.Scenarios;
import io.backstop.lab.tracing.TraceCollector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The replay's promise, as a user would check it: the same scenario, seed and options replayed on two fresh
 * platforms on simulated time decide exactly the same, even when the second runs while two threads keep both
 * cores busy and each of the four services and PostgreSQL is killed once with SIGKILL during the shock. The first
 * quarter hour of 10 October with a small population (the first calls, liquidations into a moving book, the
 * liquidation fees the fund takes in), on real processes: Kafka, PostgreSQL and the four services, each platform
 * under target/. The first run exports its traces (and one liquidation's is followed from its tick to the fund),
 * the second has tracing off: traces change no decision.
 *
 * <p>The busy machine and the kills share one run (until 7 December 2026 they were two, each on a platform of its
 * own): each only ever slows a run on simulated time, so together they must not change it either, and the build
 * saves a platform's start and a replay, some three minutes.
 */
class ReplayDeterminismIT {

    private static final int TRADERS = 60;
    /** A platform with tracing off altogether (management.tracing.enabled=false). */
    private static final String TRACING_OFF = "off";

    @Test
    void theSameScenarioSeedAndOptionsDecideTheSameOnAQuietMachineAndOnABusyOneWithServicesKilled() throws Exception {
        Scenario scenario = Scenarios.load("oct-2025").with(null, 12.0);
        Replay.Result quiet;
        // the quiet run exports its spans over OTLP, as a user's collector would receive them; the other run has
        // tracing off altogether: tracing changes no decision (the two must decide the same)
        try (TraceCollector collector = new TraceCollector()) {
            quiet = onFreshPlatform("quiet", scenario, false, null, List.of(), collector.endpoint());
            aShortfallIsOneTraceFromItsTickToTheFund(collector);
        }
        // the chaos run of ./backstop chaos --kill margin,liquidation,insurance-fund,oracle,postgres on a busy machine:
        // SIGKILL each once, at T+2, 4, 6, 8 and 10 simulated min (with PostgreSQL killed every service's step fails
        // part-way and is asked again; the oracle at T+8 is where a kill in the middle of its step once changed its
        // next step's prices, before a step's offsets were committed with its work: docs/chaos.md, "The oracle killed
        // in the middle of its step"), while two threads keep both cores busy
        List<Chaos.Kills.Kill> kills = new ArrayList<>();
        Replay.Result busy = onFreshPlatform("busy-killed", scenario, true, new Chaos.KillPlan(
                "margin,liquidation,insurance-fund,oracle,postgres", Duration.ofMinutes(2), Duration.ofSeconds(1), 5, 1),
                kills, TRACING_OFF);

        assertThat(quiet.liquidationFills()).as("liquidations happened").isPositive();
        assertThat(quiet.marginCalls()).isPositive();
        assertThat(quiet.sound()).as("ledger, money, outcomes, dead letters, liveness").isTrue();
        assertThat(busy.sound()).as("nothing lost or doubled, money conserved, ledger clean").isTrue();
        List<String> a = Files.readAllLines(quiet.decisions().log());
        List<String> b = Files.readAllLines(busy.decisions().log());
        assertThat(a).hasSizeGreaterThan(500);
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            assertThat(b.get(i)).as("decision %d (first difference)", i + 1).isEqualTo(a.get(i));
        }
        assertThat(b).hasSameSizeAs(a);
        assertThat(Files.mismatch(busy.decisions().log(), quiet.decisions().log()))
                .as("the busy run with kills decided byte for byte as the quiet one").isEqualTo(-1L);
        assertThat(busy.decisions().digest()).isEqualTo(quiet.decisions().digest());
        // the whole decision section of the table, byte for byte
        assertThat(ReplayReport.decisions(List.of("run"), List.of(busy)))
                .isEqualTo(ReplayReport.decisions(List.of("run"), List.of(quiet)));

        // kills slow a run on simulated time, never change it
        assertThat(kills).extracting(Chaos.Kills.Kill::target).containsExactly(Chaos.Target.MARGIN,
                Chaos.Target.LIQUIDATION, Chaos.Target.INSURANCE_FUND, Chaos.Target.ORACLE, Chaos.Target.POSTGRES);
        assertThat(kills).allSatisfy(k -> assertThat(k.readyAfter()).as("%s back and ready", k.target()).isNotNull());
        // the report marks each kill at the simulated minute it came (due at T+2, 4, 6, 8, 10)
        assertThat(MARKS).extracting(Timeline.Mark::label).containsExactly("kill margin-service",
                "kill liquidation-service", "kill insurance-fund-service", "kill oracle-service", "kill postgres");
        for (int i = 0; i < MARKS.size(); i++) {
            assertThat(MARKS.get(i).minute()).as("minute of kill %d", i + 1).isBetween(2.0 * (i + 1), 2.0 * (i + 1) + 1);
        }
        assertThat(ReplayReport.html("chaos", List.of("clean", "busy, with kills"), List.of(quiet, busy),
                List.of(quiet.timeline(), busy.timeline().withMarks(MARKS)))).contains("kill liquidation-service");
        System.out.printf("decisions %s (%,d events); wall %.0f s quiet, %.0f s busy with %s%n",
                quiet.decisions().digest(), quiet.decisions().lines(), quiet.seconds(), busy.seconds(), kills);
    }

    /** The kills of the chaos run as the report marks them. */
    private static final List<Timeline.Mark> MARKS = new ArrayList<>();

    /**
     * A liquidation's trace as an operator would follow it back in their tracing tool: what the fund applied of it (the
     * liquidation's fee, a shortfall: the waterfall's input), its parent spans up to the root, one trace id, the four
     * services, the hops in causal order. (On simulated time the tick is applied within the oracle's simulation step,
     * an HTTP request: that request's span is the trace's root.)
     */
    private static void aShortfallIsOneTraceFromItsTickToTheFund(TraceCollector collector) {
        List<TraceCollector.CollectedSpan> spans = collector.spans();
        List<TraceCollector.CollectedSpan> shortfalls = spans.stream()
                .filter(s -> s.service().equals("insurance-fund-service") && (s.name().equals("liquidation.shortfalls apply")
                        || s.name().equals("insurance.contributions apply")))
                .toList();
        assertThat(shortfalls).as("the fund's spans for what liquidations handed it (%d spans from %d exports: %s)",
                spans.size(), collector.requests(), spans.stream().collect(java.util.stream.Collectors.groupingBy(
                        s -> s.service() + " " + s.name(), java.util.TreeMap::new,
                        java.util.stream.Collectors.counting()))).isNotEmpty();
        List<TraceCollector.CollectedSpan> chain = shortfalls.stream().map(collector::ancestry)
                .filter(c -> c.stream().anyMatch(s -> s.name().equals("market.ticks apply"))).findFirst()
                .orElseThrow(() -> new AssertionError("no trace of what the fund applied goes back to a tick; their roots: "
                        + shortfalls.stream().map(s -> collector.ancestry(s).get(0).service() + " "
                                + collector.ancestry(s).get(0).name()).distinct().toList()));
        chain.forEach(s -> System.out.printf("trace %s  %-24s %-30s %s%n", s.traceId(), s.service(), s.name(),
                s.attributes().getOrDefault("backstop.event.type", "")));
        assertThat(chain.stream().map(TraceCollector.CollectedSpan::traceId).distinct()).hasSize(1);
        assertThat(chain.stream().map(TraceCollector.CollectedSpan::service).distinct().toList())
                .as("the services in the order the liquidation went through them")
                .containsExactly("oracle-service", "margin-service", "liquidation-service", "insurance-fund-service");
        assertThat(chain.stream().map(TraceCollector.CollectedSpan::name).toList()).containsSubsequence(
                "market.ticks apply", "oracle.prices apply", "remark", "margin.calls apply", "liquidation round",
                "liquidation.executions apply");
        assertThat(chain.get(chain.size() - 1).service()).isEqualTo("insurance-fund-service");
        for (int i = 1; i < chain.size(); i++) {
            assertThat(chain.get(i).startNanos()).as("%s starts after %s", chain.get(i).name(), chain.get(i - 1).name())
                    .isGreaterThanOrEqualTo(chain.get(i - 1).startNanos());
        }
    }

    private static Replay.Result onFreshPlatform(String name, Scenario scenario, boolean hog, Chaos.KillPlan plan,
                                                 List<Chaos.Kills.Kill> killed, String traceEndpoint) throws Exception {
        // traceEndpoint: where the services export their spans over OTLP, TRACING_OFF, or null (traced, not exported)
        Path runDir = Path.of("target", "determinism-" + name + "-" + ProcessHandle.current().pid()).toAbsolutePath();
        Map<String, String> env = TestPlatforms.environment(runDir);
        env.put("BACKSTOP_CLOCK", RuntimeSettings.SIMULATED);
        if (TRACING_OFF.equals(traceEndpoint)) {
            env.put("BACKSTOP_SERVICE_JAVA_OPTS", env.get("BACKSTOP_SERVICE_JAVA_OPTS") + " -Dmanagement.tracing.enabled=false");
        } else if (traceEndpoint != null) {
            env.put("BACKSTOP_SERVICE_JAVA_OPTS", env.get("BACKSTOP_SERVICE_JAVA_OPTS")
                    + " -Dmanagement.opentelemetry.tracing.export.otlp.endpoint=" + traceEndpoint
                    + " -Dmanagement.opentelemetry.tracing.export.schedule-delay=200ms");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        LocalRuntime runtime = new LocalRuntime(RuntimeSettings.fromEnvironment(env), out);
        List<Thread> hogs = new ArrayList<>();
        try {
            assertThat(runtime.up()).as("platform %s up: %s", name, log).isZero();
            if (hog) {
                for (int i = 0; i < 2; i++) {
                    Thread t = new Thread(ReplayDeterminismIT::spin, "cpu-hog-" + i);
                    t.setDaemon(true);
                    t.start();
                    hogs.add(t);
                }
            }
            Replay replay = new Replay(runtime.settings(), out, new Replay.Options(Duration.ofSeconds(1),
                    Duration.ofMillis(50), 0, runDir.resolve("decisions.log")));
            if (plan == null) {
                return replay.run(scenario, TRADERS);
            }
            Chaos.Kills kills = new Chaos.Kills(plan, new LocalRuntime(runtime.settings(), out), replay::simulatedTime,
                    out);
            replay.duringShock(kills::start, kills::stopAndWait);
            Replay.Result result = replay.run(scenario, TRADERS);
            killed.addAll(kills.kills());
            MARKS.addAll(kills.marks());
            return result;
        } finally {
            hogs.forEach(Thread::interrupt);
            runtime.down();
            System.out.println(log.toString(StandardCharsets.UTF_8));
        }
    }

    /** Keeps a core busy until interrupted (the clock read each turn keeps the loop from being optimized away). */
    private static void spin() {
        long x = 0;
        while (!Thread.currentThread().isInterrupted()) {
            x += System.nanoTime() % 7;
        }
        spun = x;
    }

    private static volatile long spun;
}
