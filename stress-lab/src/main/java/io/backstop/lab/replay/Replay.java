package io.backstop.lab.replay;

import static io.backstop.lab.load.Waits.seconds;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.json.EventJson;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.trading.TradeFilled;
import io.backstop.lab.exchange.ScenarioBook;
import io.backstop.lab.exchange.SteppedExchange;
import io.backstop.lab.load.OpenLoop;
import io.backstop.lab.load.RiskQueries;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.World;
import java.io.PrintStream;
import java.io.Writer;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Replays a scenario on a platform running on simulated time ({@code ./backstop up --clock simulated}; the demo
 * starts its own): the simulated venues tick, the scenario's traders open their accounts and positions, the
 * simulated exchange fills the liquidation orders on its own books (so liquidations move the prices that mark
 * them), and an observer counts what Backstop did: margin calls, liquidations, shortfalls, takeovers, ADL,
 * socialized losses, and how far the oracle's index strayed from the honest price.
 *
 * <p>The replay and the platform move in lockstep. At each step the replay moves the world to the step's
 * simulated time, publishes what it has for the platform (venue ticks every {@link Options#tick}, the exchange's
 * executions, traders' opening trades), reads the end offsets of every topic, and steps the four services to that
 * time; each takes in exactly what was published before the step and publishes what it decided before the step
 * ends. The exchange fills the orders of the step at the world as it is then, and the observer reads the step's
 * events. The next step comes {@link Options#reactionTime} later when the step published anything (each hop
 * between services, and to the exchange, takes that long), else at the next tick or the next moment a service
 * asked for (a slice after its cooldown). So the outcome depends on the scenario, the seed and the options only:
 * a fast or a loaded machine takes more or less wall time for the same decisions.
 */
public final class Replay {

    static final Map<String, String> PERP_MARKETS = Map.of("BTCUSDT", "BTCUSDT-PERP", "ETHUSDT", "ETHUSDT-PERP");
    static final Map<String, String> INDEX_OF = Map.of("BTCUSDT", "BTC", "ETHUSDT", "ETH");
    /** The assets the report charts, and the perpetual each one marks (null: a collateral asset only). */
    static final Map<String, String> CHARTED = orderedMap("BTC", "BTCUSDT", "ETH", "ETHUSDT", "USDE", null, "WBETH", null);
    /** Simulated time before the shock: the oracle's windows fill and the traders open. */
    static final Duration WARM_UP = Duration.ofMinutes(5);
    /** After the world stops, the platform is done when nothing was decided for this long... */
    static final Duration QUIET = Duration.ofMinutes(2);
    /** ... within this much simulated time. */
    static final Duration SETTLE = Duration.ofMinutes(60);

    /**
     * How a replay runs.
     *
     * @param tick         simulated time between two ticks of every venue
     * @param reactionTime simulated time one hop takes: from a service to the next, and from liquidation-service to
     *                     the exchange's book (the book keeps moving meanwhile)
     * @param queryRate    risk queries per wall second the traders send over REST while the shock runs (open model)
     * @param decisions    where to write the decision log (null for nowhere)
     */
    public record Options(Duration tick, Duration reactionTime, double queryRate, Path decisions) {

        public static final Duration TICK = Duration.ofSeconds(1);
        public static final Duration REACTION_TIME = Duration.ofMillis(50);
        public static final double QUERY_RATE = 200;

        public Options {
            if (tick.isNegative() || tick.isZero() || reactionTime.isNegative() || reactionTime.isZero()) {
                throw new IllegalArgumentException("the tick and the reaction time must be positive");
            }
            if (reactionTime.compareTo(tick) >= 0) {
                throw new IllegalArgumentException("the reaction time (" + reactionTime.toMillis() + " ms) must be"
                        + " shorter than the tick (" + tick.toMillis() + " ms)");
            }
            if (queryRate < 0) {
                throw new IllegalArgumentException("the query rate cannot be negative");
            }
        }

        public static Options defaults() {
            return new Options(TICK, REACTION_TIME, QUERY_RATE, null);
        }

        public Options withDecisions(Path file) {
            return new Options(tick, reactionTime, queryRate, file);
        }
    }

    /** What a replay measured: the market's outcomes in simulated time, then the platform's performance. */
    public record Result(String scenario, int accounts, long marginCalls, int accountsLiquidated, int wrongful,
                         BigDecimal wrongfulNotional, BigDecimal manipulation,
                         BigDecimal liquidatedNotional, long liquidationFills, long shortfalls, long takeovers,
                         long adlExecutions, BigDecimal adlNotional, long adlRefused, BigDecimal socialized, double maxIndexDeviation,
                         String maxDeviationSymbol, long peakLiquidationsPerSecond, double seconds,
                         Map<Integer, Long> liquidationsPerMinute, boolean ledgerClean, String fund,
                         Outcomes outcomes, Liveness liveness, Timeline timeline, Latency latency, Money money,
                         double longShare,
                         OpenLoop.Summary queries, int coveredAtTrueValue,
                         long deadLetters, List<String> deadLetterReasons, Decisions decisions, Shape shape,
                         Performance performance) {

        /**
         * Whether the run's invariants held: a clean ledger, an outcome for every call and never two, every
         * unit of money accounted for, no event refused (dead-lettered) by any service, no account left
         * below maintenance with nothing attending to it, and no scope still leased to a shortfall whose waterfall
         * never settled it.
         */
        public boolean sound() {
            return ledgerClean && outcomes.withoutOutcome() == 0 && outcomes.duplicated() == 0 && money.conserved()
                    && deadLetters == 0 && liveness.unattended() == 0 && liveness.awaitingWaterfall() == 0;
        }

        /** Liquidated notional caused by the manipulated prices ÷ the manipulation's size. */
        public double amplification() {
            return manipulation.signum() == 0 ? 0 : wrongfulNotional.doubleValue() / manipulation.doubleValue();
        }

        /** The share of the liquidated notional the market took (not the fund's takeovers, not ADL). */
        public double closedInTheMarket() {
            BigDecimal all = liquidatedNotional.add(decisions.takenOverNotional()).add(adlNotional);
            return all.signum() == 0 ? 1 : liquidatedNotional.doubleValue() / all.doubleValue();
        }
    }

    /**
     * The decisions of a run in one word: the digest of its {@link DecisionLog} (every call, order, fill, price,
     * waterfall step and fund update, in order), the number of lines, the options that decide them.
     */
    public record Decisions(String digest, long lines, BigDecimal takenOverNotional, double scale, long tickMillis,
                            long reactionMillis, Path log) {
    }

    /**
     * The run's shape next to the day's: the share of the liquidated notional that closed longs, the busiest hour,
     * the lowest USDe price on each venue that dropped below 0.95, wBETH's deepest discount to ETH × rate on its own
     * pair.
     */
    public record Shape(double longShare, int busiestHour, Map<String, Double> usdeLows, double wbethDiscount) {
    }

    /**
     * How fast the platform ran the replay, in wall time: the steps, the speed (simulated minutes per wall second,
     * for the shock and for the whole run), and each service's time per step in which it had events to take in
     * (one hop), and the whole step's, as the replay saw them (milliseconds).
     */
    public record Performance(long steps, double wallSeconds, double shockWallSeconds, double shockSpeed,
                              double speed, Map<String, Hop> hops, Hop step) {
    }

    /**
     * Count, median, 99th percentile and maximum of a wall-time distribution, in milliseconds; for a service's hops
     * also the medians of the two parts of its step: taking the events in, and the work due.
     */
    public record Hop(long count, double p50, double p99, double max, double[] partsP50) {

        static Hop of(Histogram micros) {
            return of(micros, List.of());
        }

        static Hop of(Histogram micros, List<Histogram> parts) {
            return new Hop(micros.getTotalCount(), micros.getValueAtPercentile(50) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0, micros.getMaxValue() / 1000.0,
                    parts.stream().mapToDouble(h -> h.getValueAtPercentile(50) / 1000.0).toArray());
        }
    }

    /**
     * What became of the run's margin calls, from liquidation-service's own records: every call must have
     * an outcome (liquidated, recovered, skipped while in progress, shortfall), none two.
     *
     * @param stillOpen liquidations not finished when the replay stopped waiting
     */
    public record Outcomes(int calls, int withoutOutcome, int duplicated, int stillOpen) {
    }

    /**
     * The liveness check, from margin-service's risk API at the end of the run: accounts with a scope below
     * maintenance that no liquidation leases and no stated hold (the oracle breaker, a missing price) explains.
     * Nothing would ever call them: must be 0. And scopes still awaiting the waterfall once the platform finished:
     * their liquidation handed a shortfall to the fund, and its remainder was never settled on the bankrupt side (an
     * ADL leg applied to the counterparty only, say). Their lease would never end: must be 0 too.
     *
     * @param examples the first few such scopes, as "account scope: equity < maintenance (status)" or
     *                 "account scope: awaiting the waterfall (status)"
     */
    public record Liveness(int accountsChecked, int unattended, int awaitingWaterfall, List<String> examples) {
    }

    /**
     * Simulated milliseconds from the venue tick a margin call's newest price was computed from to the first fill of
     * the liquidation that followed, over all liquidations, and the median of each leg.
     */
    public record Latency(long liquidations, long p50, long p99, long max, long tickToPrice, long priceToCall,
                          long callToOrder, long orderToFill) {
    }

    /**
     * The money of the closed world, to the last unit: what the run's accounts hold in USDT at the end
     * (margin-service) against their deposits plus every movement the other services published for them —
     * realized P&L of liquidation fills, takeovers and ADL, minus liquidation fees, plus deficits covered,
     * minus socialized losses — and the fees they paid against the fees the fund booked.
     *
     * @param differences accounts whose holdings differ from what the events say (first few, with both amounts)
     * @param fundByKind  the fund's money movements during the run by ledger kind (DEPOSIT, FEE, TAKEOVER, ...)
     */
    public record Money(BigDecimal deposited, BigDecimal realized, BigDecimal fees, BigDecimal deficitsCovered,
                        BigDecimal socialized, BigDecimal expected, BigDecimal held, int accountsChecked,
                        List<String> differences, BigDecimal feesBookedByFund, Map<String, BigDecimal> fundByKind) {

        public boolean conserved() {
            return differences.isEmpty() && held.compareTo(expected) == 0 && fees.compareTo(feesBookedByFund) == 0;
        }

        /** The fund's money movement of one ledger kind in the run (FEE, DEFICIT_COVERED, UNWIND, ...), 0 if none. */
        public BigDecimal fund(String kind) {
            return fundByKind.getOrDefault(kind, BigDecimal.ZERO);
        }
    }

    /** The platform runs on the system clock: a replay cannot step it. */
    public static final class NotSimulated extends IllegalStateException {
        NotSimulated() {
            super("the platform runs on the system clock; a replay steps a platform on simulated time: start it with"
                    + " ./backstop down && ./backstop up --clock simulated (./backstop demo starts its own)");
        }
    }

    private final RuntimeSettings settings;
    private final io.backstop.lab.runtime.LabTokens tokens;
    private final PrintStream out;
    private final Options options;
    private final EventJson json = new EventJson();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Replay(RuntimeSettings settings, PrintStream out, Options options) {
        this.settings = settings;
        this.tokens = io.backstop.lab.runtime.LabTokens.of(settings);
        this.out = out;
        this.options = options;
    }

    private Runnable shockBegins = () -> { };
    private Runnable shockEnds = () -> { };
    /** The platform's simulated time at the last step, for whoever watches the run from another thread. */
    private volatile Instant simulated;

    /**
     * Runs {@code begins} on the replay's thread when the shock begins (the accounts are open, the world starts to
     * move) and {@code ends} when it has ended, before the platform settles and the run is checked: a chaos
     * experiment kills components in between, and its {@code ends} waits until what it killed is back.
     */
    public Replay duringShock(Runnable begins, Runnable ends) {
        this.shockBegins = begins;
        this.shockEnds = ends;
        return this;
    }

    /** The platform's simulated time at the last step taken, empty before the first. */
    public Optional<Instant> simulatedTime() {
        return Optional.ofNullable(simulated);
    }

    /** Replays {@code base} sized for {@code accounts} traders ({@link Scenario#scaledTo}). */
    public Result run(Scenario base, int accounts) throws Exception {
        Scenario scenario = base.scaledTo(accounts);
        String run = scenario.name() + "-" + Long.toString(System.currentTimeMillis(), 36);
        try (PlatformClock platform = new PlatformClock(settings)) {
            Instant platformNow = platform.now().orElseThrow(NotSimulated::new);
            // the shock at the scenario's own moment on a fresh platform; on one that ran before, later than its clock
            Instant t0 = scenario.start();
            if (t0.minus(WARM_UP).isBefore(platformNow)) {
                t0 = platformNow.plus(WARM_UP).truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
            }
            try (Run r = new Run(scenario, base.scale(accounts), run, t0, platform)) {
                return r.replay();
            }
        }
    }

    /** One replay's state; used by the replay's thread only. */
    private final class Run implements AutoCloseable {
        final Scenario scenario;
        final int accounts;
        final double scale;
        final String run;
        final Instant t0;
        final PlatformClock platform;
        final World world;
        final WorldFeed feed;
        final HonestPrices honest = new HonestPrices();
        final Map<String, TraderPopulation.Trader> traders = new LinkedHashMap<>();
        final Map<String, BigDecimal> entries = new LinkedHashMap<>();
        final Deque<TraderPopulation.Trader> late = new ArrayDeque<>();
        final List<EventEnvelope<?>> outgoing = new ArrayList<>();
        final KafkaProducer<String, byte[]> producer;
        final SteppedExchange exchange;
        final RunObserver observer;
        final Writer decisionsOut;
        /** Where the exchange and the observer take their step, beside the platform's. */
        final ExecutorService labThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "replay-exchange-observer");
            t.setDaemon(true);
            return t;
        });
        final List<Map.Entry<String, List<String>>> charted;
        final Map<String, List<Timeline.PricePoint>> prices = new LinkedHashMap<>();
        final Map<String, Double> usdeLows = new TreeMap<>();
        double wbethDiscount;
        // the lockstep
        Instant now;
        Instant nextTick;
        double lastSample = -1;
        long steps;
        final Histogram stepMicros = new Histogram(3_600_000_000L, 3);
        final Map<Service, Histogram> hopMicros = new EnumMap<>(Service.class);
        /** Per service: reading its events, applying them, committing their offsets, the work due. */
        final Map<Service, List<Histogram>> partMicros = new EnumMap<>(Service.class);
        long lastProgress = System.nanoTime();
        long lastProgressSteps;
        Instant lastProgressTime;

        Run(Scenario scenario, double scale, String run, Instant t0, PlatformClock platform) throws Exception {
            this.scenario = scenario;
            this.accounts = scenario.traders().accounts();
            this.scale = scale;
            this.run = run;
            this.t0 = t0;
            this.platform = platform;
            this.world = new World(scenario);
            this.feed = new WorldFeed(scenario);
            // a broker killed by a chaos run is waited for, not given up on: a send blocks and is retried (by the
            // idempotent producer, so never twice on the topic) until it is back
            int patience = (int) io.backstop.lab.exchange.Fetch.PATIENCE.toMillis();
            this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.MAX_BLOCK_MS_CONFIG, patience,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, patience), new StringSerializer(),
                    new ByteArraySerializer());
            this.exchange = new SteppedExchange(settings.kafkaBootstrap(), new ScenarioBook(world, PERP_MARKETS, run));
            this.observer = new RunObserver(settings.kafkaBootstrap(), t0, honest, traders, entries, run);
            if (options.decisions() != null) {
                Files.createDirectories(options.decisions().toAbsolutePath().getParent());
                decisionsOut = Files.newBufferedWriter(options.decisions());
                observer.decisions.writeTo(decisionsOut);
            } else {
                decisionsOut = null;
            }
            this.charted = charted(scenario);
            charted.forEach(c -> prices.put(c.getKey(), new ArrayList<>()));
            for (Service s : Service.values()) {
                hopMicros.put(s, new Histogram(3_600_000_000L, 3));
                partMicros.put(s, List.of(new Histogram(3_600_000_000L, 3), new Histogram(3_600_000_000L, 3),
                        new Histogram(3_600_000_000L, 3), new Histogram(3_600_000_000L, 3)));
            }
        }

        Result replay() throws Exception {
            long started = System.nanoTime();
            now = t0.minus(WARM_UP);
            nextTick = now;
            lastProgressTime = now;
            out.printf("%s: %,d traders (books, sale and fund x%.2f), the shock at %s; venues tick every %d ms, a hop"
                    + " takes %d ms (simulated)%n", scenario.name(), accounts, scale, t0, options.tick().toMillis(),
                    options.reactionTime().toMillis());

            // warm-up: the venues tick at the T0 prices; the fund, the accounts and the T0 positions open
            runUntil(now.plus(Duration.ofSeconds(20)), false);
            for (String symbol : List.of("BTC", "ETH", "USDE", "WBETH", "BTCUSDT", "ETHUSDT")) {
                if (status(Service.ORACLE, "/api/v1/prices/" + symbol) != 200) {
                    throw new IllegalStateException("the oracle has no price of " + symbol + " after 20 simulated seconds"
                            + " of ticks");
                }
            }
            depositFunds();
            platform.touched();
            Map<String, BigDecimal> atT0 = new LinkedHashMap<>();
            atT0.put("USDT", BigDecimal.ONE);
            for (String asset : List.of("USDE", "WBETH", "BTC", "ETH")) {
                atT0.put(asset, WorldFeed.decimal(world.honest(asset)));
            }
            List<TraderPopulation.Trader> population = TraderPopulation.generate(scenario, run, accounts, atT0,
                    new TreeMap<>(Map.of("BTCUSDT", 0.6, "ETHUSDT", 0.4)), INDEX_OF);
            population.forEach(t -> traders.put(t.accountId(), t));
            population.stream().filter(t -> t.opensAt() > 0)
                    .sorted(Comparator.comparingDouble(TraderPopulation.Trader::opensAt)).forEach(late::add);
            long opening = System.nanoTime();
            open(population);
            platform.touched();
            TraderPopulation.Trader lastAtT0 = null;
            for (TraderPopulation.Trader t : population) {
                if (t.opensAt() == 0) {
                    entries.put(t.accountId(), t.price());
                    outgoing.add(EventEnvelope.of(openingTrade(t, t.price()), now, null, null));
                    lastAtT0 = t;
                }
            }
            runUntil(t0, false);
            if (lastAtT0 != null && !get(Service.MARGIN, "/api/v1/accounts/" + lastAtT0.accountId() + "/risk")
                    .contains("\"symbol\":\"" + lastAtT0.symbol() + "\"")) {
                throw new IllegalStateException("margin-service has not applied the opening trades by the shock");
            }
            out.printf("%s: %,d traders opened (accounts, collateral, positions) in %.1f s; the shock begins%n",
                    scenario.name(), population.size(), seconds(opening));

            // the shock
            RiskQueries queries = options.queryRate() <= 0 ? null : RiskQueries.start(
                    settings.serviceUrl(Service.MARGIN),
                    population.stream().map(TraderPopulation.Trader::accountId).toList(), tokens::trader,
                    options.queryRate(),
                    scenario.seed());
            observer.running = true;
            observer.shock = true;
            long shockStarted = System.nanoTime();
            Instant end = t0.plus(Duration.ofMillis(Math.round(scenario.minutes() * 60_000)));
            shockBegins.run();
            try {
                runUntil(end, true);
            } finally {
                shockEnds.run(); // also when the run fails: no kill may outlive it and race the platform's shutdown
            }
            double shockWall = seconds(shockStarted);
            observer.shock = false; // the world holds its last prices while the platform finishes
            OpenLoop.Summary queried = queries == null ? null : queries.stop();

            // the platform finishes what it started: nothing decided for QUIET, nothing scheduled
            Instant settleBy = end.plus(SETTLE);
            while (!settled() && now.isBefore(settleBy)) {
                phase(false);
            }
            if (!settled()) {
                out.println("  the platform had not finished " + SETTLE.toMinutes() + " simulated minutes after the"
                        + " world stopped: " + unfinished(run));
            }
            double wall = seconds(started);
            if (decisionsOut != null) {
                decisionsOut.flush();
            }

            String fund = get(Service.INSURANCE_FUND, "/api/v1/fund?history=1");
            boolean clean = get(Service.INSURANCE_FUND, "/api/v1/ledger/check").contains("\"clean\":true");
            Outcomes outcomes = outcomes(observer.callIds);
            Map<String, tools.jackson.databind.JsonNode> risks = new LinkedHashMap<>();
            population.forEach(t -> risks.put(t.accountId(), risk(t.accountId())));
            Money money = money(population, observer, run, t0, risks);
            Liveness liveness = liveness(risks);
            Timeline timeline = new Timeline(prices, observer.fund(), observer.adl(), observer.latency());
            double simulatedMinutes = Duration.between(t0.minus(WARM_UP), now).toMillis() / 60_000.0;
            Map<String, Hop> hops = new LinkedHashMap<>();
            hopMicros.forEach((s, h) -> hops.put(s.id(), Hop.of(h, partMicros.get(s))));
            Performance performance = new Performance(steps, wall, shockWall, scenario.minutes() / shockWall,
                    simulatedMinutes / wall, hops, Hop.of(stepMicros));
            Decisions decisions = new Decisions(observer.decisions.digest(), observer.decisions.lines(),
                    observer.takenOverNotional(), scale, options.tick().toMillis(),
                    options.reactionTime().toMillis(), options.decisions());
            Shape shape = new Shape(observer.longShare(), observer.busiestHour(), Map.copyOf(usdeLows), wbethDiscount);
            return new Result(scenario.name(), accounts, observer.calls.get(), observer.liquidatedAccounts.size(),
                    observer.wrongful.size(), observer.wrongfulNotional(), BigDecimal.valueOf(
                    scenario.manipulations().stream().mapToDouble(Scenario.Manipulation::notional).sum()),
                    observer.notional(), observer.fills.get(), observer.shortfalls.get(), observer.takeovers.get(),
                    observer.adl.get(), observer.adlNotional(), observer.adlRefused.get(), observer.socialized(), observer.maxDeviation(),
                    observer.maxDeviationSymbol(), observer.peakPerSecond(), wall, new TreeMap<>(observer.perMinute),
                    clean, fund, outcomes, liveness, timeline, latency(observer), money, observer.longShare(), queried,
                    observer.coveredAtTrueValue.size(), observer.deadLetters.get(), observer.deadLetterReasons(),
                    decisions, shape, performance);
        }

        /** Steps until the platform's time reaches {@code until}; the world moves during the shock only. */
        void runUntil(Instant until, boolean shock) throws Exception {
            while (now.isBefore(until)) {
                phase(shock);
                if (now.isAfter(until)) {
                    now = until;
                }
            }
        }

        boolean settled() {
            Instant last = observer.lastDecision;
            return (last == null || !now.isBefore(last.plus(QUIET))) && !exchange.hasExecutions() && !pendingDeadline;
        }

        boolean pendingDeadline;

        /** One step of the lockstep at {@code now}; moves {@code now} to the next step's time. */
        void phase(boolean shock) throws Exception {
            long started = System.nanoTime();
            if (shock) {
                world.advanceTo(minutes(now));
            }
            Map<String, Double> honestNow = new LinkedHashMap<>();
            scenario.markets().forEach(m -> honestNow.put(m.symbol(), world.honest(m.symbol())));
            honest.record(now, honestNow);
            if (!now.isBefore(nextTick)) {
                tick(shock);
                nextTick = nextTick.plus(options.tick());
            }
            outgoing.addAll(exchange.take());
            for (EventEnvelope<?> e : outgoing) {
                producer.send(io.backstop.lab.exchange.TraceHeader.with(new ProducerRecord<>(e.topic().baseName(),
                        e.key(), json.encode(e)), exchange.traceParentOf(e)));
            }
            outgoing.clear();
            producer.flush();

            Map<String, List<Long>> ends = platform.endOffsets();
            // the exchange and the observer read what was published before the step, as the services do: at once
            Instant at = now;
            Future<?> lab = labThread.submit(() -> {
                exchange.step(at, ends);
                observer.step(ends);
                return null;
            });
            PlatformClock.Step step = platform.step(now, ends);
            try {
                lab.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            boolean active = step.published() || exchange.hasExecutions();

            steps++;
            stepMicros.recordValue(Math.min(3_600_000_000L, (System.nanoTime() - started) / 1000));
            step.services().forEach((s, st) -> {
                if (st.events() > 0) {
                    hopMicros.get(s).recordValue(Math.min(3_600_000_000L, st.wallMicros()));
                    List<Histogram> parts = partMicros.get(s);
                    long[] values = {st.fetchMicros(), st.deliverMicros(), st.commitMicros(), st.workMicros()};
                    for (int i = 0; i < values.length; i++) {
                        parts.get(i).recordValue(Math.min(3_600_000_000L, Math.max(0, values[i])));
                    }
                }
            });
            Instant deadline = step.deadline().filter(d -> d.isAfter(now)).orElse(null);
            pendingDeadline = deadline != null;
            Instant next = active ? now.plus(options.reactionTime()) : nextTick;
            if (deadline != null && deadline.isBefore(next)) {
                next = deadline;
            }
            if (nextTick.isBefore(next)) {
                next = nextTick;
            }
            if (!next.isAfter(now)) {
                next = now.plusMillis(1);
            }
            now = next;
            simulated = now;
            progress();
        }

        /** The venues tick at {@code now}; late traders open; the timeline samples. */
        void tick(boolean shock) {
            List<World.Tick> ticks = world.quotes();
            outgoing.addAll(feed.ticks(ticks, now));
            outgoing.addAll(feed.rates(now));
            observer.ticksSent(now);
            for (World.Tick t : ticks) {
                if (t.symbol().equals("USDE") && t.last() < 0.95) {
                    usdeLows.merge(t.venue(), t.last(), Math::min);
                }
            }
            if (!shock) {
                return;
            }
            double minute = world.minute();
            wbethDiscount = Math.max(wbethDiscount, 1 - world.price("WBETH", "binance") / world.honest("WBETH"));
            while (late.peek() != null && late.peek().opensAt() <= minute) {
                TraderPopulation.Trader t = late.poll();
                BigDecimal price = WorldFeed.decimal(world.price(PERP_MARKETS.get(t.symbol()), "exchange"));
                entries.put(t.accountId(), price);
                outgoing.add(EventEnvelope.of(openingTrade(t, price), now, null, null));
            }
            if (minute - lastSample >= 0.5) {
                lastSample = minute;
                sample(world, observer, charted, prices);
            }
        }

        double minutes(Instant at) {
            return Duration.between(t0, at).toMillis() / 60_000.0;
        }

        /** A line every 5 wall seconds: where the run is in simulated time, how fast it goes, what happened. */
        void progress() {
            if (System.nanoTime() - lastProgress < 5_000_000_000L) {
                return;
            }
            double wall = seconds(lastProgress);
            double simulated = Duration.between(lastProgressTime, now).toMillis() / 60_000.0;
            out.printf("  T%+6.1f min  %5.1f sim min/s  %,6d steps  margin calls %,d  liquidated %,d accounts"
                            + " (%,d fills)  shortfalls %,d  ADL %,d%n", minutes(now), simulated / wall,
                    steps - lastProgressSteps, observer.calls.get(), observer.liquidatedAccounts.size(),
                    observer.fills.get(), observer.shortfalls.get(), observer.adl.get());
            lastProgress = System.nanoTime();
            lastProgressSteps = steps;
            lastProgressTime = now;
        }

        /** Opens every trader's account and collateral over REST (between steps: at the current simulated time). */
        void open(List<TraderPopulation.Trader> everyone) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (TraderPopulation.Trader t : everyone) {
                    done.add(pool.submit(() -> {
                        post(Service.MARGIN, "/api/v1/accounts", "{\"accountId\":\"" + t.accountId() + "\"}", 201);
                        for (Map.Entry<String, BigDecimal> c : t.collateral().entrySet()) {
                            post(Service.MARGIN, "/api/v1/accounts/" + t.accountId() + "/deposits", "{\"asset\":\""
                                    + c.getKey() + "\",\"amount\":\"" + c.getValue().toPlainString() + "\"}", 200);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }

        /** The scenario's opening insurance fund deposits, one idempotent deposit per group and run. */
        void depositFunds() throws Exception {
            for (Map.Entry<String, Double> f : scenario.insuranceFund().entrySet()) {
                post(Service.INSURANCE_FUND, "/api/v1/fund/" + f.getKey() + "/deposits", "{\"amount\":\""
                        + BigDecimal.valueOf(f.getValue()).setScale(2, java.math.RoundingMode.HALF_EVEN).toPlainString()
                        + "\",\"idempotencyKey\":\"" + run + "-" + f.getKey() + "\"}", 201);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                if (decisionsOut != null) {
                    decisionsOut.close();
                }
            } finally {
                labThread.shutdownNow();
                observer.close();
                exchange.close();
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    /** What liquidation-service still has in hand for the run's accounts ("" when nothing). */
    private String unfinished(String run) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(),
                settings.pgPassword());
             java.sql.PreparedStatement s = c.prepareStatement("SELECT count(*) FROM liquidation.liquidation"
                     + " WHERE account_id LIKE ? AND status IN ('QUEUED', 'ACTIVE')")) {
            s.setString(1, run + "-%");
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 0 ? "nothing open" : rs.getInt(1) + " liquidations open";
            }
        }
    }

    private static List<Map.Entry<String, List<String>>> charted(Scenario scenario) {
        List<Map.Entry<String, List<String>>> charted = new ArrayList<>();
        for (String asset : CHARTED.keySet()) {
            scenario.markets().stream().filter(m -> m.symbol().equals(asset)).findFirst().ifPresent(m ->
                    charted.add(Map.entry(asset, m.venues().stream().map(Scenario.Venue::name).toList())));
        }
        return charted;
    }

    /** One price point per charted asset: each venue, the honest price, the oracle's index and mark. */
    private static void sample(World world, RunObserver observer, List<Map.Entry<String, List<String>>> charted,
                               Map<String, List<Timeline.PricePoint>> prices) {
        for (Map.Entry<String, List<String>> c : charted) {
            String asset = c.getKey();
            Map<String, Double> venues = new LinkedHashMap<>();
            for (String venue : c.getValue()) {
                venues.put(venue, world.price(asset, venue));
            }
            String perp = CHARTED.get(asset);
            if (perp != null && PERP_MARKETS.containsKey(perp)) {
                venues.put("exchange perp", world.price(PERP_MARKETS.get(perp), "exchange"));
            }
            OraclePricePublished index = observer.latest(asset);
            OraclePricePublished mark = perp == null ? null : observer.latest(perp);
            prices.get(asset).add(new Timeline.PricePoint(world.minute(), venues, world.honest(asset),
                    index == null ? null : index.indexPrice().doubleValue(),
                    mark == null ? null : mark.markPrice().doubleValue()));
        }
    }

    private static Latency latency(RunObserver o) {
        return new Latency(o.endToEnd.getTotalCount(), o.endToEnd.getValueAtPercentile(50),
                o.endToEnd.getValueAtPercentile(99), o.endToEnd.getMaxValue(), o.tickToPrice.getValueAtPercentile(50),
                o.priceToCall.getValueAtPercentile(50), o.callToOrder.getValueAtPercentile(50),
                o.orderToFill.getValueAtPercentile(50));
    }

    /**
     * The conservation check: each run account's balances at margin-service against its deposits and the
     * movements the observer saw, and the fees the accounts paid against the FEE postings of the fund's ledger.
     */
    private Money money(List<TraderPopulation.Trader> population, RunObserver observer, String run, Instant since,
                        Map<String, tools.jackson.databind.JsonNode> risks) throws Exception {
        Map<String, BigDecimal> moved = observer.moneyIn();
        BigDecimal deposited = BigDecimal.ZERO;
        BigDecimal expected = BigDecimal.ZERO;
        BigDecimal held = BigDecimal.ZERO;
        List<String> differences = new ArrayList<>();
        for (TraderPopulation.Trader t : population) {
            Map<String, BigDecimal> balances = balances(risks.get(t.accountId()));
            Map<String, BigDecimal> should = new LinkedHashMap<>(t.collateral());
            should.merge("USDT", moved.getOrDefault(t.accountId(), BigDecimal.ZERO), BigDecimal::add);
            deposited = deposited.add(t.collateral().getOrDefault("USDT", BigDecimal.ZERO));
            expected = expected.add(should.getOrDefault("USDT", BigDecimal.ZERO));
            held = held.add(balances.getOrDefault("USDT", BigDecimal.ZERO));
            java.util.Set<String> assets = new java.util.TreeSet<>(should.keySet());
            assets.addAll(balances.keySet());
            for (String asset : assets) {
                BigDecimal want = should.getOrDefault(asset, BigDecimal.ZERO);
                BigDecimal has = balances.getOrDefault(asset, BigDecimal.ZERO);
                if (want.compareTo(has) != 0 && differences.size() < 10) {
                    differences.add(t.accountId() + " " + asset + ": holds " + has.toPlainString() + ", events say "
                            + want.toPlainString() + " (deposited " + t.collateral().getOrDefault(asset, BigDecimal.ZERO)
                            .toPlainString() + "; " + String.join("; ", observer.moneyLog(t.accountId())) + ")");
                }
            }
        }
        Map<String, BigDecimal> fundByKind = new java.util.TreeMap<>();
        BigDecimal feesBooked = BigDecimal.ZERO;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(),
                settings.pgPassword())) {
            try (java.sql.PreparedStatement s = c.prepareStatement("SELECT t.kind, sum(p.amount) FROM"
                    + " insurance.ledger_posting p JOIN insurance.ledger_transaction t ON t.id = p.transaction_id"
                    + " WHERE p.account LIKE 'fund:%' AND p.asset = 'USDT' AND t.created_at >= ? GROUP BY t.kind")) {
                s.setTimestamp(1, java.sql.Timestamp.from(since));
                try (java.sql.ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        fundByKind.put(rs.getString(1), rs.getBigDecimal(2));
                    }
                }
            }
            try (java.sql.PreparedStatement s = c.prepareStatement("SELECT coalesce(sum(p.amount), 0) FROM"
                    + " insurance.ledger_posting p JOIN insurance.ledger_transaction t ON t.id = p.transaction_id"
                    + " WHERE t.kind = 'FEE' AND p.account LIKE 'fund:%' AND p.asset = 'USDT' AND t.id IN"
                    + " (SELECT transaction_id FROM insurance.ledger_posting WHERE account LIKE ?)")) {
                s.setString(1, "account:" + run + "-%");
                try (java.sql.ResultSet rs = s.executeQuery()) {
                    rs.next();
                    feesBooked = rs.getBigDecimal(1);
                }
            }
        }
        int unequal = differences.size();
        if (held.compareTo(expected) != 0 && unequal == 0) {
            differences.add("total USDT: held " + held.toPlainString() + ", events say " + expected.toPlainString());
        }
        return new Money(deposited, observer.realized(), observer.feesCharged(), observer.deficitsCovered(),
                observer.socialized(), expected, held, population.size(), differences, feesBooked, fundByKind);
    }

    /** An account's risk as margin-service serves it. */
    private tools.jackson.databind.JsonNode risk(String account) {
        return JSON.readTree(get(Service.MARGIN, "/api/v1/accounts/" + account + "/risk"));
    }

    /**
     * The liveness check over the accounts' risk: a scope below maintenance must be leased to a liquidation or held
     * for a stated reason (the risk API's {@code scopes}).
     */
    static Liveness liveness(Map<String, tools.jackson.databind.JsonNode> risks) {
        int unattended = 0;
        int awaiting = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, tools.jackson.databind.JsonNode> account : risks.entrySet()) {
            boolean any = false;
            for (tools.jackson.databind.JsonNode scope : account.getValue().path("scopes")) {
                String name = account.getKey() + " " + scope.path("scope").asString() + ": ";
                if (scope.path("belowMaintenance").asBoolean() && absent(scope.path("liquidation"))
                        && absent(scope.path("hold"))) {
                    any = true;
                    if (examples.size() < 10) {
                        examples.add(name + scope.path("equity").asString() + " < "
                                + scope.path("maintenanceMargin").asString() + " ("
                                + scope.path("status").asString() + ")");
                    }
                }
                if (scope.path("awaitingWaterfall").asBoolean()) {
                    awaiting++;
                    if (examples.size() < 10) {
                        examples.add(name + "awaiting the waterfall (" + scope.path("status").asString() + ")");
                    }
                }
            }
            unattended += any ? 1 : 0;
        }
        return new Liveness(risks.size(), unattended, awaiting, List.copyOf(examples));
    }

    private static boolean absent(tools.jackson.databind.JsonNode node) {
        return node.isNull() || node.isMissingNode();
    }

    /** An account's balances per asset, as margin-service holds them. */
    private static Map<String, BigDecimal> balances(tools.jackson.databind.JsonNode risk) {
        Map<String, BigDecimal> balances = new LinkedHashMap<>();
        for (tools.jackson.databind.JsonNode line : risk.path("collateral")) {
            BigDecimal amount = new BigDecimal(line.path("amount").asString());
            if (amount.signum() != 0) {
                balances.put(line.path("asset").asString(), amount);
            }
        }
        return balances;
    }

    private static final tools.jackson.databind.ObjectMapper JSON = tools.jackson.databind.json.JsonMapper.builder()
            .build();

    private static <K, V> Map<K, V> orderedMap(K k1, V v1, K k2, V v2, K k3, V v3, K k4, V v4) {
        Map<K, V> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        m.put(k3, v3);
        m.put(k4, v4);
        return java.util.Collections.unmodifiableMap(m);
    }

    private static TradeFilled openingTrade(TraderPopulation.Trader t, BigDecimal price) {
        return new TradeFilled("open-" + t.accountId(), t.accountId(), t.symbol(), t.side(), t.quantity(), price,
                BigDecimal.ZERO, "USDT", MarginMode.CROSS, null);
    }

    /** Reads liquidation-service's records of the run's margin calls (one row per call, its outcome in status). */
    private Outcomes outcomes(Set<UUID> callIds) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(),
                settings.pgPassword());
             java.sql.PreparedStatement s = c.prepareStatement("SELECT count(DISTINCT margin_call_id), count(*),"
                     + " count(*) FILTER (WHERE status IN ('QUEUED', 'ACTIVE')) FROM liquidation.liquidation"
                     + " WHERE margin_call_id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("uuid", callIds.toArray()));
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                int withOutcome = rs.getInt(1);
                return new Outcomes(callIds.size(), callIds.size() - withOutcome, rs.getInt(2) - withOutcome,
                        rs.getInt(3));
            }
        }
    }

    private int status(Service service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(service, path)).header("Authorization", tokens.system()).build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String get(Service service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(service, path)).header("Authorization", tokens.system()).build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + " on " + service.id() + " failed: " + e.getMessage(), e);
        }
    }

    private void post(Service service, String path, String body, int expected) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(service, path))
                        .header("Content-Type", "application/json").header("Authorization", tokens.system()).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private URI uri(Service service, String path) {
        return URI.create(settings.serviceUrl(service) + path);
    }
}
