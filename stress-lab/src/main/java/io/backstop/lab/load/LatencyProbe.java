package io.backstop.lab.load;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.lab.exchange.SimulatedExchange;
import io.backstop.lab.runtime.PlatformCpu;
import io.backstop.lab.runtime.RuntimeSettings;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Per-hop latency on the running platform at a fixed, moderate rate (a platform that is not saturated): venue ticks
 * ten rounds a second and margin calls at {@code rate} a second, each hop timed from the Kafka record timestamps of
 * its input and its output, so a hop is the service's whole share: consuming, deciding, committing, the outbox relay
 * and the produce. The hops are matched by the events' own references (an order names its margin call's event, a
 * fill its order), never by arrival order:
 * <ul>
 *   <li>tick → price (oracle-service): a BTC price against the tick round sent last before it; each round moves the
 *   price 0.1%, beyond the oracle's publishing deviation, so each is priced (within its evaluation interval);</li>
 *   <li>call → order (liquidation-service): {@code LiquidationOrderPlaced.marginCallEventId};</li>
 *   <li>order → execution (the simulated exchange, not the platform);</li>
 *   <li>execution → fill (liquidation-service): {@code PositionLiquidated.orderId}.</li>
 * </ul>
 * The order's and the fill's hops are also split where the service decided: the part from the event's
 * {@code occurredAt} (the service's clock when it decided) to its record's timestamp is the commit, the outbox relay
 * and the produce; the rest is the fetch, the wait for the liquidator and the decision. Record timestamps are
 * milliseconds, so each hop is exact to about a millisecond.
 */
public final class LatencyProbe {

    private static final BigDecimal LOW = new BigDecimal("60000");
    private static final BigDecimal HIGH = new BigDecimal("60060");
    private static final long MAX_MS = TimeUnit.MINUTES.toMillis(10);

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final EventJson json = new EventJson();

    public LatencyProbe(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * The hops in the order a liquidation takes them, each a histogram of milliseconds, matched by the events'
     * references whatever order they are read in (an order's fill may be read before its execution: they are on
     * different topics). A price is timed against the tick round sent last before it, while rounds are being sent.
     */
    static final class Hops {
        static final String ORDER_RELAYED = "  order's commit and relay";
        static final String FILL_RELAYED = "  fill's commit and relay";
        static final List<String> NAMES = List.of("tick -> price", "call -> order", ORDER_RELAYED,
                "order -> execution (exchange)", "execution -> fill", FILL_RELAYED);
        final Map<String, Histogram> byName = new LinkedHashMap<>();
        final Map<UUID, Long> callSent = new ConcurrentHashMap<>();
        final ConcurrentSkipListMap<Long, Long> tickRounds = new ConcurrentSkipListMap<>();
        /** Prices later than this (epoch ms) are not timed: the rounds have stopped. */
        volatile long ticksUntil = Long.MAX_VALUE;
        // orderId -> placed, executed, filled (record timestamps), then when the order and the fill were decided
        // (their occurredAt)
        private final Map<UUID, long[]> orders = new ConcurrentHashMap<>();
        private final Map<UUID, UUID> orderCall = new ConcurrentHashMap<>();

        Hops() {
            NAMES.forEach(hop -> byName.put(hop, new Histogram(MAX_MS, 3)));
        }

        /**
         * One event the platform (or the exchange) decided at {@code decidedAt} (its envelope's occurredAt, the
         * service's clock) and published at {@code at} (its record's timestamp), epoch milliseconds.
         */
        void observe(Object payload, long decidedAt, long at) {
            if (payload instanceof OraclePricePublished price && price.symbol().startsWith("BTC") && at <= ticksUntil) {
                Map.Entry<Long, Long> round = tickRounds.floorEntry(at);
                if (round != null) {
                    record("tick -> price", at - round.getKey());
                }
            } else if (payload instanceof LiquidationOrderPlaced order && order.marginCallEventId() != null) {
                orderCall.put(order.orderId(), order.marginCallEventId());
                stamp(order.orderId(), 0, at);
                stamp(order.orderId(), 3, decidedAt);
            } else if (payload instanceof LiquidationOrderExecuted execution) {
                stamp(execution.orderId(), 1, at);
            } else if (payload instanceof PositionLiquidated fill) {
                stamp(fill.orderId(), 2, at);
                stamp(fill.orderId(), 4, decidedAt);
            }
        }

        private void stamp(UUID orderId, int stage, long at) {
            orders.compute(orderId, (id, times) -> {
                long[] t = times != null ? times : new long[] {-1, -1, -1, -1, -1};
                if (t[stage] < 0) {
                    t[stage] = at; // the first fill of an order, say
                }
                return t;
            });
        }

        /**
         * Times every order hop whose two ends were seen: call -> order -> execution -> fill; and the part of the
         * order's and the fill's hop after the service decided them: its commit, the outbox relay and the produce.
         */
        synchronized void match() {
            orders.forEach((orderId, t) -> {
                Long sent = orderCall.containsKey(orderId) ? callSent.get(orderCall.get(orderId)) : null;
                if (sent != null && t[0] >= 0) {
                    record("call -> order", t[0] - sent);
                    record(ORDER_RELAYED, t[0] - t[3]);
                    if (t[1] >= 0) {
                        record("order -> execution (exchange)", t[1] - t[0]);
                        if (t[2] >= 0) {
                            record("execution -> fill", t[2] - t[1]);
                            record(FILL_RELAYED, t[2] - t[4]);
                        }
                    }
                }
            });
            orders.clear();
        }

        /** Orders of this run's calls whose fill was seen so far. */
        long filled() {
            return orders.entrySet().stream().filter(e -> e.getValue()[2] >= 0 && orderCall.containsKey(e.getKey())
                    && callSent.containsKey(orderCall.get(e.getKey()))).count();
        }

        synchronized void record(String hop, long millis) {
            byName.get(hop).recordValue(Math.max(0, Math.min(MAX_MS, millis)));
        }

        long count(String hop) {
            return byName.get(hop).getTotalCount();
        }

        synchronized void print(PrintStream out) {
            out.printf("  %-30s %8s %7s %7s %7s %7s%n", "hop (ms)", "count", "p50", "p99", "p99.9", "max");
            byName.forEach((hop, h) -> out.printf("  %-30s %,8d %7d %7d %7d %7d%n", hop, h.getTotalCount(),
                    h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getMaxValue()));
        }
    }

    public int run(int rate, Duration duration) throws Exception {
        if (rate <= 0 || rate > 5_000) {
            throw new IllegalArgumentException("--rate must be between 1 and 5,000 calls a second, not " + rate);
        }
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        Hops hops = new Hops();
        LoadWorld world = new LoadWorld(HttpClient.newHttpClient(), "");
        try (SimulatedExchange exchange = SimulatedExchange.deepBook(settings.kafkaBootstrap(),
                Map.of("BTCUSDT", new BigDecimal("59990")), Map.of("BTCUSDT", new BigDecimal("60010")));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                     new ByteArraySerializer())) {
            exchange.awaitReady(Duration.ofSeconds(30));
            CountDownLatch assigned = new CountDownLatch(1);
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> watch(hops, assigned, watching), "latency-watcher");
            watcher.start();
            if (!assigned.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not read the platform's topics from " + settings.kafkaBootstrap());
            }

            String run = Long.toString(System.currentTimeMillis(), 36);
            PlatformCpu cpu = PlatformCpu.of(settings);
            PlatformCpu.Sample cpuBefore = cpu.sample();
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            long nextTick = start;
            long nextCall = start;
            long callInterval = 1_000_000_000L / rate;
            int calls = 0;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (now >= nextTick) {
                    hops.tickRounds.put(System.currentTimeMillis(), now);
                    // 0.1% up, then down: beyond the oracle's publishing deviation (0.05%), so every round is priced
                    world.tick(producer, hops.tickRounds.size() % 2 == 0 ? LOW : HIGH);
                    nextTick += 100_000_000L;
                }
                while (now >= nextCall) {
                    EventEnvelope<MarginCallIssued> call = DrainLoad.call("latency-" + run + "-" + calls++);
                    hops.callSent.put(call.eventId(), System.currentTimeMillis());
                    producer.send(new ProducerRecord<>(Topic.MARGIN_CALLS.baseName(), call.payload().accountId(),
                            json.encode(call)));
                    nextCall += callInterval;
                }
                LockSupport.parkNanos(Math.max(0, Math.min(nextTick, nextCall) - System.nanoTime()));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            hops.ticksUntil = System.currentTimeMillis() + 1_000; // the last round's price may still come
            long settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (hops.filled() < calls && System.nanoTime() < settleUntil) {
                Thread.sleep(100);
            }
            PlatformCpu.Sample cpuAfter = cpu.sample();
            double wall = (System.nanoTime() - start) / 1e9;
            watching.set(false);
            watcher.join(5_000);
            long filled = hops.filled();
            hops.match();
            out.printf("offered %,d margin calls at %d/s and %d tick rounds at 10/s for %.0f s; per hop, from the"
                    + " records' timestamps:%n", calls, rate, hops.tickRounds.size(), seconds);
            hops.print(out);
            out.printf("  (commit and relay: from the event's occurredAt, when the service decided it, to its record's"
                    + " timestamp;%n   the rest of the hop is the fetch, the queue and the decision)%n");
            long platformNanos = cpuAfter.since(cpuBefore).entrySet().stream()
                    .filter(e -> !e.getKey().equals(PlatformCpu.GENERATOR))
                    .mapToLong(e -> e.getValue().orElse(0L)).sum();
            int cores = Runtime.getRuntime().availableProcessors();
            out.printf("the platform used %.0f%% of this machine's %d cores meanwhile (%.2f cores)%n",
                    100 * platformNanos / 1e9 / wall / cores, cores, platformNanos / 1e9 / wall);
            PlatformCpu.printShares(out, cpuBefore, cpuAfter, wall);
            if (filled < calls) {
                out.printf("only %,d of %,d calls were filled within 30 s of the last: the platform is behind%n", filled,
                        calls);
                return 1;
            }
            return 0;
        }
    }

    /** The watcher's thread: reads what the platform and the exchange publish from the end of each topic on. */
    private void watch(Hops hops, CountDownLatch assigned, AtomicBoolean watching) {
        // the end offsets resolved before anything is sent. The hops are timed from the records' own timestamps, so
        // the watcher's fetches wait on the broker as the platform's do (until a record arrives): a fetch that
        // returned after 1 ms made the broker answer some 500 empty fetches a second, which counted as the
        // platform's CPU and took it from the hops being measured
        try (TopicTail tail = new TopicTail(settings.kafkaBootstrap(), List.of(Topic.ORACLE_PRICES,
                Topic.LIQUIDATION_ORDERS, Topic.LIQUIDATION_EXECUTIONS, Topic.LIQUIDATION_FILLS), Map.of())) {
            assigned.countDown();
            while (watching.get()) {
                poll(tail, Duration.ofMillis(20), hops);
            }
        }
    }

    private void poll(TopicTail tail, Duration wait, Hops hops) {
        for (ConsumerRecord<String, byte[]> record : tail.poll(wait)) {
            EventEnvelope<?> event = json.decode(record.topic(), "", record.value());
            hops.observe(event.payload(), event.occurredAt().toEpochMilli(), record.timestamp());
        }
    }
}
