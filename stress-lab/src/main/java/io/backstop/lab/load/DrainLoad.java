package io.backstop.lab.load;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.lab.exchange.SimulatedExchange;
import io.backstop.lab.runtime.PlatformCpu;
import io.backstop.lab.runtime.RuntimeSettings;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How many margin calls a second liquidation-service drains, on the running platform: a burst of
 * margin calls (as margin-service would issue them, each closing 0.1 BTC in full) goes to
 * {@code margin.calls}, a deep-book exchange fills every order, and the liquidations that ended are read from
 * {@code liquidation.fills} until all have (so any number of liquidation-service instances may share the burst).
 */
public final class DrainLoad {

    /** Liquidations a second in the peak minute of 10 October 2025: what the platform's CPU is projected to. */
    public static final double PEAK_CALLS_PER_SECOND = 8_700;

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final EventJson json = new EventJson();

    public DrainLoad(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public int run(int calls) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        String run = Long.toString(System.currentTimeMillis(), 36);
        String prefix = "drain-" + run + "-";
        try (SimulatedExchange exchange = SimulatedExchange.deepBook(settings.kafkaBootstrap(),
                Map.of("BTCUSDT", new BigDecimal("59990")), Map.of("BTCUSDT", new BigDecimal("60010")));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                     new ByteArraySerializer());
             Ended ended = new Ended(settings.kafkaBootstrap(), prefix)) {
            exchange.awaitReady(Duration.ofSeconds(30));
            PlatformCpu cpu = PlatformCpu.of(settings);
            PlatformCpu.Sample cpuBefore = cpu.sample();
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                String account = prefix + i;
                producer.send(new ProducerRecord<>(Topic.MARGIN_CALLS.baseName(), account, json.encode(call(account))));
            }
            producer.flush();
            out.printf("sent %,d margin calls in %.1f s%n", calls, (System.nanoTime() - start) / 1e9);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            long lastReport = System.nanoTime();
            while (ended.count() < calls) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + ended.count() + " of " + calls + " liquidations ended");
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    out.printf("  %.0f s: %,d liquidations completed%n", (System.nanoTime() - start) / 1e9,
                            ended.completed());
                    lastReport = System.nanoTime();
                }
                ended.poll();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            PlatformCpu.Sample cpuAfter = cpu.sample();
            out.printf("drained %,d margin calls (order, fill, feed, fee each) in %.1f s: %,.0f calls/s;"
                    + " the exchange executed %,d orders%n", calls, seconds, calls / seconds, exchange.executed());
            PlatformCpu.print(out, cpuBefore, cpuAfter, calls, "call", PEAK_CALLS_PER_SECOND);
            if (ended.completed() != calls) {
                out.printf("FAILED: %,d of the %,d liquidations ended otherwise than completed: %s%n",
                        calls - ended.completed(), calls, ended.outcomes());
                return 1;
            }
            return 0;
        }
    }

    /**
     * The liquidations of this run that ended, read from {@code liquidation.fills} (each ends with one
     * {@code LiquidationEnded}, whichever instance of liquidation-service liquidated it), counted once per call.
     */
    private static final class Ended implements AutoCloseable {
        private final TopicTail fills;
        private final String accountPrefix;
        private final EventJson json = new EventJson();
        private final Map<UUID, LiquidationOutcome> outcomes = new HashMap<>();

        Ended(String bootstrap, String accountPrefix) {
            this.accountPrefix = accountPrefix;
            // from here on, before the first call is sent
            this.fills = new TopicTail(bootstrap, List.of(Topic.LIQUIDATION_FILLS), Map.of());
        }

        void poll() {
            for (ConsumerRecord<String, byte[]> record : fills.poll(Duration.ofMillis(250))) {
                if (record.key() != null && record.key().startsWith(accountPrefix)
                        && json.decode(record.topic(), "", record.value()).payload() instanceof LiquidationEnded end) {
                    outcomes.putIfAbsent(end.marginCallId(), end.outcome());
                }
            }
        }

        int count() {
            return outcomes.size();
        }

        long completed() {
            return outcomes.values().stream().filter(o -> o == LiquidationOutcome.COMPLETED).count();
        }

        Map<LiquidationOutcome, Long> outcomes() {
            return outcomes.values().stream().collect(java.util.stream.Collectors.groupingBy(o -> o,
                    java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        }

        @Override
        public void close() {
            fills.close();
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
}
