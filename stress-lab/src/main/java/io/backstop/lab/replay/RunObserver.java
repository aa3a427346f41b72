package io.backstop.lab.replay;

import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.InsuranceFundUpdated;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.OraclePricePublished;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Watches the platform's topics during a replay and keeps what the run's accounts went through, stamped
 * with the simulated minute each event was decided at: margin calls (each judged again at true value,
 * {@link TrueValue}, with the honest prices of that moment), liquidation orders and fills (and how long,
 * in simulated time, each liquidation took from the price tick that triggered it to its first fill),
 * shortfalls, takeovers, ADL, socialized losses, every money movement of every account (for the
 * conservation check), the fund, and how far the oracle's index strayed from the honest price. It reads at
 * the replay's steps, up to the same end offsets as the platform, in an order that depends only on the data,
 * and writes every decision to a {@link DecisionLog}: two runs decided the same when their logs are equal.
 * Used by the replay's thread only.
 */
final class RunObserver implements AutoCloseable {

    private static final long MAX_LATENCY_MS = 3_600_000;

    private final Instant t0;
    private final HonestPrices honestPrices;
    private final Map<String, TraderPopulation.Trader> traders;
    private final Map<String, BigDecimal> entries;
    private final EventJson json = new EventJson();
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<ConsumerRecord<String, byte[]>> buffered = new ArrayList<>();
    final DecisionLog decisions;
    /** The simulated time of the run's last decision event (a call, an order, a fill, the waterfall's). */
    Instant lastDecision;
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
    /** ADL legs margin-service closed less of than the fund asked (the fund planned the rest again). */
    final AtomicLong adlRefused = new AtomicLong();
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
     * @param t0      the simulated moment of the shock (minute 0)
     * @param honest  the world's honest price of an asset at a simulated moment
     * @param traders the run's traders by account (filled in once they are drawn)
     * @param entries each trader's entry price once its position is opened
     * @param run     the run's name, which every account id of the run starts with
     */
    RunObserver(String kafkaBootstrap, Instant t0, HonestPrices honest, Map<String, TraderPopulation.Trader> traders,
                Map<String, BigDecimal> entries, String run) {
        this.t0 = t0;
        this.honestPrices = honest;
        this.traders = traders;
        this.entries = entries;
        this.decisions = new DecisionLog(t0, run);
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<String> topics = new ArrayList<>(List.of(Topic.MARGIN_CALLS.baseName(), Topic.LIQUIDATION_ORDERS.baseName(),
                Topic.LIQUIDATION_FILLS.baseName(), Topic.LIQUIDATION_SHORTFALLS.baseName(),
                Topic.INSURANCE_TAKEOVERS.baseName(), Topic.ADL_EXECUTIONS.baseName(), Topic.ADL_SETTLEMENTS.baseName(),
                Topic.LOSS_SOCIALIZED.baseName(), Topic.ORACLE_PRICES.baseName(), Topic.INSURANCE_FUND.baseName()));
        for (Topic t : Topic.values()) {
            topics.add(t.deadLetterName("")); // what any service refused during the run
        }
        for (String topic : topics) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions); // what came before the run is not the run's
        partitions.forEach(consumer::position);
    }

    /**
     * Reads every record below {@code endOffsets} (what the platform published before the step), in the order
     * the platform's services take theirs: along the data flow, then by key, partition and offset.
     */
    void step(Map<String, List<Long>> endOffsets) {
        List<ConsumerRecord<String, byte[]>> due = io.backstop.lab.exchange.Fetch.upTo(consumer, partitions,
                endOffsets, buffered, io.backstop.lab.exchange.Fetch.PATIENCE);
        due.sort(Comparator.<ConsumerRecord<String, byte[]>>comparingInt(r -> rank(r.topic()))
                .thenComparing(ConsumerRecord::topic)
                .thenComparing(r -> r.key() == null ? "" : r.key())
                .thenComparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        for (ConsumerRecord<String, byte[]> r : due) {
            if (r.topic().endsWith(Topic.DEAD_LETTER_SUFFIX)) {
                deadLetter(r);
                continue;
            }
            Topic topic = Topic.fromName(r.topic(), "").orElse(null);
            if (topic != null) {
                EventEnvelope<?> event = json.decode(topic, r.key(), r.value());
                if (seen.add(event.eventId())) {
                    observe(event);
                }
            }
        }
    }

    /**
     * The ids of the events observed: one published again is dropped here as every consumer drops it. The outbox
     * relay publishes at least once — a relay whose Kafka transaction committed but whose database did not (killed
     * in between) publishes the same rows, the same ids, again — and the exchange answers a question about an order
     * with the same execution event. Neither is a new decision.
     */
    private final Set<UUID> seen = new java.util.HashSet<>();

    /** A topic's place along the data flow; a dead-letter topic right after its topic. */
    private static int rank(String topic) {
        boolean dead = topic.endsWith(Topic.DEAD_LETTER_SUFFIX);
        String base = dead ? topic.substring(0, topic.length() - Topic.DEAD_LETTER_SUFFIX.length()) : topic;
        return Topic.fromName(base, "").map(t -> t.ordinal() * 2 + (dead ? 1 : 0)).orElse(Integer.MAX_VALUE);
    }

    /** The replay published a batch of venue ticks stamped {@code at} (the start of every latency trail). */
    void ticksSent(Instant at) {
        ticksSent.add(at);
        Instant old = at.minusSeconds(600);
        while (!ticksSent.isEmpty() && ticksSent.first().isBefore(old)) {
            ticksSent.pollFirst();
        }
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
        Instant at = event.occurredAt();
        if (p instanceof OraclePricePublished price) {
            price(event, price);
            if (running) {
                decisions.record(event);
            }
            return;
        }
        if (p instanceof InsuranceFundUpdated f) {
            if (running) {
                decisions.record(event);
                synchronized (fund) {
                    fund.add(new Timeline.FundPoint(minute(at), f.fundGroup(), f.balance().doubleValue(),
                            f.coverageRatio() == null ? 0 : f.coverageRatio().doubleValue()));
                }
            }
            return;
        }
        String account = accountOf(p);
        if (!running || account == null) {
            return; // before the shock
        }
        if (p instanceof LiquidationOrderPlaced order && order.owner() == OrderOwner.INSURANCE_FUND) {
            decisions.record(event); // the fund unwinding what it took over
            lastDecision = at;
            return;
        }
        if (!traders.containsKey(account)) {
            return; // an account of another run
        }
        decisions.record(event);
        lastDecision = at;
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
            takenOver = takenOver.add(t.quantity().multiply(t.price()));
            BigDecimal pnl = closed(t.accountId(), t.positionSide() == PositionSide.LONG ? Side.SELL : Side.BUY,
                    t.quantity(), t.price());
            money(t.accountId(), pnl);
            log(t.accountId(), "takeover " + t.quantity().toPlainString() + " @ " + t.price().toPlainString() + ": "
                    + pnl.toPlainString());
        } else if (p instanceof PositionAutoDeleveraged a) {
            log(a.accountId(), "ADL asked " + a.side() + " " + a.quantity().toPlainString() + " @ "
                    + a.price().toPlainString() + " (rank " + a.rank() + ")");
        } else if (p instanceof AdlLegSettled a) {
            if (a.applied().signum() > 0) {
                adl.incrementAndGet();
                BigDecimal value = a.applied().multiply(a.price());
                adlNotional = adlNotional.add(value);
                int minute = (int) minute(at);
                adlCount.computeIfAbsent(minute, m -> new long[1])[0]++;
                adlPerMinute.merge(minute, value, BigDecimal::add);
                BigDecimal pnl = closed(a.accountId(), a.bankruptSide().opposite(), a.applied(), a.price());
                money(a.accountId(), pnl);
                log(a.accountId(), "ADL " + a.bankruptSide().opposite() + " " + a.applied().toPlainString() + " @ "
                        + a.price().toPlainString() + ": " + pnl.toPlainString());
                BigDecimal loss = closed(a.bankruptAccountId(), a.bankruptSide(), a.applied(), a.price());
                money(a.bankruptAccountId(), loss);
                log(a.bankruptAccountId(), "ADL bankrupt " + a.bankruptSide() + " " + a.applied().toPlainString()
                        + " @ " + a.price().toPlainString() + ": " + loss.toPlainString());
            }
            if (a.refused().signum() > 0) {
                adlRefused.incrementAndGet();
                log(a.accountId(), "ADL refused " + a.refused().toPlainString() + " of " + a.requested().toPlainString());
            }
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
        } else if (p instanceof AdlLegSettled a) {
            return a.bankruptAccountId();
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
        // judged with the honest prices of the moment margin-service decided the call
        lastCallCovered.put(call.accountId(), TrueValue.coveredAtTrueValue(call, a -> honestPrices.at(a,
                event.occurredAt())));
        lastCallWrongful.put(call.accountId(), TrueValue.wrongful(call, a -> honestPrices.at(a, event.occurredAt())));
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
        notionalPerHour.merge((int) Math.floor(minute(event.occurredAt()) / 60), value, BigDecimal::add);
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
        int minute = (int) minute(event.occurredAt());
        perMinute.merge(minute, 1L, Long::sum);
        perSecond.merge(event.occurredAt().getEpochSecond(), 1L, Long::sum);
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
            honest = honestPrices.at(price.symbol(), event.occurredAt()).doubleValue();
        } catch (IllegalArgumentException notInTheWorld) {
            return;
        }
        double d = Math.abs(price.indexPrice().doubleValue() / honest - 1);
        if (shock && d > maxDeviation) {
            maxDeviation = d;
            maxDeviationSymbol = price.symbol();
        }
    }

    /** Simulated minutes from the shock to {@code at}. */
    private double minute(Instant at) {
        return Duration.between(t0, at).toMillis() / 60_000.0;
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

    private BigDecimal takenOver = BigDecimal.ZERO;
    private final Map<Integer, BigDecimal> notionalPerHour = new TreeMap<>();

    /** The notional the fund took over (at the bankruptcy prices). */
    BigDecimal takenOverNotional() {
        return takenOver;
    }

    /** The hour from the shock (0: T0 to T+60 min) in which the most notional was liquidated; -1 if none was. */
    int busiestHour() {
        return notionalPerHour.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(-1);
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
        consumer.close(Duration.ofSeconds(2));
    }
}
