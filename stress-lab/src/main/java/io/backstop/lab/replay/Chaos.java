package io.backstop.lab.replay;

import io.backstop.lab.runtime.Directories;
import io.backstop.lab.runtime.LocalRuntime;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import io.backstop.lab.scenario.Scenario;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./backstop chaos}: a scenario replayed twice on fresh platforms of their own — once clean, once while
 * components (a service, the broker or PostgreSQL) are killed with SIGKILL and brought back — and the two compared. On simulated time a kill may slow a
 * run, never change it: the headline check is that both runs decided byte for byte the same
 * ({@code decisions.log}), and the run with kills holds every check a replay makes (nothing lost or doubled: one
 * outcome per margin call, money conserved to the unit, a clean ledger, nothing dead-lettered, no account below
 * maintenance left without a liquidation or a hold).
 */
public final class Chaos {

    static final List<String> RUNS = List.of("clean", "with kills");

    private final Map<String, String> env;
    private final PrintStream out;
    private final Replay.Options options;
    private final KillPlan plan;

    public Chaos(Map<String, String> env, PrintStream out, Replay.Options options, KillPlan plan) {
        this.env = env;
        this.out = out;
        this.options = options;
        this.plan = plan;
    }

    /** 0 when the run with kills decided as the clean one and held every check, 2 when not, 1 when a platform could not run. */
    public int run(Scenario scenario, int accounts) throws Exception {
        if (Demo.running(env, out, "The chaos run")) {
            return 1;
        }
        Path home = Path.of(env.getOrDefault("BACKSTOP_HOME", ".")).toAbsolutePath().normalize();
        List<Replay.Result> results = new ArrayList<>();
        List<Kills.Kill> kills = List.of();
        List<Timeline.Mark> marks = List.of();
        for (String run : RUNS) {
            boolean killing = !run.equals("clean");
            Path runDir = home.resolve("run").resolve("chaos").resolve(killing ? "killed" : "clean");
            Map<String, String> runEnv = new HashMap<>(env);
            runEnv.put("BACKSTOP_RUN_DIR", runDir.toString());
            runEnv.put("BACKSTOP_CLOCK", RuntimeSettings.SIMULATED);
            out.println("== " + scenario.name() + ", " + run + ", on a fresh platform (" + runDir + ")"
                    + (killing ? ": " + plan.describe() : ""));
            LocalRuntime runtime = new LocalRuntime(RuntimeSettings.fromEnvironment(runEnv), out);
            runtime.down();
            Directories.delete(runDir);
            try {
                if (runtime.up() != 0) {
                    return 1;
                }
                Replay replay = new Replay(runtime.settings(), out, options.withDecisions(runDir.resolve("decisions.log")));
                if (killing) {
                    // the killer restarts services quietly: its own runtime on the same settings, its lines its own
                    LocalRuntime quiet = new LocalRuntime(runtime.settings(), new PrintStream(OutputStream.nullOutputStream()));
                    Kills killer = new Kills(plan, quiet, replay::simulatedTime, out);
                    replay.duringShock(killer::start, killer::stopAndWait);
                    results.add(replay.run(scenario, accounts));
                    kills = killer.kills();
                    marks = killer.marks();
                } else {
                    results.add(replay.run(scenario, accounts));
                }
            } finally {
                runtime.down();
            }
        }
        Path clean = home.resolve("run").resolve("chaos").resolve("clean").resolve("decisions.log");
        Path killed = home.resolve("run").resolve("chaos").resolve("killed").resolve("decisions.log");
        long mismatch = Files.mismatch(clean, killed);
        String table = ReplayReport.table(RUNS, results) + "\n" + Kills.table(kills, mismatch, results.get(1));
        out.println(table);
        Path dir = home.resolve("reports").resolve("chaos-" + scenario.name() + "-"
                + LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("table.txt"), table);
        Files.copy(clean, dir.resolve("decisions-clean.log"));
        Files.copy(killed, dir.resolve("decisions-killed.log"));
        List<Timeline> timelines = List.of(results.get(0).timeline(), results.get(1).timeline()
                .withMarks(marks));
        Path page = dir.resolve("index.html");
        Files.writeString(page, ReplayReport.html("Backstop chaos: " + scenario.name() + ", clean vs with kills ("
                + plan.describe() + ")", RUNS, results, timelines).replace("<h2>Side by side</h2>",
                "<h2>Chaos</h2><pre>" + ReplayCharts.escape(Kills.table(kills, mismatch, results.get(1)))
                        + "</pre><h2>Side by side</h2>"));
        out.println("report: " + page);
        boolean revived = kills.stream().allMatch(k -> k.readyAfter() != null);
        if (mismatch == -1 && results.stream().allMatch(Replay.Result::sound) && revived && !kills.isEmpty()) {
            return 0;
        }
        if (kills.isEmpty()) {
            out.println("FAILED: nothing was killed (the shock ended before the first kill: a shorter --every or a"
                    + " longer --minutes)");
        }
        if (mismatch != -1) {
            out.println("FAILED: the run with kills decided differently from the clean run; first difference at byte "
                    + mismatch + " of " + killed + " (diff it against " + clean + ")");
        }
        if (!revived) {
            out.println("FAILED: a killed component did not come back ready (or a service did not after the broker or PostgreSQL came back)");
        }
        results.forEach(r -> r.money().differences().forEach(d -> out.println("  money: " + d)));
        results.forEach(r -> r.liveness().examples().forEach(d -> out.println("  liveness: " + d)));
        results.forEach(r -> r.deadLetterReasons().forEach(d -> out.println("  dead letter: " + d)));
        return 2;
    }

    /**
     * What a round can kill: one of the four services, the broker, or the embedded PostgreSQL. A service comes
     * back on its own restart; the broker and PostgreSQL come back, and then every service must be ready again on
     * its own (each reconnects: nothing is restarted for them).
     */
    public enum Target {
        ORACLE(Service.ORACLE), MARGIN(Service.MARGIN), LIQUIDATION(Service.LIQUIDATION),
        INSURANCE_FUND(Service.INSURANCE_FUND), KAFKA(null), POSTGRES(null);

        /** What {@code random} and {@code each} kill: the services (the broker and PostgreSQL only when named). */
        static final List<Target> SERVICES = List.of(ORACLE, MARGIN, LIQUIDATION, INSURANCE_FUND);

        private final Service service;

        Target(Service service) {
            this.service = service;
        }

        /** The service this is, empty for the broker and PostgreSQL. */
        public java.util.Optional<Service> service() {
            return java.util.Optional.ofNullable(service);
        }

        /** As the table and the report's marks name it: {@code margin-service}, {@code kafka}, {@code postgres}. */
        public String id() {
            return service != null ? service.id() : name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Accepts what {@link Service#named} accepts, {@code kafka}, and {@code postgres} or {@code postgresql}. */
        public static java.util.Optional<Target> named(String name) {
            String wanted = name.trim().toLowerCase(java.util.Locale.ROOT);
            if (wanted.equals("kafka")) {
                return java.util.Optional.of(KAFKA);
            }
            if (wanted.equals("postgres") || wanted.equals("postgresql")) {
                return java.util.Optional.of(POSTGRES);
            }
            return Service.named(wanted).flatMap(s -> SERVICES.stream().filter(t -> t.service == s).findFirst());
        }
    }

    /**
     * What each round kills: one named component every round, several in turn, the four services in turn, or a
     * random service drawn from the seed (so the same options kill in the same order). Pure: no clock, no processes.
     */
    public record KillPlan(String target, Duration every, Duration downFor, int rounds, long seed) {

        public static final String RANDOM = "random";
        public static final String EACH = "each";

        public KillPlan {
            if (!RANDOM.equals(target) && !EACH.equals(target) && Stream.of(target.split(","))
                    .anyMatch(t -> Target.named(t).isEmpty())) {
                throw new IllegalArgumentException("--kill must be random, each, or one or more (comma-separated) of "
                        + Stream.of(Target.values()).map(Target::id).toList() + ", not '" + target + "'");
            }
            if (every.isNegative() || every.isZero()) {
                throw new IllegalArgumentException("--every must be positive");
            }
            if (downFor.isNegative()) {
                throw new IllegalArgumentException("--down-for must not be negative");
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be at least 1");
            }
        }

        /** What round {@code round} (0-based) kills. */
        public Target victim(int round) {
            if (EACH.equals(target)) {
                return Target.SERVICES.get(round % Target.SERVICES.size());
            }
            if (!RANDOM.equals(target)) {
                String[] named = target.split(",");
                return Target.named(named[round % named.length]).orElseThrow();
            }
            // one sequence drawn from the seed: round n is its n-th draw
            java.util.Random random = new java.util.Random(seed);
            int drawn = 0;
            for (int i = 0; i <= round; i++) {
                drawn = random.nextInt(Target.SERVICES.size());
            }
            return Target.SERVICES.get(drawn);
        }

        /** When round {@code round} (0-based) kills, in simulated time from the shock's start. */
        public Duration at(int round) {
            return every.multipliedBy(round + 1L);
        }

        String describe() {
            return "SIGKILL " + target + " every " + every.toSeconds() + " simulated s of the shock, started again "
                    + downFor.toSeconds() + " wall s later, " + rounds + " rounds at most";
        }
    }

    /** The kills of one run, on a thread of their own while the shock runs. */
    static final class Kills {

        /**
         * One kill: what, when (wall and simulated), and how long from its start until it answered ready again
         * (null: never) — for the broker and PostgreSQL, until every running service was ready again too.
         */
        record Kill(Target target, long pid, Instant wall, Instant simulated, Duration readyAfter) {
        }

        private final KillPlan plan;
        private final LocalRuntime runtime;
        private final java.util.function.Supplier<java.util.Optional<Instant>> simulatedTime;
        private final PrintStream out;
        private final List<Kill> kills = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The simulated time the shock began at, once the killer has started. */
        private volatile Instant shock;
        private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        private Thread thread;

        Kills(KillPlan plan, LocalRuntime runtime, java.util.function.Supplier<java.util.Optional<Instant>> simulatedTime,
              PrintStream out) {
            this.plan = plan;
            this.runtime = runtime;
            this.simulatedTime = simulatedTime;
            this.out = out;
        }

        void start() {
            thread = new Thread(this::killAll, "chaos-kills");
            thread.setDaemon(true);
            thread.start();
        }

        /** The shock has ended: no further kill; waits until what was killed last is back (or could not be). */
        void stopAndWait() {
            ended.countDown();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        List<Kill> kills() {
            return List.copyOf(kills);
        }

        private void killAll() {
            try {
                Instant shock = simulatedTime.get().orElseThrow();
                this.shock = shock;
                for (int round = 0; round < plan.rounds(); round++) {
                    // the kills come at points of simulated time, so the same options kill at the same moments of
                    // the run however fast the machine replays it
                    Instant due = shock.plus(plan.at(round));
                    while (simulatedTime.get().orElseThrow().isBefore(due)) {
                        if (ended.await(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                            return;
                        }
                    }
                    Target victim = plan.victim(round);
                    Instant wall = Instant.now();
                    Instant simulated = simulatedTime.get().orElse(null);
                    java.util.Optional<Long> pid = kill(victim);
                    if (pid.isEmpty()) {
                        out.printf("  chaos: %s was not running; not killed%n", victim.id());
                        continue;
                    }
                    out.printf("  chaos: SIGKILL %s (pid %d) at simulated %s%n", victim.id(), pid.get(), simulated);
                    Thread.sleep(plan.downFor().toMillis());
                    long restarting = System.nanoTime();
                    int code = restart(victim);
                    Duration ready = code == 0 ? Duration.ofNanos(System.nanoTime() - restarting) : null;
                    out.printf("  chaos: %s %s%n", victim.id(), ready == null ? "did NOT come back ready"
                            : String.format("back and ready %.1f s after its start", ready.toMillis() / 1000.0));
                    kills.add(new Kill(victim, pid.get(), wall, simulated, ready));
                    if (ready == null) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                out.println("  chaos: the killer failed: " + e.getMessage());
            }
        }

        private java.util.Optional<Long> kill(Target victim) throws InterruptedException {
            return switch (victim) {
                case KAFKA -> runtime.killKafka();
                case POSTGRES -> runtime.killPostgres();
                default -> runtime.kill(victim.service().orElseThrow());
            };
        }

        /** Starts what was killed again; for the broker and PostgreSQL, waits for every running service too. */
        private int restart(Target victim) throws Exception {
            return switch (victim) {
                case KAFKA -> runtime.restartKafka();
                case POSTGRES -> runtime.restartPostgres();
                default -> runtime.restart(victim.service().orElseThrow());
            };
        }

        /** The kills as marks on the report's charts, in simulated minutes after the shock began. */
        List<Timeline.Mark> marks() {
            Instant shock = this.shock;
            if (shock == null) {
                return List.of();
            }
            return kills.stream().filter(k -> k.simulated() != null)
                    .map(k -> new Timeline.Mark(Duration.between(shock, k.simulated()).toMillis() / 60_000.0,
                            "kill " + k.target().id())).toList();
        }

        /**
         * The chaos section of the table: kills per component (the four services always, the broker and
         * PostgreSQL when killed), time to ready, and the checks.
         */
        static String table(List<Kill> kills, long mismatch, Replay.Result killed) {
            StringBuilder t = new StringBuilder("Chaos (SIGKILL during the shock; wall-clock times)\n");
            String row = "%-52s %26s%n";
            for (Target s : Target.values()) {
                List<Kill> of = kills.stream().filter(k -> k.target() == s).toList();
                if (of.isEmpty() && s.service().isEmpty()) {
                    continue;
                }
                List<Long> ready = of.stream().filter(k -> k.readyAfter() != null)
                        .map(k -> k.readyAfter().toMillis()).sorted().toList();
                t.append(String.format(row, s.id() + ": kills / ready p50/max (s)", of.size() + " / "
                        + (ready.isEmpty() ? "-" : String.format("%.1f / %.1f", ready.get(ready.size() / 2) / 1000.0,
                        ready.get(ready.size() - 1) / 1000.0))));
            }
            t.append(String.format(row, "kills at (simulated)", kills.isEmpty() ? "-" : kills.stream()
                    .map(k -> k.simulated() == null ? "?" : k.simulated().toString().substring(11, 19))
                    .reduce((a, b) -> a + " " + b).orElse("")));
            t.append(String.format(row, "margin calls lost / doubled", killed.outcomes().withoutOutcome() + " / "
                    + killed.outcomes().duplicated()));
            t.append(String.format(row, "money conserved / ledger", (killed.money().conserved() ? "yes" : "NO")
                    + " / " + (killed.ledgerClean() ? "clean" : "NOT CLEAN")));
            t.append(String.format(row, "decisions as the clean run's", mismatch == -1 ? "identical (byte for byte)"
                    : "DIFFERENT at byte " + mismatch));
            return t.toString();
        }
    }
}
