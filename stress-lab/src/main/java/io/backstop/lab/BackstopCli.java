package io.backstop.lab;

import io.backstop.lab.runtime.LocalRuntime;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.util.Arrays;
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
                BackstopCli.Drain.class})
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
}
