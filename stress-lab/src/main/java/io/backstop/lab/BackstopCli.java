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
            io.backstop.lab.scenario.Scenario s = io.backstop.lab.scenario.Scenarios.load(scenario)
                    .with(null, minutes, speed);
            return new io.backstop.lab.replay.Demo(System.getenv(), System.out).run(s, accounts);
        }
    }
}
