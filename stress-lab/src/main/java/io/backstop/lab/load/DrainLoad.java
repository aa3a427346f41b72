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
import io.backstop.lab.runtime.PlatformWrites;
import io.backstop.lab.runtime.RuntimeSettings;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * Each measured burst prints the platform's CPU a call ({@link PlatformCpu}) and what it wrote a call
 * ({@link PlatformWrites}); a warm-up burst before them lets the JITs compile the path first, and several bursts are
 * summed up as medians ({@link DrainRuns}).
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

    /**
     * Drains {@code warmUp} calls unmeasured (none for 0), then {@code repeat} bursts of {@code calls}, each measured
     * and printed, and, for more than one, their medians. Exit code 0, or 1 when a liquidation ended otherwise than
     * completed.
     */
    public int run(int calls, int warmUp, int repeat) throws Exception {
        if (calls < 1 || warmUp < 0 || repeat < 1) {
            throw new IllegalArgumentException("calls and repeat must be at least 1 and the warm-up not negative, got "
                    + calls + ", " + repeat + " and " + warmUp);
        }
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
            Burst burst = new Burst(exchange, producer, ended, prefix);
            if (warmUp > 0) {
                out.printf("warm-up: %,d margin calls, not measured%n", warmUp);
                Drained w = burst.drain("w", warmUp);
                out.printf("warm-up: drained in %.1f s (%,.0f calls/s)%n", w.seconds(), warmUp / w.seconds());
                if (w.failed(out)) {
                    return 1;
                }
                // what the warm-up wrote is reported by then, and not counted in the first drain
                Thread.sleep(PlatformWrites.SETTLE.toMillis());
            }
            PlatformCpu cpu = PlatformCpu.of(settings);
            PlatformWrites writes = PlatformWrites.of(settings);
            out.println(writes.walFlush());
            List<DrainRuns.Run> runs = new ArrayList<>();
            for (int r = 1; r <= repeat; r++) {
                if (repeat > 1) {
                    out.printf("%ndrain %d of %d%n", r, repeat);
                }
                PlatformWrites.Sample writesBefore = writes.sample();
                PlatformCpu.Sample cpuBefore = cpu.sample();
                Drained d = burst.drain(Integer.toString(r), calls);
                PlatformCpu.Sample cpuAfter = cpu.sample();
                out.printf("drained %,d margin calls (order, fill, feed, fee each) in %.1f s: %,.0f calls/s;"
                        + " the exchange executed %,d orders in all%n", calls, d.seconds(), calls / d.seconds(),
                        exchange.executed());
                PlatformCpu.print(out, cpuBefore, cpuAfter, calls, "call", PEAK_CALLS_PER_SECOND);
                // the backends report their counts once idle: what the drain's last transactions wrote comes later
                Thread.sleep(PlatformWrites.SETTLE.toMillis());
                PlatformWrites.Written written = PlatformWrites.Written.between(writesBefore, writes.sample());
                PlatformWrites.print(out, written, calls, "call");
                if (d.failed(out)) {
                    return 1;
                }
                runs.add(new DrainRuns.Run(calls, d.seconds(), cpuAfter.since(cpuBefore), written));
            }
            if (repeat > 1) {
                out.println();
                DrainRuns.print(out, runs, warmUp);
            }
            return 0;
        }
    }

    /** How long a burst took to drain, and how its liquidations ended. */
    private record Drained(int calls, double seconds, long completed, Map<LiquidationOutcome, Long> outcomes) {

        boolean failed(PrintStream out) {
            if (completed == calls) {
                return false;
            }
            out.printf("FAILED: %,d of the %,d liquidations ended otherwise than completed: %s%n", calls - completed,
                    calls, outcomes);
            return true;
        }
    }

    /** Sends bursts of calls for accounts of their own and waits until each call's liquidation has ended. */
    private final class Burst {
        private final SimulatedExchange exchange;
        private final KafkaProducer<String, byte[]> producer;
        private final Ended ended;
        private final String prefix;

        Burst(SimulatedExchange exchange, KafkaProducer<String, byte[]> producer, Ended ended, String prefix) {
            this.exchange = exchange;
            this.producer = producer;
            this.ended = ended;
            this.prefix = prefix;
        }

        Drained drain(String name, int calls) {
            String accounts = prefix + name + "-";
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                String account = accounts + i;
                producer.send(new ProducerRecord<>(Topic.MARGIN_CALLS.baseName(), account, json.encode(call(account))));
            }
            producer.flush();
            out.printf("sent %,d margin calls in %.1f s%n", calls, (System.nanoTime() - start) / 1e9);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            long lastReport = System.nanoTime();
            while (ended.count(accounts) < calls) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + ended.count(accounts) + " of " + calls
                            + " liquidations ended within 10 minutes; the exchange executed " + exchange.executed()
                            + " orders in all");
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    out.printf("  %.0f s: %,d liquidations completed%n", (System.nanoTime() - start) / 1e9,
                            ended.completed(accounts));
                    lastReport = System.nanoTime();
                }
                ended.poll();
            }
            return new Drained(calls, (System.nanoTime() - start) / 1e9, ended.completed(accounts),
                    ended.outcomes(accounts));
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
        /** By burst (the accounts' prefix), then by account: one call an account, so a redelivered end counts once. */
        private final Map<String, Map<String, LiquidationOutcome>> bursts = new HashMap<>();

        Ended(String bootstrap, String accountPrefix) {
            this.accountPrefix = accountPrefix;
            // from here on, before the first call is sent
            this.fills = new TopicTail(bootstrap, List.of(Topic.LIQUIDATION_FILLS), Map.of());
        }

        void poll() {
            for (ConsumerRecord<String, byte[]> record : fills.poll(Duration.ofMillis(250))) {
                if (record.key() != null && record.key().startsWith(accountPrefix)
                        && json.decode(record.topic(), "", record.value()).payload() instanceof LiquidationEnded end) {
                    String burst = end.accountId().substring(0, end.accountId().lastIndexOf('-') + 1);
                    bursts.computeIfAbsent(burst, b -> new HashMap<>()).putIfAbsent(end.accountId(), end.outcome());
                }
            }
        }

        private Map<String, LiquidationOutcome> of(String accounts) {
            return bursts.getOrDefault(accounts, Map.of());
        }

        int count(String accounts) {
            return of(accounts).size();
        }

        long completed(String accounts) {
            return of(accounts).values().stream().filter(o -> o == LiquidationOutcome.COMPLETED).count();
        }

        Map<LiquidationOutcome, Long> outcomes(String accounts) {
            return of(accounts).values().stream().collect(java.util.stream.Collectors.groupingBy(o -> o,
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
