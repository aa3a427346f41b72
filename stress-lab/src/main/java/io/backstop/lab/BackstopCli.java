package io.backstop.lab;

import io.backstop.lab.runtime.LocalRuntime;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./backstop}: runs Backstop on this machine. */
@Command(name = "backstop", mixinStandardHelpOptions = true, version = "Backstop 0.1.0",
        description = "Runs Backstop on this machine: a Kafka broker, PostgreSQL and the four services.",
        subcommands = {BackstopCli.Up.class, BackstopCli.Down.class, BackstopCli.Status.class,
                BackstopCli.Restart.class, BackstopCli.Fills.class,
                BackstopCli.Drain.class, BackstopCli.Replay.class, BackstopCli.Demo.class})
public final class BackstopCli implements Callable<Integer> {

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.exit(new CommandLine(new BackstopCli()).execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    static LocalRuntime runtime(boolean fresh) throws Exception {
        RuntimeSettings settings = fresh ? RuntimeSettings.fromEnvironment(System.getenv())
                : RuntimeSettings.load(System.getenv());
        return new LocalRuntime(settings, System.out);
    }

    @Command(name = "up", description = "Starts PostgreSQL, Kafka and the four services (what is not running yet) and waits until all are ready.")
    static final class Up implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return runtime(true).up();
        }
    }

    @Command(name = "down", description = "Stops every component ./backstop up started; data is kept in run/.")
    static final class Down implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return runtime(false).down();
        }
    }

    @Command(name = "status", description = "Shows each component's pid, port and readiness (exit 0 only if all are ready).")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return runtime(false).status();
        }
    }

    @Command(name = "restart", description = "Restarts one service and waits until it is ready again.")
    static final class Restart implements Callable<Integer> {
        @Parameters(paramLabel = "SERVICE", description = "oracle, margin, liquidation or insurance-fund")
        String service;

        @Override
        public Integer call() throws Exception {
            Service chosen = Service.named(service).orElseThrow(() -> new CommandLine.ParameterException(
                    new CommandLine(this), "unknown service '" + service + "'; choose one of "
                    + Arrays.stream(Service.values()).map(Service::id).toList()));
            return runtime(false).restart(chosen);
        }
    }

    @Command(name = "fills", description = "Measures margin-service's fill throughput on the running platform: "
            + "opens accounts, sends fills to trades.fills and waits until all are applied.")
    static final class Fills implements Callable<Integer> {
        @Option(names = "--accounts", defaultValue = "2000", description = "accounts to spread the fills over (default ${DEFAULT-VALUE})")
        int accounts;

        @Option(names = "--fills", defaultValue = "100000", description = "fills to send (default ${DEFAULT-VALUE})")
        int fills;

        @Option(names = "--rate", defaultValue = "0", description = "fills per second, 0 = as fast as possible (default ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            return new io.backstop.lab.load.FillLoad(RuntimeSettings.load(System.getenv()), System.out)
                    .run(accounts, fills, rate, seed);
        }
    }

    @Command(name = "drain", description = "Measures how many margin calls a second liquidation-service drains on the "
            + "running platform: a burst of calls, a deep-book exchange filling every order.")
    static final class Drain implements Callable<Integer> {
        @Option(names = "--calls", defaultValue = "20000", description = "margin calls in the burst (default ${DEFAULT-VALUE})")
        int calls;

        @Override
        public Integer call() throws Exception {
            return new io.backstop.lab.load.DrainLoad(RuntimeSettings.load(System.getenv()), System.out).run(calls);
        }
    }

    @Command(name = "replay", description = "Replays a scenario on the running platform (./backstop up): simulated "
            + "venues, traders and exchange; prints what Backstop did.")
    static final class Replay implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "oct-2025", description = "a built-in scenario or a YAML file (default ${DEFAULT-VALUE})")
        String scenario;
        @Option(names = "--accounts", defaultValue = "500", description = "traders (default ${DEFAULT-VALUE})")
        int accounts;
        @Option(names = "--speed", description = "simulated minutes per real second (default: the scenario's)")
        Double speed;
        @Option(names = "--seed", description = "the world's seed (default: the scenario's)")
        Long seed;
        @Option(names = "--minutes", description = "simulated minutes to run (default: the scenario's)")
        Double minutes;

        @Override
        public Integer call() throws Exception {
            io.backstop.lab.scenario.Scenario s = io.backstop.lab.scenario.Scenarios.load(scenario)
                    .with(seed, minutes, speed);
            io.backstop.lab.replay.Replay.Result r = new io.backstop.lab.replay.Replay(
                    RuntimeSettings.load(System.getenv()), System.out).run(s, accounts);
            System.out.println(io.backstop.lab.replay.ReplayReport.table(List.of("(oracle as running)"), List.of(r)));
            r.money().differences().forEach(d -> System.out.println("  money: " + d));
            return r.sound() ? 0 : 2;
        }
    }

    @Command(name = "demo", description = "Builds Backstop if needed and replays oct-2025 twice, with the oracle "
            + "robust and naive, each on a fresh platform of its own (run/demo); prints the two side by side and "
            + "writes an HTML report to reports/.")
    static final class Demo implements Callable<Integer> {
        @Option(names = "--accounts", defaultValue = "300", description = "traders per run (default ${DEFAULT-VALUE})")
        int accounts;
        @Option(names = "--scenario", defaultValue = "oct-2025", description = "scenario (default ${DEFAULT-VALUE})")
        String scenario;
        @Option(names = "--speed", description = "simulated minutes per real second (default: the scenario's)")
        Double speed;
        @Option(names = "--minutes", description = "simulated minutes to run (default: the scenario's)")
        Double minutes;

        @Override
        public Integer call() throws Exception {
            if (java.nio.file.Files.exists(RuntimeSettings.fromEnvironment(System.getenv()).runDir()
                    .resolve("runtime.properties"))) {
                System.out.println("Backstop is running (./backstop up). The demo replays on fresh platforms of its own"
                        + " on the same ports: stop it first with ./backstop down.");
                return 1;
            }
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            java.nio.file.Path home = java.nio.file.Path.of(env.getOrDefault("BACKSTOP_HOME", ".")).toAbsolutePath();
            java.nio.file.Path runDir = home.resolve("run").resolve("demo");
            env.put("BACKSTOP_RUN_DIR", runDir.toString());
            io.backstop.lab.scenario.Scenario s = io.backstop.lab.scenario.Scenarios.load(scenario)
                    .with(null, minutes, speed);
            List<String> labels = List.of("robust", "naive");
            List<io.backstop.lab.replay.Replay.Result> results = new java.util.ArrayList<>();
            for (String mode : labels) {
                System.out.println("== " + s.name() + " with the oracle " + mode + ", on a fresh platform");
                LocalRuntime runtime = new LocalRuntime(RuntimeSettings.fromEnvironment(env), System.out);
                runtime.down();
                wipe(runDir);
                try {
                    if (runtime.up(java.util.Map.of(Service.ORACLE, java.util.Map.of("BACKSTOP_ORACLE_MODE", mode))) != 0) {
                        return 1;
                    }
                    results.add(new io.backstop.lab.replay.Replay(runtime.settings(), System.out).run(s, accounts));
                } finally {
                    runtime.down();
                }
            }
            String table = io.backstop.lab.replay.ReplayReport.table(labels, results);
            System.out.println(table);
            java.nio.file.Path dir = home.resolve("reports").resolve(
                    s.name() + "-" + java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-'));
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path page = dir.resolve("index.html");
            java.nio.file.Files.writeString(page, io.backstop.lab.replay.ReplayReport.html(
                    "Backstop: " + s.name() + ", robust vs naive oracle", labels, results,
                    results.stream().map(io.backstop.lab.replay.Replay.Result::timeline).toList()));
            java.nio.file.Files.writeString(dir.resolve("table.txt"), table);
            System.out.println("report: " + page);
            boolean sound = results.stream().allMatch(io.backstop.lab.replay.Replay.Result::sound);
            if (!sound) {
                System.out.println("FAILED: a ledger difference, money not conserved, a margin call without an"
                        + " outcome, or one with two (see the table)");
                results.forEach(r -> r.money().differences().forEach(d -> System.out.println("  " + d)));
            }
            return sound ? 0 : 2;
        }

        private static void wipe(java.nio.file.Path dir) throws java.io.IOException {
            if (!java.nio.file.Files.exists(dir)) {
                return;
            }
            try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
                for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
        }
    }
}
