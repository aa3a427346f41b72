package io.backstop.lab.load;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.lab.exchange.SimulatedExchange;
import io.backstop.lab.runtime.PlatformCpu;
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
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How many margin calls a second liquidation-service drains, on the running platform: a burst of
 * margin calls (as margin-service would issue them, each closing 0.1 BTC in full) goes to
 * {@code margin.calls}, a deep-book exchange fills every order, and the service's completed
 * liquidations are counted until all are done.
 */
public final class DrainLoad {

    /** One meter, not the whole Prometheus page: scraping every meter ten times a second costs the service a core. */
    private static final String COMPLETED_METER = "/actuator/metrics/backstop.liquidation.outcomes?tag=outcome:completed";
    /** Liquidations a second in the peak minute of 10 October 2025: what the platform's CPU is projected to. */
    public static final double PEAK_CALLS_PER_SECOND = 8_700;

    private static final Pattern COUNT = Pattern.compile("\"statistic\":\"COUNT\",\"value\":([0-9.E]+)");

    private final RuntimeSettings settings;
    private final io.backstop.lab.runtime.LabTokens tokens;
    private final PrintStream out;
    private final EventJson json = new EventJson();
    private final HttpClient http = HttpClient.newHttpClient();

    public DrainLoad(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.tokens = io.backstop.lab.runtime.LabTokens.of(settings);
        this.out = out;
    }

    public int run(int calls) throws Exception {
        String liquidation = settings.serviceUrl(Service.LIQUIDATION);
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (SimulatedExchange exchange = SimulatedExchange.deepBook(settings.kafkaBootstrap(),
                Map.of("BTCUSDT", new BigDecimal("59990")), Map.of("BTCUSDT", new BigDecimal("60010")));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                     new ByteArraySerializer())) {
            exchange.awaitReady(Duration.ofSeconds(30));
            double before = completed(liquidation);
            String run = Long.toString(System.currentTimeMillis(), 36);
            PlatformCpu cpu = PlatformCpu.of(settings);
            PlatformCpu.Sample cpuBefore = cpu.sample();
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                String account = "drain-" + run + "-" + i;
                producer.send(new ProducerRecord<>(Topic.MARGIN_CALLS.baseName(), account, json.encode(call(account))));
            }
            producer.flush();
            out.printf("sent %,d margin calls in %.1f s%n", calls, (System.nanoTime() - start) / 1e9);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            double done;
            long lastReport = System.nanoTime();
            while ((done = completed(liquidation) - before) < calls) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + (long) done + " of " + calls + " liquidations completed");
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    out.printf("  %.0f s: %,.0f liquidations completed%n", (System.nanoTime() - start) / 1e9, done);
                    lastReport = System.nanoTime();
                }
                Thread.sleep(250);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("drained %,d margin calls (order, fill, feed, fee each) in %.1f s: %,.0f calls/s;"
                    + " the exchange executed %,d orders%n", calls, seconds, calls / seconds, exchange.executed());
            PlatformCpu.print(out, cpuBefore, cpu.sample(), calls, "call", PEAK_CALLS_PER_SECOND);
            return 0;
        }
    }

    /** 0.1 BTC long entered at 61,000, marked at 60,000, equity 10 against 24: closed in full. */
    public static EventEnvelope<MarginCallIssued> call(String account) {
        BigDecimal q = new BigDecimal("0.1");
        BigDecimal mark = new BigDecimal("60000");
        BigDecimal upnl = new BigDecimal("-100");
        BigDecimal collateral = new BigDecimal("110");
        return EventEnvelope.of(new MarginCallIssued(account, new BigDecimal("10"), new BigDecimal("24"),
                new BigDecimal("60"), List.of(new CollateralValue("USDT", collateral, BigDecimal.ONE, BigDecimal.ZERO,
                collateral)), List.of(new PositionMark("BTCUSDT", q, new BigDecimal("61000"), mark, q.multiply(mark), upnl,
                new BigDecimal("24"), MarginMode.CROSS, null, null)), Map.of()), Instant.now(), null, null);
    }

    private double completed(String base) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + COMPLETED_METER))
                            .header("Authorization", tokens.system()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return 0; // no liquidation has completed since the service started
            }
            Matcher m = COUNT.matcher(response.body());
            if (response.statusCode() != 200 || !m.find()) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": " + response.body());
            }
            return Double.parseDouble(m.group(1));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read metrics of " + base + ": " + e.getMessage(), e);
        }
    }
}
