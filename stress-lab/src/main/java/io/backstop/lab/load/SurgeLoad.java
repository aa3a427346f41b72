package io.backstop.lab.load;

import static io.backstop.lab.load.Waits.seconds;
import static io.backstop.lab.load.Waits.waitFor;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.trading.TradeFilled;
import io.backstop.lab.exchange.MarkBook;
import io.backstop.lab.exchange.SimulatedExchange;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./backstop load}: a surge on the running platform ({@code ./backstop up}). Opens accounts over
 * REST, keeps venue ticks of every asset of {@link LoadPrices} flowing (and WBETH's staking rate) so margin-service
 * can mark its own accounts and a seeded base alike, then for a fixed time offers
 * trades to {@code trades.fills} at the normal rate times a multiplier and risk queries to
 * margin-service at the normal rate times another, both open-model ({@link OpenLoop}): arrivals keep
 * their schedule however slowly the platform answers. Prints what was served, shed and failed with
 * latencies corrected for coordinated omission, waits until margin-service has applied every
 * acknowledged trade, and writes the result under {@code reports/load-<time>/}.
 */
public final class SurgeLoad {

        private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    /** Kafka gives up on a record after this; the trade stream waits this long (and a little) for its last acks. */
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final String APPLIED_METER = "backstop.margin.events.applied?tag=topic:" + Topic.TRADES_FILLS.baseName();
    private static final String SHED_METER = "backstop.http.queries.shed";

    /**
     * What to offer.
     *
     * @param normalRate      trades per second at normal load
     * @param multiplier      trades are offered at {@code normalRate * multiplier} per second
     * @param queryMultiplier risk queries are offered at {@code normalRate * queryMultiplier} per second
     * @param duration        how long both streams offer
     * @param maxInFlight     per stream; arrivals beyond are counted as not sent
     * @param queryTimeout    a risk query unanswered this long fails
     * @param drainTimeout    how long to wait, after sending, for margin-service to apply every acknowledged trade
     * @param prices          what the venue ticks price, and at what
     * @param exchange        whether the load answers liquidation orders as an exchange of unlimited depth at the
     *                        oracle's marks ({@link SimulatedExchange#followingMarks}); else nothing answers them
     */
    public record Plan(double normalRate, double multiplier, double queryMultiplier, Duration duration, int accounts,
                       long seed, int maxInFlight, Duration queryTimeout, Duration drainTimeout, LoadPrices prices,
                       boolean exchange) {

        public double tradesPerSecond() {
            return normalRate * multiplier;
        }

        public double queriesPerSecond() {
            return normalRate * queryMultiplier;
        }
    }

    /**
     * How far margin-service got with the trades Kafka acknowledged, from its applied-events counter
     * (which counts every fill it applies, this run's and anyone else's).
     *
     * @param backlogAtClose acknowledged trades not yet applied when the last acknowledgement arrived
     * @param drainSeconds   from then until all were applied, or until the wait gave up
     */
    public record Applied(long acknowledged, long applied, long backlogAtClose, double drainSeconds) {

        public boolean complete() {
            return applied >= acknowledged;
        }
    }

    /** @param serverShed margin-service's own count of shed queries during the run (all clients'), -1 if unread */
    public record Result(Plan plan, OpenLoop.Summary trades, OpenLoop.Summary queries, Applied applied,
                         long serverShed) {
    }

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final EventJson json = new EventJson();
    private final JsonMapper mapper = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final io.backstop.lab.runtime.LabTokens tokens;
    private final LoadWorld world;

    public SurgeLoad(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.tokens = io.backstop.lab.runtime.LabTokens.of(settings);
        this.world = new LoadWorld(http, tokens.exchange());
        this.out = out;
    }

    /**
     * Runs the plan and writes the report.
     *
     * @return 0 when the run completed (shed and failed requests are results, not errors), 1 when the
     *         platform was not reachable or the accounts could not be opened, 2 when margin-service had
     *         not applied every acknowledged trade by the end of the drain timeout
     */
    public int run(Plan plan) throws Exception {
        String margin = settings.serviceUrl(Service.MARGIN);
        String notReady = readiness(margin);
        if (notReady != null) {
            out.println("backstop load: " + notReady + "; start Backstop with ./backstop up");
            return 1;
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        ExecutorService tradeSender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "trade-sender");
            t.setDaemon(true);
            return t;
        });
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis()),
                new StringSerializer(), new ByteArraySerializer());
        SimulatedExchange exchange = null;
        try {
            String run = Long.toString(System.currentTimeMillis(), 36);
            List<String> accounts;
            try {
                exchange = plan.exchange() ? openExchange() : null;
                accounts = prepare(plan, margin, producer, ticker, run);
            } catch (IllegalStateException | IOException e) {
                out.println("backstop load: " + e.getMessage());
                return 1;
            }
            Result result = offer(plan, margin, producer, tradeSender, accounts, run);
            if (exchange != null) {
                out.printf("the exchange executed %,d liquidation orders (%,d copies ignored); what the load left"
                        + " open, ./backstop settle --exchange carries on%n", exchange.executed(), exchange.copies());
            }
            out.println();
            out.print(LoadReport.table(result));
            Path dir = Path.of(System.getenv().getOrDefault("BACKSTOP_HOME", "."), "reports",
                    "load-" + LocalDateTime.now().withNano(0).toString().replace(':', '-'));
            LoadReport.write(dir, result);
            out.println("report: " + dir.toAbsolutePath().normalize());
            return result.applied().complete() ? 0 : 2;
        } finally {
            if (exchange != null) {
                exchange.close();
            }
            ticker.shutdownNow();
            tradeSender.shutdownNow();
            producer.close(Duration.ofSeconds(5)); // bounded: a broker gone at the end must not hang the command
        }
    }

    /** The exchange that answers the platform's liquidation orders during the load, ready. */
    private SimulatedExchange openExchange() throws InterruptedException {
        SimulatedExchange exchange;
        try {
            exchange = SimulatedExchange.startFollowingMarks(settings.kafkaBootstrap(), Duration.ofSeconds(30));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; start Backstop with ./backstop up", e);
        }
        out.println("liquidation orders answered by " + MarkBook.DESCRIPTION);
        return exchange;
    }

    /** Checks Kafka, starts the venue ticks, waits until margin-service receives new prices, opens the accounts. */
    private List<String> prepare(Plan plan, String margin, KafkaProducer<String, byte[]> producer,
                                 ScheduledExecutorService ticker, String run) throws Exception {
        try {
            producer.partitionsFor(Topic.TRADES_FILLS.baseName()); // fails after max.block.ms without a broker
        } catch (KafkaException e) {
            throw new IllegalStateException("Kafka at " + settings.kafkaBootstrap() + " did not answer for "
                    + Topic.TRADES_FILLS.baseName() + " (" + e.getMessage() + "); start Backstop with ./backstop up", e);
        }
        LoadPrices prices = plan.prices();
        Map<String, Double> pricesBefore = new HashMap<>();
        for (String symbol : prices.symbols()) {
            pricesBefore.put(symbol, meter(margin, "backstop.margin.prices.received?tag=symbol:" + symbol));
        }
        out.println("pricing " + prices.describe());
        Random random = new Random(plan.seed() + 1);
        // WBETH's rate does not age at the oracle, and each accepted one is a write there: once a second is plenty
        ticker.scheduleAtFixedRate(() -> world.rates(producer, prices), 0, 1, TimeUnit.SECONDS);
        ticker.scheduleAtFixedRate(() -> world.tick(producer, prices, random), 0, 200, TimeUnit.MILLISECONDS);
        for (String symbol : prices.symbols()) {
            waitFor("new " + symbol + " prices at margin-service (is the oracle up?)",
                    () -> meter(margin, "backstop.margin.prices.received?tag=symbol:" + symbol) > pricesBefore.get(symbol),
                    Duration.ofSeconds(60));
        }
        long opening = System.nanoTime();
        List<String> accounts = world.openAccounts(margin, run, plan.accounts());
        out.printf("opened %,d accounts over REST in %.1f s%n", accounts.size(), seconds(opening));
        return accounts;
    }

    /** Both streams for the plan's duration with progress every 5 s, then the wait for margin-service to apply the trades. */
    private Result offer(Plan plan, String margin, KafkaProducer<String, byte[]> producer, ExecutorService tradeSender,
                         List<String> accounts, String run) throws InterruptedException {
        out.printf("offering for %s s: %,.1f trades/s (%s x %s) to %s, %,.1f risk queries/s (%s x %s) to margin-service"
                        + "; constant spacing, at most %,d in flight per stream%n",
                plain(plan.duration().toMillis() / 1000.0), plan.tradesPerSecond(), plain(plan.normalRate()),
                plain(plan.multiplier()), Topic.TRADES_FILLS.baseName(), plan.queriesPerSecond(),
                plain(plan.normalRate()), plain(plan.queryMultiplier()), plan.maxInFlight());
        double appliedBefore = meter(margin, APPLIED_METER);
        double shedBefore = meter(margin, SHED_METER);
        Random random = new Random(plan.seed()); // drawn on the trade stream's scheduler thread only
        OpenLoop trades = OpenLoop.start("trades", plan.tradesPerSecond(), plan.maxInFlight(), plan.duration(),
                (n, sent) -> send(producer, tradeSender, trade("load-" + run + "-t" + n, accounts, random,
                        plan.prices()), sent));
        RiskQueries queries = RiskQueries.start(margin, accounts, tokens::trader, plan.queriesPerSecond(), plan.seed() + 2,
                plan.maxInFlight(), plan.queryTimeout(), plan.duration());

        long started = System.nanoTime();
        long next = started + PROGRESS_EVERY.toNanos();
        while (System.nanoTime() < started + plan.duration().toNanos()) {
            Thread.sleep(Math.max(1, Math.min(100, (started + plan.duration().toNanos() - System.nanoTime()) / 1_000_000)));
            if (System.nanoTime() >= next) {
                progress(trades.progress(), queries.progress(), tryMeter(margin, APPLIED_METER) - appliedBefore);
                next += PROGRESS_EVERY.toNanos();
            }
        }
        OpenLoop.Summary tradeSummary = trades.stop(DELIVERY_TIMEOUT.plusSeconds(5)); // both end at their length
        OpenLoop.Summary querySummary = queries.stop();
        Applied applied = awaitApplied(margin, appliedBefore, tradeSummary.served(), plan.drainTimeout());
        double shedAfter = tryMeter(margin, SHED_METER);
        return new Result(plan, tradeSummary, querySummary, applied,
                Double.isNaN(shedAfter) ? -1 : (long) (shedAfter - shedBefore));
    }

    /** Null when margin-service answers ready, else why not. */
    private String readiness(String margin) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(margin + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? null : "margin-service at " + margin + " is not ready (HTTP " + r.statusCode() + ")";
        } catch (ConnectException e) {
            return "margin-service is not reachable at " + margin;
        } catch (IOException e) {
            return "margin-service at " + margin + " did not answer: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * A BTCUSDT (60%) or ETHUSDT fill of 0.01 BTC or 0.1 ETH (about 600 / 300 USDT at the default prices) for a random
     * account, either side, within 100 / 5 USDT of the run's price.
     */
    private static TradeFilled trade(String tradeId, List<String> accounts, Random random, LoadPrices prices) {
        String account = accounts.get(random.nextInt(accounts.size()));
        Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
        if (random.nextInt(10) < 6) {
            return new TradeFilled(tradeId, account, "BTCUSDT", side, new BigDecimal("0.010"),
                    prices.reference("BTC").add(BigDecimal.valueOf(random.nextInt(200) - 100)), new BigDecimal("0.24"),
                    "USDT", MarginMode.CROSS, null);
        }
        return new TradeFilled(tradeId, account, "ETHUSDT", side, new BigDecimal("0.10"),
                prices.reference("ETH").add(BigDecimal.valueOf(random.nextInt(10) - 5)), new BigDecimal("0.12"), "USDT",
                MarginMode.CROSS, null);
    }

    /**
     * Hands the trade to the sender thread, so a producer that blocks (buffer full, no metadata) holds up
     * that thread and not the schedule; the trade counts as sent when the producer takes it.
     */
    private CompletableFuture<OpenLoop.Outcome> send(KafkaProducer<String, byte[]> producer, ExecutorService sender,
                                                     TradeFilled trade, Runnable sent) {
        CompletableFuture<OpenLoop.Outcome> acked = new CompletableFuture<>();
        sender.execute(() -> {
            sent.run();
            try {
                producer.send(new ProducerRecord<>(Topic.TRADES_FILLS.baseName(), trade.key(),
                                json.encode(EventEnvelope.of(trade, Instant.now(), null, null))),
                        (metadata, error) -> acked.complete(error == null ? OpenLoop.Outcome.served()
                                : OpenLoop.Outcome.failed(OpenLoop.reason(error))));
            } catch (RuntimeException e) {
                acked.complete(OpenLoop.Outcome.failed(OpenLoop.reason(e)));
            }
        });
        return acked;
    }

    private Applied awaitApplied(String margin, double before, long acknowledged, Duration timeout)
            throws InterruptedException {
        long since = System.nanoTime();
        double read = tryMeter(margin, APPLIED_METER);
        long atClose = Double.isNaN(read) ? 0 : (long) (read - before);
        long applied = atClose;
        long next = PROGRESS_EVERY.toNanos();
        while (applied < acknowledged && System.nanoTime() - since < timeout.toNanos()) {
            Thread.sleep(100);
            read = tryMeter(margin, APPLIED_METER);
            applied = Double.isNaN(read) ? applied : (long) (read - before);
            if (System.nanoTime() - since >= next) {
                out.printf("  draining: %,d of %,d acknowledged trades applied%n", applied, acknowledged);
                next += PROGRESS_EVERY.toNanos();
            }
        }
        return new Applied(acknowledged, applied, Math.max(0, acknowledged - atClose), seconds(since));
    }

    private void progress(OpenLoop.Progress trades, OpenLoop.Progress queries, double applied) {
        out.printf("  %4.0f s  %s | applied %s%n", trades.seconds(), line(trades),
                Double.isNaN(applied) ? "?" : String.format("%,.0f", applied));
        out.printf("  %4s    %s%n", "", line(queries));
    }

    private static String line(OpenLoop.Progress p) {
        return String.format("%-12s sent %,9d  served %,9d  shed %,8d  failed %,6d  not sent %,6d  in flight %,5d",
                p.name(), p.sent(), p.served(), p.shed(), p.failed(), p.notSent(), p.inFlight());
    }

    private static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    /** {@link #meter}, or NaN if margin-service did not answer: a run goes on and reports when the service stumbles. */
    private double tryMeter(String base, String meter) {
        try {
            return meter(base, meter);
        } catch (IllegalStateException e) {
            return Double.NaN;
        }
    }

    /** One meter's count from {@code /actuator/metrics} (one meter, not the whole Prometheus page); 0 before its first increment. */
    private double meter(String base, String meter) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/metrics/" + meter))
                    .header("Authorization", tokens.system())
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return 0;
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body());
            }
            for (JsonNode m : mapper.readTree(response.body()).path("measurements")) {
                if ("COUNT".equals(m.path("statistic").asString())) {
                    return m.path("value").asDouble();
                }
            }
            throw new IllegalStateException("no COUNT in " + response.body());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + meter + " of " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading " + meter, e);
        }
    }
}
