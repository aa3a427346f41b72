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
                BackstopCli.Restart.class, BackstopCli.Seed.class, BackstopCli.DeadLetterCommand.class, BackstopCli.Publish.class,
                BackstopCli.Fills.class,
                BackstopCli.Drain.class, BackstopCli.Latency.class, BackstopCli.Scale.class, BackstopCli.Load.class,
                BackstopCli.Settle.class, BackstopCli.Replay.class, BackstopCli.Demo.class,
                BackstopCli.Chaos.class, BackstopCli.Token.class})
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

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Starts PostgreSQL, Kafka and the four services (what is not running yet) and waits until all are ready.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--clock", description = "system (default: the machine's clock, as in production) or simulated"
                + " (the services' time moves only when a replay steps it; see docs/simulated-time.md)")
        String clock;

        @Override
        public Integer call() throws Exception {
            RuntimeSettings settings = RuntimeSettings.fromEnvironment(System.getenv());
            if (clock != null) {
                if (!List.of(RuntimeSettings.SYSTEM, RuntimeSettings.SIMULATED).contains(clock)) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "--clock must be system or"
                            + " simulated, not '" + clock + "'");
                }
                settings = settings.withClock(clock);
            }
            RuntimeSettings running = RuntimeSettings.load(System.getenv());
            if (!running.clock().equals(settings.clock()) && new LocalRuntime(running, System.out).anyRunning()) {
                System.out.println("Backstop runs on the " + running.clock() + " clock here; ./backstop down first to"
                        + " start it on the " + settings.clock() + " clock.");
                return 1;
            }
            return new LocalRuntime(settings, System.out).up();
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stops every component ./backstop up started; data is kept in run/.")
    static final class Down implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return runtime(false).down();
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows each component's pid, port and readiness (exit 0 only if all are ready).")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return runtime(false).status();
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restarts one service, the broker or the"
            + " embedded PostgreSQL, and waits until it (and, for the broker or the database, every running service) is"
            + " ready again, saying every 15 s what it still waits for.")
    static final class Restart implements Callable<Integer> {
        @Parameters(paramLabel = "COMPONENT", description = "oracle, margin, liquidation, insurance-fund, kafka or"
                + " postgres; for kafka and postgres it then waits until every running service is ready again")
        String service;

        @Override
        public Integer call() throws Exception {
            if (service.equals("kafka")) {
                return runtime(false).restartKafka();
            }
            if (service.equals("postgres") || service.equals("postgresql")) {
                return runtime(false).restartPostgres();
            }
            Service chosen = Service.named(service).orElseThrow(() -> new CommandLine.ParameterException(
                    new CommandLine(this), "unknown component '" + service + "'; choose one of "
                    + Arrays.stream(Service.values()).map(Service::id).toList() + ", kafka or postgres"));
            return runtime(false).restart(chosen);
        }
    }

    @Command(name = "seed", mixinStandardHelpOptions = true, description = "Writes a synthetic, deterministic account"
            + " base into margin-service's store by margin-service's own bulk path (PostgreSQL COPY, a transaction per"
            + " chunk, with progress), its positions snapshots into margin's outbox for the fund's ADL queue, then"
            + " restarts margin-service so that it holds them. Needs ./backstop up; see docs/capacity.md.")
    static final class Seed implements Callable<Integer> {
        @Option(names = "--accounts", defaultValue = "1600000", description = "accounts (default ${DEFAULT-VALUE})")
        long accounts;

        @Option(names = "--positions", defaultValue = "5000000", description = "positions over all the accounts, at"
                + " least one and at most one per market each (default ${DEFAULT-VALUE})")
        long positions;

        @Option(names = "--seed", defaultValue = "1", description = "the same seed, the same rows (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--replace", description = "replace the seeded accounts stored already")
        boolean replace;

        @Option(names = "--resume", description = "add what an interrupted seed of the same options did not write")
        boolean resume;

        @Option(names = "--price", paramLabel = "SYMBOL=USDT", description = "a reference price the accounts are"
                + " built healthy at (default: the oct-2025 scenario's opening prices)")
        List<String> prices = List.of();

        @Option(names = "--chunk", defaultValue = "20000", description = "accounts per transaction (default ${DEFAULT-VALUE})")
        int chunk;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            // refused as bad input: the reason on stderr with the usage, exit 2, before anything is started
            if (accounts < 1 || positions < 1 || chunk < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "backstop seed: --accounts, --positions and --chunk must be positive");
            }
            if (positions < accounts) {
                throw new CommandLine.ParameterException(spec.commandLine(), "backstop seed: --positions ("
                        + positions + ") must be at least --accounts (" + accounts + "): every seeded account holds a"
                        + " position");
            }
            if (replace && resume) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "backstop seed: --replace and --resume exclude each other");
            }
            List<String> arguments = new java.util.ArrayList<>(List.of("--accounts", Long.toString(accounts),
                    "--positions", Long.toString(positions), "--seed", Long.toString(seed), "--chunk",
                    Integer.toString(chunk)));
            if (replace) {
                arguments.add("--replace");
            }
            if (resume) {
                arguments.add("--resume");
            }
            prices.forEach(p -> arguments.addAll(List.of("--price", p)));
            return runtime(false).seed(arguments);
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true, description = "Runs N instances of a service on the running"
            + " platform (1 to 6): starts the missing ones on ports 10 apart (8083, 8093, ...) and waits until they are"
            + " ready, or stops those above N. The instances share the partitions; drain and latency measure them all.")
    static final class Scale implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SERVICE", description = "oracle, margin, liquidation or insurance-fund")
        String service;

        @Parameters(index = "1", paramLabel = "N", description = "how many instances")
        int instances;

        @Override
        public Integer call() throws Exception {
            Service chosen = Service.named(service).orElseThrow(() -> new CommandLine.ParameterException(
                    new CommandLine(this), "unknown service '" + service + "'; choose one of "
                    + Arrays.stream(Service.values()).map(Service::id).toList()));
            return runtime(false).scale(chosen, instances);
        }
    }

    @Command(name = "dead-letters", mixinStandardHelpOptions = true, description = "Lists what the services sent to"
            + " the dead-letter topics (counts by topic and reason, the latest letters with their field and detail);"
            + " with --redrive, republishes the letters of one reason to the topics they came from, once their cause"
            + " is fixed. Safe to repeat: consumers drop what they already applied.")
    static final class DeadLetterCommand implements Callable<Integer> {
        @Option(names = "--topic", description = "only this topic's letters (its name without .dlq)")
        String topic;

        @Option(names = "--latest", defaultValue = "20", description = "letters to spell out (default ${DEFAULT-VALUE})")
        int latest;

        @Option(names = "--redrive", description = "republish the letters of --reason to their original topics")
        boolean redrive;

        @Option(names = "--reason", defaultValue = "processing_failed", description = "the reason of the letters to"
                + " republish (default ${DEFAULT-VALUE}: events a service kept failing on; a letter the contract"
                + " refused would only be refused again)")
        String reason;

        @Override
        public Integer call() throws Exception {
            io.backstop.lab.runtime.DeadLetters letters = new io.backstop.lab.runtime.DeadLetters(
                    RuntimeSettings.load(System.getenv()).kafkaBootstrap(), System.out);
            return redrive ? letters.redrive(topic, reason) : letters.list(topic, latest);
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, description = "Writes one record to a topic of the"
            + " running platform exactly as given (no envelope, no checks), as an outside producer would: to watch the"
            + " services dead-letter a bad record (./backstop dead-letters) and the dashboards and alerts show it."
            + " Exit 2 for a topic Backstop does not have.")
    static final class Publish implements Callable<Integer> {
        @Parameters(index = "0", description = "the topic, e.g. market.ticks")
        String topic;

        @Parameters(index = "1", description = "the record's key")
        String key;

        @Parameters(index = "2", description = "the record's value, as text")
        String value;

        @Override
        public Integer call() throws Exception {
            return new io.backstop.lab.runtime.RawRecords(RuntimeSettings.load(System.getenv()).kafkaBootstrap(),
                    System.out).publish(topic, key, value, System.err);
        }
    }

    @Command(name = "fills", mixinStandardHelpOptions = true, description = "Measures margin-service's fill throughput on the running platform: "
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

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Prints a bearer token from the local"
            + " issuer (run/security, created by ./backstop up) to try the API with: curl -H \"Authorization: Bearer"
            + " $(./backstop token --role operator)\" localhost:8084/api/v1/fund. Roles: trader (its --account's risk"
            + " and liquidations), feed, exchange, operator, admin (docs/security.md).")
    static final class Token implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--role", required = true, split = ",", description = "trader, feed, exchange, operator or"
                + " admin; several separated by commas or repeated")
        List<String> roles;

        @Option(names = "--account", description = "the account a trader token may read (required with trader)")
        String account;

        @Option(names = "--ttl", defaultValue = "1h", description = "how long the token is valid: 90s, 30m, 1h, 7d"
                + " (at most 30d; default ${DEFAULT-VALUE})")
        String ttl;

        @Option(names = "--subject", description = "who the token speaks for, in the services' audit (default: the"
                + " trader's account, else cli:<your user name>)")
        String subject;

        @Override
        public Integer call() throws Exception {
            CommandLine command = spec.commandLine();
            java.util.Set<io.backstop.events.auth.Role> chosen = java.util.EnumSet.noneOf(
                    io.backstop.events.auth.Role.class);
            try {
                roles.forEach(r -> chosen.add(io.backstop.events.auth.Role.fromClaim(r.trim().toLowerCase(
                        java.util.Locale.ROOT))));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command, e.getMessage());
            }
            boolean trader = chosen.contains(io.backstop.events.auth.Role.TRADER);
            if (trader && (account == null || account.isBlank())) {
                throw new CommandLine.ParameterException(command, "a trader token names its account: --account <id>");
            }
            if (!trader && account != null) {
                throw new CommandLine.ParameterException(command, "--account is for a trader token only");
            }
            java.time.Duration validFor = TokenTtl.parse(ttl).orElseThrow(() -> new CommandLine.ParameterException(
                    command, "--ttl must be a positive number of s, m, h or d, at most 30d (for example 1h), not '"
                    + ttl + "'"));
            String who = subject != null ? subject : trader ? account : "cli:" + System.getProperty("user.name");
            io.backstop.events.auth.LocalIssuer issuer = io.backstop.events.auth.LocalIssuer.create(
                    RuntimeSettings.load(System.getenv()).securityDir(), io.backstop.events.auth.LocalIssuer.LOCAL_ISSUER);
            System.out.println(issuer.mint(who, chosen, account, validFor));
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true, description = "Measures how many margin calls a second liquidation-service drains on the "
            + "running platform: a burst of calls, a deep-book exchange filling every order.")
    static final class Drain implements Callable<Integer> {
        @Option(names = "--calls", defaultValue = "20000", description = "margin calls in the burst (default ${DEFAULT-VALUE})")
        int calls;

        @Option(names = "--warmup", defaultValue = "0", description = "margin calls drained first, not measured, so that"
                + " the JITs have compiled the path (default ${DEFAULT-VALUE}; 5000 is enough on 2 cores)")
        int warmUp;

        @Option(names = "--repeat", defaultValue = "1", description = "measured bursts, each printed, then their medians"
                + " and ranges (default ${DEFAULT-VALUE})")
        int repeat;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (calls < 1 || repeat < 1 || warmUp < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--calls and --repeat must be at least 1"
                        + " and --warmup at least 0, got " + calls + ", " + repeat + " and " + warmUp);
            }
            return new io.backstop.lab.load.DrainLoad(RuntimeSettings.load(System.getenv()), System.out)
                    .run(calls, warmUp, repeat);
        }
    }

    @Command(name = "settle", mixinStandardHelpOptions = true, description = "Waits until the running platform has"
            + " finished what a cascade started (nothing moved for --quiet), printing a reading every --every; then"
            + " checks that every liquidation ended, every ADL request of the fund was answered, no account scope still"
            + " awaits the waterfall and nothing was dead-lettered. Exit 0 if all held, 1 if one failed, 3 if the"
            + " platform was still moving after --timeout. With --exchange, the lab's exchange answers liquidation"
            + " orders meanwhile (on a platform with an exchange of its own, leave it out).")
    static final class Settle implements Callable<Integer> {
        @Option(names = "--exchange", description = "answer liquidation orders while waiting, as an exchange of"
                + " unlimited depth at the oracle's marks (1 bp either side), orders sent before included (the"
                + " platform asks about those it heard nothing of)")
        boolean exchange;

        @Option(names = "--every", defaultValue = "10s", converter = Load.Time.class,
                description = "how often to read the platform (default ${DEFAULT-VALUE})")
        java.time.Duration every;

        @Option(names = "--quiet", defaultValue = "30s", converter = Load.Time.class,
                description = "settled once nothing has moved this long (default ${DEFAULT-VALUE})")
        java.time.Duration quiet;

        @Option(names = "--timeout", defaultValue = "60m", converter = Load.Time.class,
                description = "give up after this long (default ${DEFAULT-VALUE})")
        java.time.Duration timeout;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (every.isZero() || quiet.isZero() || timeout.compareTo(quiet) < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--every and --quiet must be positive and"
                        + " --timeout at least --quiet, got " + every.toSeconds() + " s, " + quiet.toSeconds()
                        + " s and " + timeout.toSeconds() + " s");
            }
            RuntimeSettings settings = RuntimeSettings.load(System.getenv());
            if (!exchange) {
                return io.backstop.lab.load.Settle.of(settings, System.out).run(every, quiet, timeout);
            }
            io.backstop.lab.exchange.SimulatedExchange answering;
            try {
                answering = io.backstop.lab.exchange.SimulatedExchange.startFollowingMarks(settings.kafkaBootstrap(),
                        java.time.Duration.ofSeconds(30));
            } catch (IllegalStateException e) {
                System.out.printf("NOT SETTLED: %s; is Backstop up?%n", io.backstop.lab.load.Settle.why(e));
                return io.backstop.lab.load.Settle.NOT_SETTLED;
            }
            try (answering) {
                System.out.println("liquidation orders answered by " + io.backstop.lab.exchange.MarkBook.DESCRIPTION);
                int verdict = io.backstop.lab.load.Settle.of(settings, System.out).run(every, quiet, timeout, true);
                System.out.printf("the exchange executed %,d liquidation orders%n", answering.executed());
                return verdict;
            }
        }
    }

    @Command(name = "latency", mixinStandardHelpOptions = true, description = "Measures per-hop latency on the running "
            + "platform at a fixed, moderate rate: venue ticks 10 rounds a second, margin calls at --rate, accounts that"
            + " fall under maintenance at a price dip once a second (--breaches of them a dip), a deep-book exchange"
            + " filling every order; prints p50/p99/p99.9 of tick->price, price->call, call->order, order->execution"
            + " and execution->fill from the records' timestamps, and how much of the CPU the platform used.")
    static final class Latency implements Callable<Integer> {
        @Option(names = "--rate", defaultValue = "100", description = "margin calls a second (default ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--duration", defaultValue = "30s", converter = Load.Time.class,
                description = "how long to offer them (default ${DEFAULT-VALUE})")
        java.time.Duration duration;

        @Option(names = "--breaches", defaultValue = "5", description = "accounts opened to fall under maintenance at"
                + " each dip, one dip a second, for price->call; 0 for none (default ${DEFAULT-VALUE})")
        int breaches;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (rate < 1 || rate > 5_000 || breaches < 0 || breaches > 1_000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be 1 to 5,000 calls a second"
                        + " and --breaches 0 to 1,000 accounts a dip, got " + rate + " and " + breaches);
            }
            return new io.backstop.lab.load.LatencyProbe(RuntimeSettings.load(System.getenv()), System.out)
                    .run(rate, duration, breaches);
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true, description = "Offers a surge to the running platform, open-model (arrivals keep their "
            + "schedule however slowly it answers): trades to trades.fills at the normal rate x --multiplier, risk "
            + "queries at the normal rate x --query-multiplier. Prints what was served, shed and failed with latencies "
            + "corrected for coordinated omission, waits until margin-service has applied the trades, writes "
            + "reports/load-<time>/. Its venue ticks price every asset a seeded base holds: BTC at 60,000 and ETH at"
            + " 3,000 (wandering a little; half the seed's prices, a shock to a seeded base), SOL, BNB, USDC, USDE at"
            + " the seed's prices, WBETH as ETH x its staking rate (published too). Exit 0 when the run completed (shed"
            + " and failed requests are results), 1 when the platform was not reachable, 2 when margin-service did not"
            + " apply every acknowledged trade in time.")
    static final class Load implements Callable<Integer> {
        @Option(names = "--normal-rate", defaultValue = "2", description = "trades per second at normal load (default ${DEFAULT-VALUE})")
        double normalRate;
        @Option(names = "--multiplier", defaultValue = "100", description = "trades offered per second = normal rate x this (default ${DEFAULT-VALUE})")
        double multiplier;
        @Option(names = "--query-multiplier", defaultValue = "1000", description = "risk queries offered per second = normal rate x this (default ${DEFAULT-VALUE})")
        double queryMultiplier;
        @Option(names = "--duration", defaultValue = "60s", converter = Time.class, description = "how long to offer: 90, 90s, 2m (default ${DEFAULT-VALUE})")
        java.time.Duration duration;
        @Option(names = "--accounts", defaultValue = "1000", description = "accounts opened and spread over (default ${DEFAULT-VALUE})")
        int accounts;
        @Option(names = "--seed", defaultValue = "1", description = "random seed: accounts, sides, markets (default ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--max-in-flight", defaultValue = "1000", description = "outstanding requests per stream; arrivals beyond count as not sent (default ${DEFAULT-VALUE})")
        int maxInFlight;
        @Option(names = "--query-timeout", defaultValue = "10s", converter = Time.class, description = "a risk query unanswered this long fails (default ${DEFAULT-VALUE})")
        java.time.Duration queryTimeout;
        @Option(names = "--drain-timeout", defaultValue = "120s", converter = Time.class, description = "how long to wait for margin-service to apply the trades (default ${DEFAULT-VALUE})")
        java.time.Duration drainTimeout;
        @Option(names = "--price-only", paramLabel = "ASSET", split = ",", description = "price only these assets"
                + " (BTC, ETH, SOL, BNB, USDC, USDE, WBETH; WBETH needs ETH) and leave the others unpriced: a partial"
                + " price outage, in which margin-service cannot value the accounts holding them (--price-only"
                + " BTC,ETH is the load before it priced the seed's assets; default: all)")
        List<String> priceOnly = List.of();
        @Option(names = "--exchange", description = "answer the platform's liquidation orders as an exchange of"
                + " unlimited depth at the oracle's marks, 1 bp either side (default: nothing answers them; a seeded"
                + " base's liquidations then wait on their orders)")
        boolean exchange;
        @Option(names = "--price", paramLabel = "ASSET=USDT", description = "another price for an asset, repeatable:"
                + " --price BTC=121000 --price ETH=4350 are the seed's own prices, no shock (default: BTC 60000, ETH"
                + " 3000, SOL 220, BNB 1250, USDC 1, USDE 1; WBETH follows ETH)")
        List<String> prices = List.of();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            // refused as bad input: the reason on stderr with the usage, exit 2, before anything is started
            if (!(normalRate > 0) || !(multiplier > 0) || !(queryMultiplier > 0) || accounts < 1 || maxInFlight < 1
                    || duration.isZero()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "rates, multipliers and --duration must be positive, --accounts and --max-in-flight at least 1");
            }
            io.backstop.lab.load.LoadPrices ticked;
            try {
                ticked = io.backstop.lab.load.LoadPrices.of(priceOnly, prices);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "backstop load: " + e.getMessage());
            }
            return new io.backstop.lab.load.SurgeLoad(RuntimeSettings.load(System.getenv()), System.out)
                    .run(new io.backstop.lab.load.SurgeLoad.Plan(normalRate, multiplier, queryMultiplier, duration,
                            accounts, seed, maxInFlight, queryTimeout, drainTimeout, ticked, exchange));
        }

        /** {@code 90} or {@code 90s} (seconds), {@code 500ms}, {@code 2m}. */
        static final class Time implements CommandLine.ITypeConverter<java.time.Duration> {
            @Override
            public java.time.Duration convert(String value) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?").matcher(value.trim());
                if (!m.matches()) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is not a time like 90s, 500ms or 2m");
                }
                double amount = Double.parseDouble(m.group(1));
                double millis = "ms".equals(m.group(2)) ? amount : "m".equals(m.group(2)) ? amount * 60_000 : amount * 1000;
                return java.time.Duration.ofMillis(Math.round(millis));
            }
        }
    }

    /** How a replay runs: its length, its time steps, and the traders' risk queries (replay and demo). */
    static final class RunOptions {
        @Option(names = "--minutes", description = "simulated minutes of the shock (default: the scenario's)")
        Double minutes;
        @Option(names = "--tick", defaultValue = "1s", converter = Load.Time.class, description = "simulated time"
                + " between two ticks of every venue (default ${DEFAULT-VALUE})")
        java.time.Duration tick;
        @Option(names = "--reaction-time", defaultValue = "50ms", converter = Load.Time.class, description = "simulated"
                + " time each hop takes: service to service, and liquidation-service to the exchange's book, which keeps"
                + " moving meanwhile (default ${DEFAULT-VALUE})")
        java.time.Duration reactionTime;
        @Option(names = "--query-rate", defaultValue = "200", description = "risk queries per wall second the traders"
                + " send while the shock runs, 0 for none (default ${DEFAULT-VALUE})")
        double queryRate;

        io.backstop.lab.replay.Replay.Options options(CommandLine.Model.CommandSpec spec) {
            try {
                return new io.backstop.lab.replay.Replay.Options(tick, reactionTime, queryRate, null);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, description = "Replays a scenario on the running platform"
            + " (./backstop up --clock simulated), in lockstep with it on simulated time: simulated venues, traders and"
            + " exchange; prints what Backstop did and writes its decisions to run/replays/<run>.decisions.log."
            + " The same scenario, seed and options decide the same on any machine.")
    static final class Replay implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "oct-2025", description = "a built-in scenario or a YAML file (default ${DEFAULT-VALUE})")
        String scenario;
        @Option(names = "--accounts", defaultValue = "300", description = "traders; the books, the sale and the fund are"
                + " sized with them (default ${DEFAULT-VALUE})")
        int accounts;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--seed", description = "the world's seed (default: the scenario's)")
        Long seed;
        @CommandLine.Mixin
        RunOptions run;

        @Option(names = "--oracle", description = "naive or robust: restarts the oracle in that mode for the run, and"
                + " as configured after it (default: the oracle as running)")
        String oracle;

        @Override
        public Integer call() throws Exception {
            io.backstop.lab.scenario.Scenario s = io.backstop.lab.scenario.Scenarios.load(scenario)
                    .with(seed, run.minutes);
            if (accounts < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--accounts must be at least 1");
            }
            io.backstop.lab.replay.Replay.Options options = run.options(spec);
            if (oracle != null && !List.of("naive", "robust").contains(oracle)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--oracle must be naive or robust, not '"
                        + oracle + "'");
            }
            LocalRuntime runtime = runtime(false);
            if (oracle != null && runtime.settings().remote()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--oracle restarts the local oracle;"
                        + " on a deployed platform set the oracle's BACKSTOP_ORACLE_MODE instead");
            }
            if (oracle != null && runtime.restart(Service.ORACLE, java.util.Map.of("BACKSTOP_ORACLE_MODE", oracle)) != 0) {
                return 1;
            }
            io.backstop.lab.replay.Replay.Result r;
            java.nio.file.Path log = runtime.settings().runDir().resolve("replays").resolve(s.name() + "-"
                    + java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-') + ".decisions.log");
            try {
                r = new io.backstop.lab.replay.Replay(runtime.settings(), System.out, options.withDecisions(log))
                        .run(s, accounts);
            } catch (io.backstop.lab.replay.Replay.NotSimulated e) {
                System.out.println(e.getMessage());
                return 1;
            } finally {
                if (oracle != null) {
                    runtime.restart(Service.ORACLE);
                }
            }
            System.out.println(io.backstop.lab.replay.ReplayReport.table(List.of(oracle == null ? "(oracle as running)"
                    : oracle), List.of(r)));
            r.money().differences().forEach(d -> System.out.println("  money: " + d));
            r.deadLetterReasons().forEach(d -> System.out.println("  dead letter: " + d));
            System.out.println("decisions: " + log);
            return r.sound() ? 0 : 2;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, description = "Builds Backstop if needed and replays oct-2025 twice, with the oracle "
            + "robust and naive, each on a fresh platform of its own (run/demo/<mode>); prints the two side by side and "
            + "writes an HTML report to reports/.")
    static final class Demo implements Callable<Integer> {
        @Option(names = "--accounts", defaultValue = "300", description = "traders per run (default ${DEFAULT-VALUE})")
        int accounts;
        @Option(names = "--scenario", defaultValue = "oct-2025", description = "scenario (default ${DEFAULT-VALUE})")
        String scenario;
        @Option(names = "--seed", description = "the world's seed (default: the scenario's)")
        Long seed;
        @CommandLine.Mixin
        RunOptions run;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (accounts < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--accounts must be at least 1");
            }
            io.backstop.lab.scenario.Scenario s = io.backstop.lab.scenario.Scenarios.load(scenario)
                    .with(seed, run.minutes);
            return new io.backstop.lab.replay.Demo(System.getenv(), System.out, run.options(spec)).run(s, accounts);
        }
    }

    @Command(name = "chaos", mixinStandardHelpOptions = true, description = "Replays a scenario twice on fresh platforms of"
            + " its own (run/chaos/): clean, then while services, the broker or PostgreSQL are killed with SIGKILL and"
            + " brought back. Exit 0 only when the run with kills decided byte for byte as the clean run and held every"
            + " check (nothing lost or doubled, money conserved, ledger clean, every killed component and every service"
            + " ready again). Writes reports/chaos-<time>/.")
    static final class Chaos implements Callable<Integer> {
        @Option(names = "--kill", defaultValue = "random", description = "oracle, margin, liquidation, insurance-fund,"
                + " kafka (the broker), postgres (the embedded database, every backend with it) or several of them"
                + " comma-separated (in turn), each (the four services in turn) or random (a service drawn from the seed"
                + " each round) (default ${DEFAULT-VALUE})")
        String kill;
        @Option(names = "--every", defaultValue = "5m", converter = Load.Time.class, description = "simulated time"
                + " between two kills, the first this long after the shock begins; the same options kill at the same"
                + " moments of the run (default ${DEFAULT-VALUE})")
        java.time.Duration every;
        @Option(names = "--down-for", defaultValue = "10s", converter = Load.Time.class, description = "how long a"
                + " killed component stays down before it is started again (default ${DEFAULT-VALUE})")
        java.time.Duration downFor;
        @Option(names = "--rounds", defaultValue = "4", description = "kills at most; fewer when the shock ends first"
                + " (default ${DEFAULT-VALUE})")
        int rounds;
        @Option(names = "--accounts", defaultValue = "300", description = "traders per run (default ${DEFAULT-VALUE})")
        int accounts;
        @Option(names = "--scenario", defaultValue = "oct-2025", description = "scenario (default ${DEFAULT-VALUE})")
        String scenario;
        @Option(names = "--seed", description = "the world's seed, which also draws the random victims (default: the"
                + " scenario's)")
        Long seed;
        @CommandLine.Mixin
        RunOptions run;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (accounts < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--accounts must be at least 1");
            }
            io.backstop.lab.scenario.Scenario s = io.backstop.lab.scenario.Scenarios.load(scenario)
                    .with(seed, run.minutes);
            io.backstop.lab.replay.Chaos.KillPlan plan;
            try {
                plan = new io.backstop.lab.replay.Chaos.KillPlan(kill, every, downFor, rounds, s.seed());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            return new io.backstop.lab.replay.Chaos(System.getenv(), System.out, run.options(spec), plan).run(s, accounts);
        }
    }
}
