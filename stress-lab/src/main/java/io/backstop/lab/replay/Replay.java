package io.backstop.lab.replay;

import static io.backstop.lab.load.Waits.seconds;
import static io.backstop.lab.load.Waits.waitFor;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Topic;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.trading.TradeFilled;
import io.backstop.lab.exchange.ScenarioBook;
import io.backstop.lab.exchange.SimulatedExchange;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.World;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Replays a scenario on the running platform ({@code ./backstop up}): the simulated venues publish
 * their ticks (and the wrappers' rates) every {@link #STEP}, the scenario's traders open their accounts
 * and positions, the simulated exchange fills the liquidation orders on its own books (so liquidations
 * move the prices that mark them), and an observer counts what Backstop did: margin calls,
 * liquidations, shortfalls, takeovers, ADL, socialized losses, and how far the oracle's index strayed
 * from the honest price.
 */
public final class Replay {

    static final Duration STEP = Duration.ofMillis(250);
    static final Map<String, String> PERP_MARKETS = Map.of("BTCUSDT", "BTCUSDT-PERP", "ETHUSDT", "ETHUSDT-PERP");
    static final Map<String, String> INDEX_OF = Map.of("BTCUSDT", "BTC", "ETHUSDT", "ETH");

    /** What a replay measured. */
    public record Result(String scenario, int accounts, long marginCalls, int accountsLiquidated, int wrongful,
                         BigDecimal wrongfulNotional, BigDecimal manipulation,
                         BigDecimal liquidatedNotional, long liquidationFills, long shortfalls, long takeovers,
                         long adlExecutions, BigDecimal adlNotional, BigDecimal socialized, double maxIndexDeviation,
                         String maxDeviationSymbol, long peakLiquidationsPerSecond, double seconds,
                         Map<Integer, Long> liquidationsPerMinute, boolean ledgerClean, String fund,
                         Outcomes outcomes) {

        /** Whether the run's invariants held: a clean ledger, an outcome for every call, never two. */
        public boolean sound() {
            return ledgerClean && outcomes.withoutOutcome() == 0 && outcomes.duplicated() == 0;
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

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final EventJson json = new EventJson();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Replay(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public Result run(Scenario scenario, int accounts) throws Exception {
        World world = new World(scenario);
        WorldFeed feed = new WorldFeed(scenario);
        String run = scenario.name() + "-" + Long.toString(System.currentTimeMillis(), 36);
        Observer observer = new Observer(world, TrueValue.of(scenario));
        observer.manipulation = BigDecimal.valueOf(scenario.manipulations().stream()
                .mapToDouble(Scenario.Manipulation::notional).sum());
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer());
             SimulatedExchange exchange = new SimulatedExchange(settings.kafkaBootstrap(),
                     new ScenarioBook(world, PERP_MARKETS))) {
            exchange.awaitReady(Duration.ofSeconds(60));
            observer.start();
            double dt = scenario.speed() * STEP.toMillis() / 1000.0;
            Runnable step = () -> {
                List<World.Tick> ticks;
                synchronized (world) {
                    ticks = observer.running ? world.advance(dt) : world.quotes();
                }
                Instant now = Instant.now();
                feed.ticks(ticks, now).forEach(e -> send(producer, e));
                feed.rates(now).forEach(e -> send(producer, e));
            };
            clock.scheduleAtFixedRate(() -> {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    out.println("  world step failed: " + e);
                }
            }, 0, STEP.toMillis(), TimeUnit.MILLISECONDS);

            for (String symbol : List.of("BTC", "ETH", "USDE", "WBETH", "BTCUSDT", "ETHUSDT")) {
                waitFor("the oracle's price of " + symbol, () -> status(Service.ORACLE, "/api/v1/prices/" + symbol) == 200,
                        Duration.ofMinutes(2));
            }
            Map<String, BigDecimal> t0 = new LinkedHashMap<>();
            synchronized (world) {
                t0.put("USDT", BigDecimal.ONE);
                for (String asset : List.of("USDE", "WBETH", "BTC", "ETH")) {
                    t0.put(asset, WorldFeed.decimal(world.honest(asset)));
                }
            }
            List<TraderPopulation.Trader> traders = TraderPopulation.generate(scenario, run, accounts, t0,
                    new java.util.TreeMap<>(Map.of("BTCUSDT", 0.6, "ETHUSDT", 0.4)), INDEX_OF);
            traders.forEach(t -> observer.traders.put(t.accountId(), t));
            long opening = System.nanoTime();
            open(traders, producer);
            out.printf("%s: %,d traders opened (accounts, collateral, positions) in %.1f s; the shock begins%n",
                    scenario.name(), traders.size(), seconds(opening));

            long started = System.nanoTime();
            observer.running = true;
            long lastReport = System.nanoTime();
            while (true) {
                double minute;
                synchronized (world) {
                    minute = world.minute();
                }
                if (minute >= scenario.minutes()) {
                    break;
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    out.printf("  %5.1f s  T+%3.0f min  margin calls %,d  liquidated %,d accounts (%,d fills)  shortfalls %,d%n",
                            seconds(started), minute, observer.calls.get(), observer.liquidatedAccounts.size(),
                            observer.fills.get(), observer.shortfalls.get());
                    lastReport = System.nanoTime();
                }
                Thread.sleep(100);
            }
            observer.running = false; // the world holds its last prices while the platform finishes
            long quiet = System.nanoTime();
            long seen = observer.events.get();
            while (seconds(quiet) < 60) {
                Thread.sleep(2000);
                long now = observer.events.get();
                if (now == seen) {
                    break;
                }
                seen = now;
            }
            double seconds = seconds(started);
            String fund = get(Service.INSURANCE_FUND, "/api/v1/fund?history=1");
            boolean clean = get(Service.INSURANCE_FUND, "/api/v1/ledger/check").contains("\"clean\":true");
            return observer.result(scenario.name(), accounts, seconds, clean, fund, outcomes(observer.callIds));
        } finally {
            clock.shutdownNow();
            observer.stop();
        }
    }

    private void open(List<TraderPopulation.Trader> traders, KafkaProducer<String, byte[]> producer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (TraderPopulation.Trader t : traders) {
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
        for (TraderPopulation.Trader t : traders) {
            TradeFilled fill = new TradeFilled("open-" + t.accountId(), t.accountId(), t.symbol(), t.side(), t.quantity(),
                    t.price(), BigDecimal.ZERO, "USDT", MarginMode.CROSS, null);
            send(producer, EventEnvelope.of(fill, Instant.now(), null, null));
        }
        producer.flush();
        String last = traders.get(traders.size() - 1).accountId();
        waitFor("margin-service applying the opening trades", () -> get(Service.MARGIN, "/api/v1/accounts/" + last + "/risk")
                .contains("\"symbol\":\"" + traders.get(traders.size() - 1).symbol() + "\""), Duration.ofMinutes(2));
    }

    /** Counts what the platform does, from its topics, stamped with the world's simulated minute. */
    private final class Observer {
        final World world;
        final KafkaConsumer<String, byte[]> consumer;
        final Thread thread;
        volatile boolean running;
        volatile boolean stopped;
        final AtomicLong events = new AtomicLong();
        final AtomicLong calls = new AtomicLong();
        final Set<UUID> callIds = ConcurrentHashMap.newKeySet();
        final AtomicLong fills = new AtomicLong();
        final AtomicLong shortfalls = new AtomicLong();
        final AtomicLong takeovers = new AtomicLong();
        final AtomicLong adl = new AtomicLong();
        final Set<String> liquidatedAccounts = ConcurrentHashMap.newKeySet();
        final Map<Integer, Long> perMinute = new ConcurrentHashMap<>();
        final Map<Long, Long> perSecond = new ConcurrentHashMap<>();
        volatile BigDecimal notional = BigDecimal.ZERO;
        volatile BigDecimal wrongfulNotional = BigDecimal.ZERO;
        volatile BigDecimal adlNotional = BigDecimal.ZERO;
        volatile BigDecimal socialized = BigDecimal.ZERO;
        volatile double maxDeviation;
        volatile String maxDeviationSymbol = "-";

        final Map<String, TraderPopulation.Trader> traders = new ConcurrentHashMap<>();
        final Set<String> wrongful = ConcurrentHashMap.newKeySet();
        final TrueValue trueValue;

        Observer(World world, TrueValue trueValue) {
            this.world = world;
            this.trueValue = trueValue;
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                    ConsumerConfig.GROUP_ID_CONFIG, "stress-lab-observer-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(Topic.MARGIN_CALLS.baseName(), Topic.LIQUIDATION_FILLS.baseName(),
                    Topic.LIQUIDATION_SHORTFALLS.baseName(), Topic.INSURANCE_TAKEOVERS.baseName(),
                    Topic.ADL_EXECUTIONS.baseName(), Topic.LOSS_SOCIALIZED.baseName(), Topic.ORACLE_PRICES.baseName()));
            thread = new Thread(this::loop, "replay-observer");
            thread.setDaemon(true);
        }

        void start() throws InterruptedException {
            thread.start();
            waitFor("the observer's assignment", () -> !assigned.isEmpty(), Duration.ofSeconds(60));
        }

        final Set<Object> assigned = ConcurrentHashMap.newKeySet();

        void loop() {
            while (!stopped) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Topic topic = Topic.fromName(r.topic(), "").orElse(null);
                    if (topic == null) {
                        continue;
                    }
                    observe(json.decode(topic, r.key(), r.value()));
                }
                assigned.addAll(consumer.assignment());
            }
            consumer.close();
        }

        void observe(EventEnvelope<?> event) {
            Object p = event.payload();
            if (p instanceof OraclePricePublished price) {
                deviation(price);
                return;
            }
            if (!running || !ours(event)) {
                return; // before the shock, or an account of another run
            }
            events.incrementAndGet();
            if (p instanceof MarginCallIssued) {
                calls.incrementAndGet();
                callIds.add(event.eventId());
            } else if (p instanceof PositionLiquidated fill) {
                fills.incrementAndGet();
                if (liquidatedAccounts.add(fill.accountId())) {
                    TraderPopulation.Trader trader = traders.get(fill.accountId());
                    boolean covered;
                    synchronized (world) {
                        covered = trader != null && trueValue.coversMaintenance(trader, world, INDEX_OF);
                    }
                    if (covered) {
                        wrongful.add(fill.accountId());
                        wrongfulNotional = wrongfulNotional.add(trader.notional());
                    }
                }
                notional = notional.add(fill.quantity().multiply(fill.price()));
                int minute;
                synchronized (world) {
                    minute = (int) world.minute();
                }
                perMinute.merge(minute, 1L, Long::sum);
                perSecond.merge(System.currentTimeMillis() / 1000, 1L, Long::sum);
            } else if (p instanceof LiquidationShortfallRaised) {
                shortfalls.incrementAndGet();
            } else if (p instanceof PositionTakenOver) {
                takeovers.incrementAndGet();
            } else if (p instanceof PositionAutoDeleveraged a && a.role() == AdlRole.COUNTERPARTY) {
                adl.incrementAndGet();
                adlNotional = adlNotional.add(a.quantity().multiply(a.price()));
            } else if (p instanceof LossSocialized loss) {
                socialized = socialized.add(loss.amount());
            }
        }

        boolean ours(EventEnvelope<?> event) {
            return event.key() != null && (traders.containsKey(event.key())
                    || event.payload() instanceof LiquidationShortfallRaised s && traders.containsKey(s.accountId()));
        }

        /** How far the oracle's index of an asset is from the honest price at the moment it arrives. */
        void deviation(OraclePricePublished price) {
            double honest;
            synchronized (world) {
                try {
                    honest = world.honest(price.symbol());
                } catch (IllegalArgumentException notInTheWorld) {
                    return;
                }
            }
            double d = Math.abs(price.indexPrice().doubleValue() / honest - 1);
            if (running && d > maxDeviation) {
                maxDeviation = d;
                maxDeviationSymbol = price.symbol();
            }
        }

        BigDecimal manipulation = BigDecimal.ZERO;

        Result result(String scenario, int accounts, double seconds, boolean clean, String fund, Outcomes outcomes) {
            long peak = perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
            return new Result(scenario, accounts, calls.get(), liquidatedAccounts.size(), wrongful.size(),
                    wrongfulNotional, manipulation, notional,
                    fills.get(),
                    shortfalls.get(), takeovers.get(), adl.get(), adlNotional, socialized, maxDeviation,
                    maxDeviationSymbol, peak, seconds, new java.util.TreeMap<>(perMinute), clean, fund, outcomes);
        }

        void stop() {
            stopped = true;
        }
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

    private void send(KafkaProducer<String, byte[]> producer, EventEnvelope<?> event) {
        producer.send(new ProducerRecord<>(event.topic().baseName(), event.key(), json.encode(event)));
    }

    private int status(Service service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(service, path)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String get(Service service, String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(service, path)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + " on " + service.id() + " failed: " + e.getMessage(), e);
        }
    }

    private void post(Service service, String path, String body, int expected) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(service, path))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private URI uri(Service service, String path) {
        return URI.create("http://127.0.0.1:" + settings.servicePorts().get(service) + path);
    }

}
