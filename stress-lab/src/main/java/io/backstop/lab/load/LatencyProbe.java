package io.backstop.lab.load;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.trading.TradeFilled;
import io.backstop.lab.exchange.SimulatedExchange;
import io.backstop.lab.runtime.LabTokens;
import io.backstop.lab.runtime.PlatformCpu;
import io.backstop.lab.runtime.PlatformWrites;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
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
 *   <li>price → call (margin-service): accounts opened to fall under maintenance at one ETH price only (a dip once a
 *   second, each a little lower than the one before, {@link DipLadder}); a call names the price it was decided on by
 *   its {@code priceSequences}, and an account's first call is timed from that price's record;</li>
 *   <li>call → order (liquidation-service): {@code LiquidationOrderPlaced.marginCallEventId}, for the probe's own calls
 *   and for those of the breaching accounts;</li>
 *   <li>order → execution (the simulated exchange, not the platform);</li>
 *   <li>execution → fill (liquidation-service): {@code PositionLiquidated.orderId}.</li>
 * </ul>
 * The order's and the fill's hops are also split where the service decided: the part from the event's
 * {@code occurredAt} (the service's clock when it decided) to its record's timestamp is the commit, the outbox relay
 * and the produce; the rest is the fetch, the wait for the liquidator and the decision. Record timestamps are
 * milliseconds, so each hop is exact to about a millisecond.
 */
public final class LatencyProbe {

    static final BigDecimal LOW = new BigDecimal("60000");
    static final BigDecimal HIGH = new BigDecimal("60060");
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
        static final String PRICE_RELAYED = "  price's commit and relay";
        static final String CALL_RELAYED = "  call's commit and relay";
        static final String ORDER_RELAYED = "  order's commit and relay";
        static final String FILL_RELAYED = "  fill's commit and relay";
        static final List<String> NAMES = List.of("tick -> price", PRICE_RELAYED, "price -> call", CALL_RELAYED,
                "call -> order", ORDER_RELAYED, "order -> execution (exchange)", "execution -> fill", FILL_RELAYED);
        final Map<String, Histogram> byName = new LinkedHashMap<>();
        final Map<UUID, Long> callSent = new ConcurrentHashMap<>();
        final ConcurrentSkipListMap<Long, Long> tickRounds = new ConcurrentSkipListMap<>();
        /** Prices later than this (epoch ms) are not timed: the rounds have stopped. */
        volatile long ticksUntil = Long.MAX_VALUE;
        // orderId -> placed, executed, filled (record timestamps), then when the order and the fill were decided
        // (their occurredAt)
        private final Map<UUID, long[]> orders = new ConcurrentHashMap<>();
        private final Map<UUID, UUID> orderCall = new ConcurrentHashMap<>();
        /** The accounts that breach at a dip, or none. */
        private final DipLadder ladder;
        // the ladder's ETHUSDT prices by their oracle sequence: record timestamp and mark
        private final Map<Long, Map.Entry<Long, BigDecimal>> prices = new ConcurrentHashMap<>();
        // the first call of each of the ladder's accounts: the ETHUSDT price sequence it names, record timestamp, and
        // when margin-service decided it (its occurredAt)
        private final List<LadderCall> ladderCalls = new CopyOnWriteArrayList<>();
        private final Map<String, Integer> called = new ConcurrentHashMap<>();
        private int atTheirDip;
        private int priceUnseen;

        record LadderCall(String account, Long sequence, long at, long decidedAt) {
        }

        Hops() {
            this(new DipLadder("none", 0, 0, null));
        }

        Hops(DipLadder ladder) {
            this.ladder = ladder;
            NAMES.forEach(hop -> byName.put(hop, new Histogram(MAX_MS, 3)));
        }

        /** One event read at {@code at} (its record's timestamp, epoch milliseconds). */
        void observe(EventEnvelope<?> event, long at) {
            if (event.payload() instanceof OraclePricePublished price && price.symbol().equals(DipLadder.SYMBOL)
                    && event.sequence() != null) {
                prices.put(event.sequence(), Map.entry(at, price.markPrice()));
            } else if (event.payload() instanceof MarginCallIssued call && ladder.dipOf(call.accountId()) != null) {
                callSent.put(event.eventId(), at); // its order is timed like the probe's own calls'
                // only an account's first call is certainly a price's: a liquidation that leaves the account under
                // maintenance ends in a new call on its fill, naming the price the first one named
                if (called.merge(call.accountId(), 1, Integer::sum) == 1) {
                    ladderCalls.add(new LadderCall(call.accountId(), call.priceSequences().get(DipLadder.SYMBOL), at,
                            event.occurredAt().toEpochMilli()));
                }
            }
            observe(event.payload(), event.occurredAt().toEpochMilli(), at);
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
                    record(PRICE_RELAYED, at - decidedAt);
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
            for (LadderCall call : ladderCalls) {
                Map.Entry<Long, BigDecimal> price = call.sequence() == null ? null : prices.get(call.sequence());
                if (price == null) {
                    priceUnseen++; // decided on a price published before the watcher began
                    continue;
                }
                record("price -> call", call.at() - price.getKey());
                record(CALL_RELAYED, call.at() - call.decidedAt());
                if (DipLadder.atDip(ladder.dipOf(call.account()), price.getValue())) {
                    atTheirDip++;
                }
            }
            ladderCalls.clear();
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

        /** The ladder's accounts called so far. */
        int ladderCalled() {
            return called.size();
        }

        /** The ladder's accounts, and what became of their calls; after {@link #match()}. */
        void printLadder(PrintStream out) {
            if (ladder.size() == 0) {
                out.printf("  (price -> call: no accounts breach at a dip, --breaches 0)%n");
                return;
            }
            int repeated = called.values().stream().mapToInt(n -> n - 1).sum();
            int later = ladderCalled() - atTheirDip - priceUnseen;
            out.printf("  price -> call: %,d accounts opened to breach at %d dips; %,d called, %,d of them first at"
                    + " their own dip%s%s; each account's first call timed%s%n",
                    ladder.size(), ladder.dips(), ladderCalled(), atTheirDip,
                    later > 0 ? ", " + later + " at a later one (theirs was not priced)" : "",
                    priceUnseen > 0 ? ", " + priceUnseen + " on a price not seen" : "",
                    repeated > 0 ? ", not the " + repeated + " after a partial liquidation" : "");
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

    /**
     * @param breaches accounts that breach at each dip (one a second) for the price -> call hop; 0 for none
     * @return 0, or 1 when the platform did not fill every call or call every breaching account within 30 s
     */
    public int run(int rate, Duration duration, int breaches) throws Exception {
        if (rate <= 0 || rate > 5_000) {
            throw new IllegalArgumentException("--rate must be between 1 and 5,000 calls a second, not " + rate);
        }
        if (breaches < 0 || breaches > 1_000) {
            throw new IllegalArgumentException("--breaches must be between 0 and 1,000 accounts a dip, not "
                    + breaches);
        }
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        String run = Long.toString(System.currentTimeMillis(), 36);
        DipLadder ladder = new DipLadder(run, breaches > 0 ? DipLadder.dips(duration) : 0, breaches,
                DipLadder.catalogue());
        Hops hops = new Hops(ladder);
        LabTokens tokens = LabTokens.of(settings);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        LoadWorld world = new LoadWorld(http, tokens.exchange());
        // a book under each market the orders come for: BTC (the probe's calls) and ETH (the ladder's)
        try (SimulatedExchange exchange = SimulatedExchange.deepBook(settings.kafkaBootstrap(),
                Map.of("BTCUSDT", new BigDecimal("59990"), DipLadder.SYMBOL, new BigDecimal("2990")),
                Map.of("BTCUSDT", new BigDecimal("60010"), DipLadder.SYMBOL, new BigDecimal("3010")));
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
            if (ladder.size() > 0) {
                openLadder(ladder, world, producer, new MarginMetrics(http, tokens,
                        settings.instanceUrls(Service.MARGIN)));
            }

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
                    int round = hops.tickRounds.size();
                    hops.tickRounds.put(System.currentTimeMillis(), now);
                    // 0.1% up, then down: beyond the oracle's publishing deviation (0.05%), so every round is priced
                    world.tick(producer, round % 2 == 0 ? LOW : HIGH);
                    BigDecimal eth = ladder.price(round);
                    if (eth != null) {
                        world.tick(producer, DipLadder.ASSET, eth);
                    }
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
            if (ladder.size() > 0) {
                // under every account's threshold: a dip the oracle did not price still ends in a call
                world.tick(producer, DipLadder.ASSET, DipLadder.dip(ladder.dips()));
            }
            long settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((hops.filled() < calls + hops.ladderCalled() || hops.ladderCalled() < ladder.size())
                    && System.nanoTime() < settleUntil) {
                Thread.sleep(100);
            }
            PlatformCpu.Sample cpuAfter = cpu.sample();
            double wall = (System.nanoTime() - start) / 1e9;
            watching.set(false);
            watcher.join(5_000);
            long filled = hops.filled();
            int ladderCalled = hops.ladderCalled();
            hops.match();
            out.printf("offered %,d margin calls at %d/s and %d tick rounds at 10/s for %.0f s; per hop, from the"
                    + " records' timestamps:%n", calls, rate, hops.tickRounds.size(), seconds);
            hops.print(out);
            out.printf("  (commit and relay: from the event's occurredAt, when the service decided it, to its record's"
                    + " timestamp;%n   the rest of the hop is the fetch, the queue and the decision)%n");
            hops.printLadder(out);
            long platformNanos = PlatformCpu.platformNanos(cpuAfter.since(cpuBefore));
            int cores = Runtime.getRuntime().availableProcessors();
            out.printf("the platform used %.0f%% of this machine's %d cores meanwhile (%.2f cores)%n",
                    100 * platformNanos / 1e9 / wall / cores, cores, platformNanos / 1e9 / wall);
            PlatformCpu.printShares(out, cpuBefore, cpuAfter, wall);
            out.println(PlatformWrites.of(settings).walFlush());
            int result = 0;
            if (filled < calls + ladderCalled) {
                out.printf("only %,d of %,d calls were filled within 30 s of the last: the platform is behind%n",
                        filled, calls + ladderCalled);
                result = 1;
            }
            if (ladderCalled < ladder.size()) {
                out.printf("only %,d of the %,d accounts under maintenance were called within 30 s of the last"
                        + " dip%n", ladderCalled, ladder.size());
                result = 1;
            }
            return result;
        }
    }

    /**
     * Opens the ladder's accounts and their positions while ETH is at 3,000 (where every account is healthy), and
     * waits until margin-service has applied every fill: until then a fill could meet a dip.
     */
    private void openLadder(DipLadder ladder, LoadWorld world, KafkaProducer<String, byte[]> producer,
                            MarginMetrics margin) throws Exception {
        long opening = System.nanoTime();
        Pattern ethPrices = MarginMetrics.prices(DipLadder.SYMBOL);
        double prices = margin.sum(ethPrices);
        AtomicBoolean high = new AtomicBoolean();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try {
            ticker.scheduleAtFixedRate(() -> {
                world.tick(producer, high.getAndSet(!high.get()) ? HIGH : LOW);
                world.tick(producer, DipLadder.ASSET, DipLadder.NORMAL);
            }, 0, 100, TimeUnit.MILLISECONDS);
            // margin holds this run's ETH price, not whatever an earlier run left (a dip, or a load's wandering)
            Waits.waitFor("ETHUSDT prices at margin-service", () -> margin.sum(ethPrices) >= prices + 2,
                    Duration.ofSeconds(60));
            world.openAccounts(settings.instanceUrls(Service.MARGIN), ladder.deposits());
            double applied = margin.sum(MarginMetrics.APPLIED);
            for (TradeFilled fill : ladder.fills()) {
                producer.send(new ProducerRecord<>(Topic.TRADES_FILLS.baseName(), fill.key(),
                        json.encode(EventEnvelope.of(fill, Instant.now(), null, null))));
            }
            producer.flush();
            Waits.waitFor("margin-service applying the positions of the accounts that breach at a dip",
                    () -> margin.sum(MarginMetrics.APPLIED) >= applied + ladder.size(), Duration.ofMinutes(2));
        } finally {
            ticker.shutdownNow();
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        }
        out.printf("opened %,d accounts that breach at one of %d dips (%d each), positions applied, in %.1f s%n",
                ladder.size(), ladder.dips(), ladder.size() / Math.max(1, ladder.dips()), Waits.seconds(opening));
    }

    /** The watcher's thread: reads what the platform and the exchange publish from the end of each topic on. */
    private void watch(Hops hops, CountDownLatch assigned, AtomicBoolean watching) {
        // the end offsets resolved before anything is sent. The hops are timed from the records' own timestamps, so
        // the watcher's fetches wait on the broker as the platform's do (until a record arrives): a fetch that
        // returned after 1 ms made the broker answer some 500 empty fetches a second, which counted as the
        // platform's CPU and took it from the hops being measured
        try (TopicTail tail = new TopicTail(settings.kafkaBootstrap(), List.of(Topic.ORACLE_PRICES,
                Topic.MARGIN_CALLS, Topic.LIQUIDATION_ORDERS, Topic.LIQUIDATION_EXECUTIONS, Topic.LIQUIDATION_FILLS),
                Map.of())) {
            assigned.countDown();
            while (watching.get()) {
                poll(tail, Duration.ofMillis(20), hops);
            }
        }
    }

    private void poll(TopicTail tail, Duration wait, Hops hops) {
        for (ConsumerRecord<String, byte[]> record : tail.poll(wait)) {
            hops.observe(json.decode(record.topic(), "", record.value()), record.timestamp());
        }
    }
}
