package io.backstop.lab.load;

import static io.backstop.lab.load.Waits.seconds;
import static io.backstop.lab.load.Waits.waitFor;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.json.EventJson;
import io.backstop.events.trading.TradeFilled;
import io.backstop.lab.runtime.PlatformCpu;
import io.backstop.lab.runtime.PlatformWrites;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How many fills a second margin-service applies, measured on the running platform ({@code ./backstop
 * up}): opens accounts over REST, keeps BTC prices flowing through the oracle (venue ticks), sends
 * fills to {@code trades.fills} as fast as the producer goes (or at a fixed rate), and waits until the
 * service's {@code backstop_margin_events_applied_total} counter has counted them all.
 */
public final class FillLoad {

        private static final Pattern APPLIED = Pattern.compile(
            "backstop_margin_events_applied_total\\{[^}]*topic=\"trades\\.fills\"[^}]*} ([0-9.E]+)");
    private static final Pattern BATCHES = Pattern.compile(
            "backstop_margin_engine_batch_seconds_count\\{[^}]*} ([0-9.E]+)");
    private static final Pattern BTC_PRICES = Pattern.compile(
            "backstop_margin_prices_received_total\\{[^}]*symbol=\"BTCUSDT\"[^}]*} ([0-9.E]+)");

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final EventJson json = new EventJson();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final io.backstop.lab.runtime.LabTokens tokens;
    private final LoadWorld world;

    public FillLoad(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.tokens = io.backstop.lab.runtime.LabTokens.of(settings);
        this.world = new LoadWorld(http, tokens.exchange());
        this.out = out;
    }

    /** @param rate fills per second, or 0 for as fast as the producer goes */
    public int run(int accounts, int fills, int rate, long seed) throws Exception {
        List<String> margin = settings.instanceUrls(Service.MARGIN);
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        Random random = new Random(seed);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            ticker.scheduleAtFixedRate(() -> world.tick(producer, random), 0, 200, TimeUnit.MILLISECONDS);
            waitFor("BTCUSDT prices at margin-service", () -> metric(margin, BTC_PRICES) > 0, Duration.ofSeconds(60));

            String run = Long.toString(System.currentTimeMillis(), 36);
            long opened = System.nanoTime();
            world.openAccounts(margin, run, accounts);
            out.printf("opened %,d accounts over REST in %.1f s%n", accounts, seconds(opened));

            double appliedBefore = metric(margin, APPLIED);
            double batchesBefore = metric(margin, BATCHES);
            PlatformCpu cpu = PlatformCpu.of(settings);
            PlatformWrites writes = PlatformWrites.of(settings);
            // what opening the accounts wrote is reported by then, and not counted as the fills'
            Thread.sleep(PlatformWrites.SETTLE.toMillis());
            PlatformWrites.Sample writesBefore = writes.sample();
            PlatformCpu.Sample cpuBefore = cpu.sample();
            long start = System.nanoTime();
            for (int i = 0; i < fills; i++) {
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                String account = "load-" + run + "-" + random.nextInt(accounts);
                BigDecimal price = BigDecimal.valueOf(60_000 + random.nextInt(200) - 100);
                TradeFilled fill = new TradeFilled("load-" + run + "-" + i, account, "BTCUSDT",
                        random.nextBoolean() ? Side.BUY : Side.SELL, new BigDecimal("0.010"), price,
                        new BigDecimal("0.24"), "USDT", MarginMode.CROSS, null);
                producer.send(new ProducerRecord<>("trades.fills", account,
                        json.encode(EventEnvelope.of(fill, Instant.now(), null, null))));
            }
            producer.flush();
            double sent = seconds(start);
            out.printf("sent %,d fills in %.1f s (%,.0f/s)%n", fills, sent, fills / sent);
            waitFor("every fill applied", () -> metric(margin, APPLIED) - appliedBefore >= fills,
                    Duration.ofMinutes(10));
            double applied = seconds(start);
            double batches = metric(margin, BATCHES) - batchesBefore;
            out.printf("applied %,d fills in %.1f s: %,.0f fills/s, %,.0f engine batches (%.0f fills per batch)%n",
                    fills, applied, fills / applied, batches, fills / Math.max(1, batches));
            PlatformCpu.print(out, cpuBefore, cpu.sample(), fills, "fill", DrainLoad.PEAK_CALLS_PER_SECOND);
            Thread.sleep(PlatformWrites.SETTLE.toMillis());
            PlatformWrites.print(out, PlatformWrites.Written.between(writesBefore, writes.sample()), fills, "fill");
            return 0;
        } finally {
            ticker.shutdownNow();
        }
    }

    /** {@code pattern}'s value summed over margin-service's instances. */
    private double metric(List<String> instances, Pattern pattern) {
        double sum = 0;
        for (String base : instances) {
            sum += metric(base, pattern);
        }
        return sum;
    }

    private double metric(String base, Pattern pattern) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus"))
                            .header("Authorization", tokens.system()).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = pattern.matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read metrics of " + base + ": " + e.getMessage(), e);
        }
    }
}
