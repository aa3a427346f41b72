package io.backstop.lab.replay;

import static io.backstop.lab.load.Waits.seconds;
import static io.backstop.lab.load.Waits.waitFor;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.json.EventJson;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
    /** The assets the report charts, and the perpetual each one marks (null: a collateral asset only). */
    static final Map<String, String> CHARTED = orderedMap("BTC", "BTCUSDT", "ETH", "ETHUSDT", "USDE", null, "WBETH", null);

    /** What a replay measured. */
    public record Result(String scenario, int accounts, long marginCalls, int accountsLiquidated, int wrongful,
                         BigDecimal wrongfulNotional, BigDecimal manipulation,
                         BigDecimal liquidatedNotional, long liquidationFills, long shortfalls, long takeovers,
                         long adlExecutions, BigDecimal adlNotional, BigDecimal socialized, double maxIndexDeviation,
                         String maxDeviationSymbol, long peakLiquidationsPerSecond, double seconds,
                         Map<Integer, Long> liquidationsPerMinute, boolean ledgerClean, String fund,
                         Outcomes outcomes, Timeline timeline, Latency latency, Money money, double longShare,
                         io.backstop.lab.load.OpenLoop.Summary queries, int coveredAtTrueValue,
                         long deadLetters, List<String> deadLetterReasons) {

        /**
         * Whether the run's invariants held: a clean ledger, an outcome for every call and never two, every
         * unit of money accounted for, and no event refused (dead-lettered) by any service.
         */
        public boolean sound() {
            return ledgerClean && outcomes.withoutOutcome() == 0 && outcomes.duplicated() == 0 && money.conserved()
                    && deadLetters == 0;
        }

        /** Liquidated notional caused by the manipulated prices ÷ the manipulation's size. */
        public double amplification() {
            return manipulation.signum() == 0 ? 0 : wrongfulNotional.doubleValue() / manipulation.doubleValue();
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
     * Milliseconds from the venue tick a margin call's newest price was computed from to the first fill of
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

    /** Risk queries per second the traders send during a run unless told otherwise. */
    public static final double QUERY_RATE = 200;

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final double queryRate;
    private final EventJson json = new EventJson();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Replay(RuntimeSettings settings, PrintStream out) {
        this(settings, out, QUERY_RATE);
    }

    /** @param queryRate risk queries per second the traders send over REST while the shock runs (open model) */
    public Replay(RuntimeSettings settings, PrintStream out, double queryRate) {
        this.settings = settings;
        this.out = out;
        this.queryRate = queryRate;
    }

    public Result run(Scenario scenario, int accounts) throws Exception {
        World world = new World(scenario);
        WorldFeed feed = new WorldFeed(scenario);
        String run = scenario.name() + "-" + Long.toString(System.currentTimeMillis(), 36);
        Map<String, TraderPopulation.Trader> traders = new ConcurrentHashMap<>();
        Map<String, BigDecimal> entries = new ConcurrentHashMap<>(); // each trader's entry price, once opened
        java.util.concurrent.ConcurrentLinkedQueue<TraderPopulation.Trader> late =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        BigDecimal manipulation = BigDecimal.valueOf(scenario.manipulations().stream()
                .mapToDouble(Scenario.Manipulation::notional).sum());
        List<Map.Entry<String, List<String>>> charted = charted(scenario);
        Map<String, List<Timeline.PricePoint>> prices = new LinkedHashMap<>();
        charted.forEach(c -> prices.put(c.getKey(), new ArrayList<>()));
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer());
             SimulatedExchange exchange = new SimulatedExchange(settings.kafkaBootstrap(),
                     new ScenarioBook(world, PERP_MARKETS));
             RunObserver observer = new RunObserver(settings.kafkaBootstrap(), world, traders, entries)) {
            exchange.awaitReady(Duration.ofSeconds(60));
            observer.start();
            double dt = scenario.speed() * STEP.toMillis() / 1000.0;
            double[] lastSample = {-1};
            Runnable step = () -> {
                List<World.Tick> ticks;
                Instant now = Instant.now();
                List<TradeFilled> opening = new ArrayList<>();
                synchronized (world) {
                    ticks = observer.shock ? world.advance(dt) : world.quotes();
                    if (observer.shock && world.minute() - lastSample[0] >= 0.5) {
                        lastSample[0] = world.minute();
                        sample(world, observer, charted, prices);
                    }
                    while (observer.shock && late.peek() != null && late.peek().opensAt() <= world.minute()) {
                        TraderPopulation.Trader t = late.poll();
                        BigDecimal price = WorldFeed.decimal(world.price(PERP_MARKETS.get(t.symbol()), "exchange"));
                        entries.put(t.accountId(), price);
                        opening.add(openingTrade(t, price));
                    }
                }
                feed.ticks(ticks, now).forEach(e -> send(producer, e));
                feed.rates(now).forEach(e -> send(producer, e));
                opening.forEach(fill -> send(producer, EventEnvelope.of(fill, now, null, null)));
                observer.ticksSent(now);
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
            depositFunds(scenario, run);
            Map<String, BigDecimal> t0 = new LinkedHashMap<>();
            synchronized (world) {
                t0.put("USDT", BigDecimal.ONE);
                for (String asset : List.of("USDE", "WBETH", "BTC", "ETH")) {
                    t0.put(asset, WorldFeed.decimal(world.honest(asset)));
                }
            }
            List<TraderPopulation.Trader> population = TraderPopulation.generate(scenario, run, accounts, t0,
                    new java.util.TreeMap<>(Map.of("BTCUSDT", 0.6, "ETHUSDT", 0.4)), INDEX_OF);
            population.forEach(t -> traders.put(t.accountId(), t));
            population.stream().filter(t -> t.opensAt() > 0)
                    .sorted(java.util.Comparator.comparingDouble(TraderPopulation.Trader::opensAt)).forEach(late::add);
            long opening = System.nanoTime();
            open(population.stream().filter(t -> t.opensAt() == 0).toList(), population, producer, entries);
            out.printf("%s: %,d traders opened (accounts, collateral, positions) in %.1f s; the shock begins%n",
                    scenario.name(), population.size(), seconds(opening));

            long started = System.nanoTime();
            Instant shock = Instant.now();
            observer.running = true;
            observer.shock = true;
            io.backstop.lab.load.RiskQueries queries = queryRate <= 0 ? null : io.backstop.lab.load.RiskQueries.start(
                    settings.serviceUrl(Service.MARGIN),
                    population.stream().map(TraderPopulation.Trader::accountId).toList(), queryRate, scenario.seed());
            long lastReport = System.nanoTime();
            long lastEvents = 0;
            while (true) {
                double minute;
                synchronized (world) {
                    minute = world.minute();
                }
                if (minute >= scenario.minutes()) {
                    break;
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    long events = observer.events.get();
                    out.printf("  %5.1f s  T+%3.0f min  %,5.0f events/s  margin calls %,d  liquidated %,d accounts"
                                    + " (%,d fills)  shortfalls %,d  ADL %,d%s%n",
                            seconds(started), minute, (events - lastEvents) / seconds(lastReport), observer.calls.get(),
                            observer.liquidatedAccounts.size(), observer.fills.get(), observer.shortfalls.get(),
                            observer.adl.get(), queries == null ? "" : String.format("  risk queries %,d served %,d shed",
                                    queries.progress().served(), queries.progress().shed()));
                    lastReport = System.nanoTime();
                    lastEvents = events;
                }
                Thread.sleep(100);
            }
            observer.shock = false; // the world holds its last prices while the platform finishes
            io.backstop.lab.load.OpenLoop.Summary queried = queries == null ? null : queries.stop();
            awaitSettled(observer, run);
            double seconds = seconds(started);
            String fund = get(Service.INSURANCE_FUND, "/api/v1/fund?history=1");
            boolean clean = get(Service.INSURANCE_FUND, "/api/v1/ledger/check").contains("\"clean\":true");
            Outcomes outcomes = outcomes(observer.callIds);
            Money money = money(population, observer, run, shock);
            Timeline timeline = new Timeline(prices, observer.fund(), observer.adl(), observer.latency());
            return new Result(scenario.name(), accounts, observer.calls.get(), observer.liquidatedAccounts.size(),
                    observer.wrongful.size(), observer.wrongfulNotional(), manipulation, observer.notional(),
                    observer.fills.get(), observer.shortfalls.get(), observer.takeovers.get(), observer.adl.get(),
                    observer.adlNotional(), observer.socialized(), observer.maxDeviation(),
                    observer.maxDeviationSymbol(), observer.peakPerSecond(), seconds,
                    new java.util.TreeMap<>(observer.perMinute), clean, fund, outcomes, timeline,
                    latency(observer), money, observer.longShare(), queried, observer.coveredAtTrueValue.size(),
                    observer.deadLetters.get(), observer.deadLetterReasons());
        } finally {
            clock.shutdownNow();
        }
    }

    /**
     * Waits until the platform has finished what the run started: no liquidation of the run's accounts queued or
     * active, no shortfall waiting for the waterfall, and no event of the run for a few seconds — at most
     * {@link #SETTLE} (a liquidation's slices are 30 s apart; one gives up after 5 minutes).
     */
    private void awaitSettled(RunObserver observer, String run) throws Exception {
        long started = System.nanoTime();
        long seen = -1;
        String busy = "";
        while (seconds(started) < SETTLE.toSeconds()) {
            long now = observer.events.get();
            busy = unfinished(run);
            if (now == seen && busy.isEmpty()) {
                return;
            }
            seen = now;
            Thread.sleep(3000);
        }
        out.println("  the platform had not finished after " + SETTLE.toSeconds() + " s: " + busy);
    }

    static final Duration SETTLE = Duration.ofMinutes(6);

    /** What liquidation-service still has in hand for the run's accounts ("" when nothing). */
    private String unfinished(String run) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(),
                settings.pgPassword());
             java.sql.PreparedStatement s = c.prepareStatement("SELECT (SELECT count(*) FROM liquidation.liquidation"
                     + " WHERE account_id LIKE ? AND status IN ('QUEUED', 'ACTIVE')), (SELECT count(*) FROM"
                     + " liquidation.shortfall_pending WHERE account_id LIKE ? AND settled < quantity)")) {
            s.setString(1, run + "-%");
            s.setString(2, run + "-%");
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) + rs.getInt(2) == 0 ? ""
                        : rs.getInt(1) + " liquidations open, " + rs.getInt(2) + " shortfalls awaiting the waterfall";
            }
        }
    }

    /** The scenario's opening insurance fund deposits, one idempotent deposit per group and run. */
    private void depositFunds(Scenario scenario, String run) throws Exception {
        for (Map.Entry<String, Double> f : scenario.insuranceFund().entrySet()) {
            post(Service.INSURANCE_FUND, "/api/v1/fund/" + f.getKey() + "/deposits", "{\"amount\":\""
                    + BigDecimal.valueOf(f.getValue()).toPlainString() + "\",\"idempotencyKey\":\"" + run + "-"
                    + f.getKey() + "\"}", 201);
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
    private Money money(List<TraderPopulation.Trader> population, RunObserver observer, String run, Instant since)
            throws Exception {
        Map<String, BigDecimal> moved = observer.moneyIn();
        BigDecimal deposited = BigDecimal.ZERO;
        BigDecimal expected = BigDecimal.ZERO;
        BigDecimal held = BigDecimal.ZERO;
        List<String> differences = new ArrayList<>();
        for (TraderPopulation.Trader t : population) {
            Map<String, BigDecimal> balances = balances(t.accountId());
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

    /** An account's balances per asset, as margin-service holds them. */
    private Map<String, BigDecimal> balances(String account) {
        tools.jackson.databind.JsonNode risk = JSON.readTree(get(Service.MARGIN, "/api/v1/accounts/" + account + "/risk"));
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

    /**
     * Opens every trader's account and collateral over REST, and the positions of those who hold one at T0
     * ({@code now}) through {@code trades.fills}; the others open theirs when their minute comes.
     */
    private void open(List<TraderPopulation.Trader> now, List<TraderPopulation.Trader> everyone,
                      KafkaProducer<String, byte[]> producer, Map<String, BigDecimal> entries) throws Exception {
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
        for (TraderPopulation.Trader t : now) {
            entries.put(t.accountId(), t.price());
            send(producer, EventEnvelope.of(openingTrade(t, t.price()), Instant.now(), null, null));
        }
        producer.flush();
        if (now.isEmpty()) {
            return;
        }
        TraderPopulation.Trader last = now.get(now.size() - 1);
        waitFor("margin-service applying the opening trades", () -> get(Service.MARGIN, "/api/v1/accounts/"
                + last.accountId() + "/risk").contains("\"symbol\":\"" + last.symbol() + "\""), Duration.ofMinutes(2));
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
        return URI.create(settings.serviceUrl(service) + path);
    }

}
