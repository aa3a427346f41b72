package io.backstop.lab.replay;

import static io.backstop.lab.load.Waits.waitFor;

import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.InsuranceFundUpdated;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.lab.scenario.World;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Watches the platform's topics during a replay and keeps what the run's accounts went through, stamped
 * with the world's simulated minute: margin calls (each judged again at true value, {@link TrueValue}),
 * liquidation orders and fills (and how long each liquidation took from the price tick that triggered
 * it to its first fill), shortfalls, takeovers, ADL, socialized losses, every money movement of every
 * account (for the conservation check), the fund, and how far the oracle's index strayed from the
 * honest price.
 */
final class RunObserver implements AutoCloseable {

    private static final long MAX_LATENCY_MS = 3_600_000;

    private final World world;
    private final Map<String, TraderPopulation.Trader> traders;
    private final Map<String, BigDecimal> entries;
    private final EventJson json = new EventJson();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final Set<Object> assigned = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    /**
     * Counting starts when the traders are open and the shock begins, and goes on after the world stops
     * while the platform finishes what it started (slices, waterfalls): every event of the run is counted.
     */
    volatile boolean running;
    /** Whether the world still moves (the index's deviation is measured only then). */
    volatile boolean shock;

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
    private final Map<String, BigDecimal> liquidatedNotional = new ConcurrentHashMap<>();
    private volatile BigDecimal notional = BigDecimal.ZERO;
    private volatile BigDecimal longNotional = BigDecimal.ZERO;
    private volatile BigDecimal adlNotional = BigDecimal.ZERO;
    private volatile BigDecimal socialized = BigDecimal.ZERO;
    private volatile double maxDeviation;
    private volatile String maxDeviationSymbol = "-";

    /** Whether each account's latest margin call (the one a liquidation follows) was wrongful, and strictly so. */
    private final Map<String, Boolean> lastCallWrongful = new ConcurrentHashMap<>();
    private final Map<String, Boolean> lastCallCovered = new ConcurrentHashMap<>();
    final Set<String> wrongful = ConcurrentHashMap.newKeySet();
    /** Liquidated after a call that any revaluation of the collateral at true value would have avoided. */
    final Set<String> coveredAtTrueValue = ConcurrentHashMap.newKeySet();

    /** Every USDT movement margin-service should have applied to each account, from the other services' events. */
    private final Map<String, BigDecimal> moneyIn = new ConcurrentHashMap<>();
    private volatile BigDecimal feesCharged = BigDecimal.ZERO;
    private volatile BigDecimal realized = BigDecimal.ZERO;
    private volatile BigDecimal deficitsCovered = BigDecimal.ZERO;

    // latency: tick sent -> oracle price -> margin call -> liquidation order -> first fill
    private final ConcurrentSkipListSet<Instant> ticksSent = new ConcurrentSkipListSet<>();
    private final Map<String, NavigableMap<Long, Instant>> priceTimes = new ConcurrentHashMap<>();
    private final Map<UUID, CallTrace> callTraces = new ConcurrentHashMap<>();
    private final Map<UUID, OrderTrace> orderTraces = new ConcurrentHashMap<>();
    private final Set<UUID> firstFills = ConcurrentHashMap.newKeySet();
    final Histogram endToEnd = new Histogram(MAX_LATENCY_MS, 3);
    final Histogram tickToPrice = new Histogram(MAX_LATENCY_MS, 3);
    final Histogram priceToCall = new Histogram(MAX_LATENCY_MS, 3);
    final Histogram callToOrder = new Histogram(MAX_LATENCY_MS, 3);
    final Histogram orderToFill = new Histogram(MAX_LATENCY_MS, 3);
    private final Map<Integer, Histogram> endToEndPerMinute = new ConcurrentHashMap<>();

    // the timeline
    private final Map<String, OraclePricePublished> latestPrice = new ConcurrentHashMap<>();
    private final List<Timeline.FundPoint> fund = new ArrayList<>();
    private final Map<Integer, long[]> adlCount = new ConcurrentHashMap<>();
    private final Map<Integer, BigDecimal> adlPerMinute = new ConcurrentHashMap<>();

    private record CallTrace(Instant tick, Instant price, Instant call) {
    }

    private record OrderTrace(UUID callId, Instant placed) {
    }

    /**
     * @param traders the run's traders by account (filled in once they are drawn)
     * @param entries each trader's entry price once its position is opened
     */
    RunObserver(String kafkaBootstrap, World world, Map<String, TraderPopulation.Trader> traders,
                Map<String, BigDecimal> entries) {
        this.world = world;
        this.traders = traders;
        this.entries = entries;
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "stress-lab-observer-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<String> topics = new ArrayList<>(List.of(Topic.MARGIN_CALLS.baseName(), Topic.LIQUIDATION_ORDERS.baseName(),
                Topic.LIQUIDATION_FILLS.baseName(), Topic.LIQUIDATION_SHORTFALLS.baseName(),
                Topic.INSURANCE_TAKEOVERS.baseName(), Topic.ADL_EXECUTIONS.baseName(),
                Topic.LOSS_SOCIALIZED.baseName(), Topic.ORACLE_PRICES.baseName(), Topic.INSURANCE_FUND.baseName()));
        for (Topic t : Topic.values()) {
            topics.add(t.deadLetterName("")); // what any service refused during the run
        }
        consumer.subscribe(topics);
        thread = new Thread(this::loop, "replay-observer");
        thread.setDaemon(true);
    }

    void start() throws InterruptedException {
        thread.start();
        waitFor("the observer's assignment", () -> !assigned.isEmpty(), Duration.ofSeconds(60));
    }

    /** The replay sent a batch of venue ticks (the start of every latency trail). */
    void ticksSent(Instant at) {
        ticksSent.add(at);
        Instant old = at.minusSeconds(120);
        while (!ticksSent.isEmpty() && ticksSent.first().isBefore(old)) {
            ticksSent.pollFirst();
        }
    }

    private void loop() {
        while (!stopped) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.topic().endsWith(Topic.DEAD_LETTER_SUFFIX)) {
                    deadLetter(r);
                    continue;
                }
                Topic topic = Topic.fromName(r.topic(), "").orElse(null);
                if (topic != null) {
                    observe(json.decode(topic, r.key(), r.value()));
                }
            }
            assigned.addAll(consumer.assignment());
        }
        consumer.close();
    }

    /** A record a service refused while the run's events flowed: counted, its reason kept (the first few). */
    private void deadLetter(ConsumerRecord<String, byte[]> r) {
        if (!running) {
            return;
        }
        deadLetters.incrementAndGet();
        synchronized (deadLetterReasons) {
            if (deadLetterReasons.size() < 10) {
                deadLetterReasons.add(r.topic() + " key " + r.key() + ": " + header(r, "backstop-dlq-service") + " "
                        + header(r, "backstop-dlq-reason") + " " + header(r, "backstop-dlq-field") + " — "
                        + header(r, "backstop-dlq-detail"));
            }
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    final AtomicLong deadLetters = new AtomicLong();
    private final List<String> deadLetterReasons = new ArrayList<>();

    List<String> deadLetterReasons() {
        synchronized (deadLetterReasons) {
            return List.copyOf(deadLetterReasons);
        }
    }

    void observe(EventEnvelope<?> event) {
        Object p = event.payload();
        if (p instanceof OraclePricePublished price) {
            price(event, price);
            return;
        }
        if (p instanceof InsuranceFundUpdated f) {
            if (running) {
                synchronized (fund) {
                    fund.add(new Timeline.FundPoint(minute(), f.fundGroup(), f.balance().doubleValue(),
                            f.coverageRatio() == null ? 0 : f.coverageRatio().doubleValue()));
                }
            }
            return;
        }
        String account = accountOf(p);
        if (!running || account == null || !traders.containsKey(account)) {
            return; // before the shock, or an account of another run
        }
        events.incrementAndGet();
        if (p instanceof MarginCallIssued call) {
            call(event, call);
        } else if (p instanceof LiquidationOrderPlaced order) {
            orderTraces.put(order.orderId(), new OrderTrace(order.marginCallEventId(), event.occurredAt()));
        } else if (p instanceof PositionLiquidated fill) {
            fill(event, fill);
        } else if (p instanceof LiquidationShortfallRaised) {
            shortfalls.incrementAndGet();
        } else if (p instanceof PositionTakenOver t) {
            takeovers.incrementAndGet();
            BigDecimal pnl = closed(t.accountId(), t.positionSide() == PositionSide.LONG ? Side.SELL : Side.BUY,
                    t.quantity(), t.price());
            money(t.accountId(), pnl);
            log(t.accountId(), "takeover " + t.quantity().toPlainString() + " @ " + t.price().toPlainString() + ": "
                    + pnl.toPlainString());
        } else if (p instanceof PositionAutoDeleveraged a) {
            if (a.role() == AdlRole.COUNTERPARTY) {
                adl.incrementAndGet();
                BigDecimal value = a.quantity().multiply(a.price());
                adlNotional = adlNotional.add(value);
                int minute = (int) minute();
                adlCount.computeIfAbsent(minute, m -> new long[1])[0]++;
                adlPerMinute.merge(minute, value, BigDecimal::add);
            }
            BigDecimal pnl = closed(a.accountId(), a.side(), a.quantity(), a.price());
            money(a.accountId(), pnl);
            log(a.accountId(), "ADL " + a.role() + " " + a.side() + " " + a.quantity().toPlainString() + " @ "
                    + a.price().toPlainString() + ": " + pnl.toPlainString());
        } else if (p instanceof DeficitCovered d) {
            deficitsCovered = deficitsCovered.add(d.amount());
            money(d.accountId(), d.amount());
            log(d.accountId(), "deficit covered " + d.amount().toPlainString());
        } else if (p instanceof LossSocialized loss) {
            socialized = socialized.add(loss.amount());
            money(loss.accountId(), loss.amount().negate());
            log(loss.accountId(), "socialized " + loss.amount().toPlainString());
        }
    }

    private static String accountOf(Object p) {
        if (p instanceof MarginCallIssued c) {
            return c.accountId();
        } else if (p instanceof LiquidationOrderPlaced o) {
            return o.accountId();
        } else if (p instanceof PositionLiquidated f) {
            return f.accountId();
        } else if (p instanceof LiquidationShortfallRaised s) {
            return s.accountId();
        } else if (p instanceof PositionTakenOver t) {
            return t.accountId();
        } else if (p instanceof PositionAutoDeleveraged a) {
            return a.accountId();
        } else if (p instanceof DeficitCovered d) {
            return d.accountId();
        } else if (p instanceof LossSocialized l) {
            return l.accountId();
        }
        return null;
    }

    private void call(EventEnvelope<?> event, MarginCallIssued call) {
        calls.incrementAndGet();
        callIds.add(event.eventId());
        lastCallCovered.put(call.accountId(), TrueValue.coveredAtTrueValue(call, this::honest));
        lastCallWrongful.put(call.accountId(), TrueValue.wrongful(call, this::honest));
        Instant price = null;
        for (Map.Entry<String, Long> used : call.priceSequences().entrySet()) {
            NavigableMap<Long, Instant> times = priceTimes.get(used.getKey());
            Instant at;
            synchronized (times == null ? this : times) {
                at = times == null ? null : times.get(used.getValue());
            }
            if (at != null && (price == null || at.isAfter(price))) {
                price = at; // the newest price the decision used: the one that tipped the account over
            }
        }
        Instant tick = price == null ? null : ticksSent.floor(price);
        if (tick != null) {
            callTraces.put(event.eventId(), new CallTrace(tick, price, event.occurredAt()));
        }
    }

    private void fill(EventEnvelope<?> event, PositionLiquidated fill) {
        fills.incrementAndGet();
        BigDecimal value = fill.quantity().multiply(fill.price());
        notional = notional.add(value);
        if (fill.side() == Side.SELL) {
            longNotional = longNotional.add(value); // a sell closes a long
        }
        liquidatedNotional.merge(fill.accountId(), value, BigDecimal::add);
        if (liquidatedAccounts.add(fill.accountId())) {
            if (lastCallWrongful.getOrDefault(fill.accountId(), false)) {
                wrongful.add(fill.accountId());
            }
            if (lastCallCovered.getOrDefault(fill.accountId(), false)) {
                coveredAtTrueValue.add(fill.accountId());
            }
        }
        feesCharged = feesCharged.add(fill.fee());
        realized = realized.add(fill.realizedPnl());
        money(fill.accountId(), fill.realizedPnl().subtract(fill.fee()));
        log(fill.accountId(), "fill " + fill.tradeId() + " " + fill.side() + " " + fill.quantity().toPlainString() + " @ "
                + fill.price().toPlainString() + ": " + fill.realizedPnl().toPlainString() + " - fee "
                + fill.fee().toPlainString());
        int minute = (int) minute();
        perMinute.merge(minute, 1L, Long::sum);
        perSecond.merge(System.currentTimeMillis() / 1000, 1L, Long::sum);
        if (firstFills.add(fill.liquidationId())) {
            OrderTrace order = orderTraces.get(fill.orderId());
            CallTrace call = order == null ? null : callTraces.get(order.callId());
            if (call != null) {
                long total = millis(call.tick(), event.occurredAt());
                endToEnd.recordValue(total);
                tickToPrice.recordValue(millis(call.tick(), call.price()));
                priceToCall.recordValue(millis(call.price(), call.call()));
                callToOrder.recordValue(millis(call.call(), order.placed()));
                orderToFill.recordValue(millis(order.placed(), event.occurredAt()));
                endToEndPerMinute.computeIfAbsent(minute, m -> new Histogram(MAX_LATENCY_MS, 3)).recordValue(total);
            }
        }
    }

    /** Realized PnL of closing part of a run account's opening position (its only entry price). */
    private BigDecimal closed(String account, Side closingSide, BigDecimal quantity, BigDecimal price) {
        BigDecimal entry = entries.get(account);
        BigDecimal pnl = price.subtract(entry).multiply(quantity);
        BigDecimal signed = closingSide == Side.SELL ? pnl : pnl.negate();
        realized = realized.add(signed);
        return signed;
    }

    private void money(String account, BigDecimal amount) {
        moneyIn.merge(account, amount, BigDecimal::add);
    }

    /** Every money movement seen for each account, in order (for the conservation check's explanation). */
    private final Map<String, List<String>> moneyLog = new ConcurrentHashMap<>();

    private void log(String account, String what) {
        moneyLog.computeIfAbsent(account, a -> java.util.Collections.synchronizedList(new ArrayList<>())).add(what);
    }

    List<String> moneyLog(String account) {
        List<String> log = moneyLog.getOrDefault(account, List.of());
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private void price(EventEnvelope<?> event, OraclePricePublished price) {
        latestPrice.put(price.symbol(), price);
        if (event.sequence() != null) {
            NavigableMap<Long, Instant> times = priceTimes.computeIfAbsent(price.symbol(), s -> new TreeMap<>());
            synchronized (times) {
                times.put(event.sequence(), event.occurredAt());
                while (times.size() > 5_000) {
                    times.pollFirstEntry();
                }
            }
        }
        double honest;
        try {
            honest = honest(price.symbol()).doubleValue();
        } catch (IllegalArgumentException notInTheWorld) {
            return;
        }
        double d = Math.abs(price.indexPrice().doubleValue() / honest - 1);
        if (shock && d > maxDeviation) {
            maxDeviation = d;
            maxDeviationSymbol = price.symbol();
        }
    }

    private BigDecimal honest(String asset) {
        synchronized (world) {
            return BigDecimal.valueOf(world.honest(asset));
        }
    }

    private double minute() {
        synchronized (world) {
            return world.minute();
        }
    }

    private static long millis(Instant from, Instant to) {
        return Math.max(0, Math.min(MAX_LATENCY_MS, Duration.between(from, to).toMillis()));
    }

    /** The oracle's latest price of a symbol, if it has published one. */
    OraclePricePublished latest(String symbol) {
        return latestPrice.get(symbol);
    }

    /** What margin-service should hold in USDT for each run account beyond its deposits. */
    Map<String, BigDecimal> moneyIn() {
        return Map.copyOf(moneyIn);
    }

    BigDecimal feesCharged() {
        return feesCharged;
    }

    BigDecimal realized() {
        return realized;
    }

    BigDecimal deficitsCovered() {
        return deficitsCovered;
    }

    BigDecimal socialized() {
        return socialized;
    }

    BigDecimal notional() {
        return notional;
    }

    /** The share of the liquidated notional that closed longs. */
    double longShare() {
        return notional.signum() == 0 ? 0 : longNotional.doubleValue() / notional.doubleValue();
    }

    BigDecimal adlNotional() {
        return adlNotional;
    }

    double maxDeviation() {
        return maxDeviation;
    }

    String maxDeviationSymbol() {
        return maxDeviationSymbol;
    }

    /** The liquidated notional of the accounts liquidated wrongfully. */
    BigDecimal wrongfulNotional() {
        return wrongful.stream().map(a -> liquidatedNotional.getOrDefault(a, BigDecimal.ZERO))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    long peakPerSecond() {
        return perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    List<Timeline.FundPoint> fund() {
        synchronized (fund) {
            return List.copyOf(fund);
        }
    }

    List<Timeline.AdlMinute> adl() {
        return new TreeMap<>(adlCount).entrySet().stream().map(e -> new Timeline.AdlMinute(e.getKey(), e.getValue()[0],
                adlPerMinute.getOrDefault(e.getKey(), BigDecimal.ZERO).doubleValue())).toList();
    }

    List<Timeline.LatencyPoint> latency() {
        return new TreeMap<>(endToEndPerMinute).entrySet().stream().map(e -> new Timeline.LatencyPoint(e.getKey(),
                e.getValue().getTotalCount(), e.getValue().getValueAtPercentile(50),
                e.getValue().getValueAtPercentile(99), e.getValue().getMaxValue())).toList();
    }

    @Override
    public void close() {
        stopped = true;
    }
}
