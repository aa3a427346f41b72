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
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
        MarginMetrics metrics = new MarginMetrics(http, tokens, margin);
        Random random = new Random(seed);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            ticker.scheduleAtFixedRate(() -> world.tick(producer, random), 0, 200, TimeUnit.MILLISECONDS);
            waitFor("BTCUSDT prices at margin-service", () -> metrics.sum(MarginMetrics.BTC_PRICES) > 0,
                    Duration.ofSeconds(60));

            String run = Long.toString(System.currentTimeMillis(), 36);
            long opened = System.nanoTime();
            world.openAccounts(margin, run, accounts);
            out.printf("opened %,d accounts over REST in %.1f s%n", accounts, seconds(opened));

            double appliedBefore = metrics.sum(MarginMetrics.APPLIED);
            double batchesBefore = metrics.sum(MarginMetrics.BATCHES);
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
            waitFor("every fill applied", () -> metrics.sum(MarginMetrics.APPLIED) - appliedBefore >= fills,
                    Duration.ofMinutes(10));
            double applied = seconds(start);
            double batches = metrics.sum(MarginMetrics.BATCHES) - batchesBefore;
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
}
