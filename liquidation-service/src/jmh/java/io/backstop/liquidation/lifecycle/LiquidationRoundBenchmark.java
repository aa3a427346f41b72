package io.backstop.liquidation.lifecycle;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.liquidation.plan.LiquidationPolicy;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.MarginBrackets;
import io.backstop.markets.Market;
import io.backstop.markets.SampleMarkets;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A burst of 200 margin calls through liquidation-service's pure deciders: what the desk's transactions wrap,
 * without Spring, PostgreSQL or Kafka. {@code intake}: the calls taken in ({@link CallIntake}), 200 QUEUED
 * liquidations. {@code round}: the first round of each at the latest prices (the scope re-marked, then
 * {@link RoundDecider}: partial or full closes cut into slices, shortfalls, recoveries). {@code callsToFills}: the
 * whole path of the burst whose first orders fill at once: intake, round, each open order's execution in two fills
 * ({@link ExecutionDecider}) and where each liquidation stands after them. Every score is one burst of 200 calls.
 *
 * <p>The calls (seed 19, shuffled): 100 cross scopes with a BTCUSDT and an ETHUSDT position and BTC collateral at 75–98%
 * of maintenance (partial closes); 50 small BTCUSDT longs like {@code ./backstop drain}'s call, at 40% of
 * maintenance (closed in full); 20 BTCUSDT longs of 20–50 BTC at 45% (closed in full, in slices of 20%); 20 longs
 * the latest price takes below zero equity (shortfalls); 10 ETHUSDT shorts the latest price lifts back above
 * maintenance (cancelled as recovered). The latest prices are 0.02% below the calls' marks: the market kept falling.
 *
 * <p>Run: {@code ./backstop bench LiquidationRoundBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(2)
public class LiquidationRoundBenchmark {

    static final int CALLS = 200;
    static final Instant T0 = Instant.parse("2025-10-10T21:00:00Z");
    static final BigDecimal BTC_MARK = new BigDecimal("60000");
    static final BigDecimal ETH_MARK = new BigDecimal("4000");
    static final BigDecimal TWO = BigDecimal.valueOf(2);
    static final MarginBrackets BTC = SampleMarkets.btcBrackets();
    static final MarginBrackets ETH = SampleMarkets.ethBrackets();

    private final CallIntake intake = new CallIntake(Map.of(
            "BTCUSDT", new Market("BTCUSDT", "BTC", BTC, 2),
            "ETHUSDT", new Market("ETHUSDT", "ETH", ETH, 2)), "USDT");
    private final RoundDecider rounds = new RoundDecider(LiquidationPolicy.defaults(), 2);
    private final ExecutionDecider executions = new ExecutionDecider(LiquidationPolicy.defaults(), 2, "USDT");
    /** The latest marks by position symbol and index prices by collateral symbol, as the desk's price board gives. */
    private final Map<String, BigDecimal> marks = Map.of("BTCUSDT", new BigDecimal("59988"),
            "ETHUSDT", new BigDecimal("3999.2"));
    private final Map<String, BigDecimal> indexes = Map.of("BTC", new BigDecimal("59990"));
    private final Instant now = T0.plusMillis(40);

    private List<UUID> callIds;
    private List<MarginCallIssued> calls;
    private List<Liquidation> queued;
    /** The exchange's answer to each first order, by order id: prepared here so the exchange is not measured. */
    private Map<UUID, LiquidationOrderExecuted> answers;

    @Setup
    public void setUp() {
        Random random = new Random(19);
        List<Integer> kinds = new ArrayList<>();
        int[] counts = {100, 50, 20, 20, 10};
        for (int kind = 0; kind < counts.length; kind++) {
            kinds.addAll(Collections.nCopies(counts[kind], kind));
        }
        Collections.shuffle(kinds, random);
        callIds = new ArrayList<>(CALLS);
        calls = new ArrayList<>(CALLS);
        for (int i = 0; i < CALLS; i++) {
            String account = String.format("acct-%04d", i);
            callIds.add(UUID.nameUUIDFromBytes(("call/" + account).getBytes(StandardCharsets.UTF_8)));
            calls.add(switch (kinds.get(i)) {
                case 0 -> crossCall(account, random);
                case 1 -> btcLong(account, quantity(random, "0.05", "0.5"), "0.4");
                case 2 -> btcLong(account, quantity(random, "20", "50"), "0.45");
                case 3 -> bankrupt(account, random);
                default -> recovering(account, random);
            });
        }
        queued = intake();
        answers = new HashMap<>();
        Map<RoundDecider.Step, Integer> steps = new EnumMap<>(RoundDecider.Step.class);
        int orders = 0;
        for (RoundDecider.Decision d : round()) {
            steps.merge(d.step(), 1, Integer::sum);
            orders += d.orders().size();
            for (Order order : d.orders()) {
                if (order.status() == OrderStatus.OPEN) {
                    answers.put(order.id(), fillAtOnce(d.liquidation(), order));
                }
            }
        }
        System.out.printf("%n%d calls: %s; %d orders and slices, %d placed at once%n", CALLS, steps, orders,
                answers.size());
    }

    /** The burst taken in: one QUEUED liquidation per call. */
    @Benchmark
    public List<Liquidation> intake() {
        List<Liquidation> taken = new ArrayList<>(CALLS);
        for (int i = 0; i < CALLS; i++) {
            taken.add(intake.decide(callIds.get(i), calls.get(i), false, T0).liquidation());
        }
        return taken;
    }

    /** The first round of the 200 queued liquidations at the latest prices. */
    @Benchmark
    public List<RoundDecider.Decision> round() {
        List<RoundDecider.Decision> decisions = new ArrayList<>(CALLS);
        for (Liquidation l : queued) {
            decisions.add(rounds.decide(l, remark(l.state()), now));
        }
        return decisions;
    }

    /** Intake, the first round, each first order filled, and where each liquidation stands after its fills. */
    @Benchmark
    public List<Liquidation> callsToFills() {
        List<Liquidation> after = new ArrayList<>(CALLS);
        for (int i = 0; i < CALLS; i++) {
            Liquidation l = intake.decide(callIds.get(i), calls.get(i), false, T0).liquidation();
            RoundDecider.Decision d = rounds.decide(l, remark(l.state()), now);
            l = d.liquidation();
            int pending = 0;
            for (Order order : d.orders()) {
                if (order.status() == OrderStatus.OPEN) {
                    l = executions.execute(l, order, false, answers.get(order.id()), order.id(), now).liquidation();
                } else {
                    pending++;
                }
            }
            after.add(d.step() == RoundDecider.Step.ORDERS_PLACED ? executions.afterExecutions(l, pending).liquidation()
                    : l);
        }
        return after;
    }

    /** What the desk does before a round: the scope at the latest marks and collateral prices. */
    private ScopeState remark(ScopeState state) {
        return state.remark(marks, indexes);
    }

    /** A BTCUSDT long and an ETHUSDT position (either side) with USDT and BTC collateral, at 75–98% of maintenance. */
    private static MarginCallIssued crossCall(String account, Random random) {
        BigDecimal btcSize = quantity(random, "0.5", "5");
        BigDecimal ethSize = quantity(random, "5", "50");
        if (random.nextBoolean()) {
            ethSize = ethSize.negate();
        }
        PositionMark btc = mark("BTCUSDT", btcSize, BTC_MARK, BTC, random);
        PositionMark eth = mark("ETHUSDT", ethSize, ETH_MARK, ETH, random);
        BigDecimal maintenance = btc.maintenanceMargin().add(eth.maintenanceMargin());
        BigDecimal equity = maintenance.multiply(BigDecimal.valueOf(75 + random.nextInt(24), 2))
                .setScale(2, RoundingMode.DOWN);
        BigDecimal btcCollateral = quantity(random, "0.01", "0.5");
        BigDecimal haircut = new BigDecimal("0.05");
        BigDecimal btcValue = btcCollateral.multiply(BTC_MARK).multiply(BigDecimal.ONE.subtract(haircut));
        // the USDT balance that makes the stated equity: equity = USDT + BTC value + unrealized PnL
        BigDecimal usdt = equity.subtract(btcValue).subtract(btc.unrealizedPnl()).subtract(eth.unrealizedPnl());
        List<CollateralValue> collateral = List.of(new CollateralValue("USDT", usdt, BigDecimal.ONE, BigDecimal.ZERO, usdt),
                new CollateralValue("BTC", btcCollateral, BTC_MARK, haircut, btcValue));
        return call(account, equity, maintenance, collateral, List.of(btc, eth));
    }

    /** A BTCUSDT long entered 1% above the mark, its equity {@code health} x its maintenance. */
    private static MarginCallIssued btcLong(String account, BigDecimal size, String health) {
        PositionMark btc = mark("BTCUSDT", size, BTC_MARK, new BigDecimal("60600"), BTC);
        BigDecimal equity = btc.maintenanceMargin().multiply(new BigDecimal(health)).setScale(2, RoundingMode.DOWN);
        return call(account, equity, btc.maintenanceMargin(), usdtOnly(equity.subtract(btc.unrealizedPnl())),
                List.of(btc));
    }

    /** A BTCUSDT long with 1–10 USDT of equity per BTC: the 12 USDT fall to the latest mark takes it below zero. */
    private static MarginCallIssued bankrupt(String account, Random random) {
        PositionMark btc = mark("BTCUSDT", quantity(random, "0.1", "2"), BTC_MARK, new BigDecimal("62000"), BTC);
        BigDecimal equity = btc.size().multiply(BigDecimal.valueOf(1 + random.nextInt(10)));
        return call(account, equity, btc.maintenanceMargin(), usdtOnly(equity.subtract(btc.unrealizedPnl())),
                List.of(btc));
    }

    /** An ETHUSDT short a hair below maintenance: the 0.8 USDT fall to the latest mark lifts it back above. */
    private static MarginCallIssued recovering(String account, Random random) {
        BigDecimal size = quantity(random, "10", "50").negate();
        PositionMark eth = mark("ETHUSDT", size, ETH_MARK, new BigDecimal("3950"), ETH);
        BigDecimal gain = size.negate().multiply(new BigDecimal("0.8"));
        BigDecimal equity = eth.maintenanceMargin().subtract(gain.divide(TWO, 2, RoundingMode.DOWN));
        return call(account, equity, eth.maintenanceMargin(), usdtOnly(equity.subtract(eth.unrealizedPnl())),
                List.of(eth));
    }

    /** A position entered within 2% of the mark. */
    private static PositionMark mark(String symbol, BigDecimal size, BigDecimal mark, MarginBrackets brackets,
                                     Random random) {
        BigDecimal entry = mark.multiply(BigDecimal.valueOf(9_800 + random.nextInt(400), 4)).setScale(2,
                RoundingMode.HALF_EVEN);
        return mark(symbol, size, mark, entry, brackets);
    }

    private static PositionMark mark(String symbol, BigDecimal size, BigDecimal mark, BigDecimal entry,
                                     MarginBrackets brackets) {
        BigDecimal notional = size.abs().multiply(mark);
        return new PositionMark(symbol, size, entry, mark, notional, size.multiply(mark.subtract(entry)),
                brackets.maintenance(notional), MarginMode.CROSS, null, null);
    }

    private static List<CollateralValue> usdtOnly(BigDecimal usdt) {
        return List.of(new CollateralValue("USDT", usdt, BigDecimal.ONE, BigDecimal.ZERO, usdt));
    }

    private static MarginCallIssued call(String account, BigDecimal equity, BigDecimal maintenance,
                                         List<CollateralValue> collateral, List<PositionMark> positions) {
        return new MarginCallIssued(account, equity, maintenance, maintenance.multiply(TWO), collateral,
                positions, Map.of(), T0);
    }

    /** A base quantity between {@code low} and {@code high}, to 3 decimals. */
    private static BigDecimal quantity(Random random, String low, String high) {
        BigDecimal min = new BigDecimal(low);
        BigDecimal span = new BigDecimal(high).subtract(min);
        return min.add(span.multiply(BigDecimal.valueOf(random.nextDouble()))).setScale(3, RoundingMode.DOWN);
    }

    /**
     * The exchange fills the order at once in two trades, half 0.01% and the rest 0.02% through the latest mark
     * (never past the order's limit, the bankruptcy price).
     */
    private LiquidationOrderExecuted fillAtOnce(Liquidation l, Order order) {
        BigDecimal mark = marks.get(order.symbol());
        boolean sell = order.side() == Side.SELL;
        BigDecimal first = through(mark, "0.0001", sell, order.limitPrice());
        BigDecimal second = through(mark, "0.0002", sell, order.limitPrice());
        BigDecimal half = order.quantity().divide(TWO, order.quantity().scale(), RoundingMode.DOWN);
        List<ExecutionFill> fills = half.signum() == 0
                ? List.of(new ExecutionFill(order.id() + "/1", first, order.quantity()))
                : List.of(new ExecutionFill(order.id() + "/1", first, half),
                        new ExecutionFill(order.id() + "/2", second, order.quantity().subtract(half)));
        return new LiquidationOrderExecuted(order.id(), l.id(), order.symbol(), order.side(), fills, BigDecimal.ZERO);
    }

    private static BigDecimal through(BigDecimal mark, String fraction, boolean sell, BigDecimal limit) {
        BigDecimal move = mark.multiply(new BigDecimal(fraction));
        BigDecimal price = (sell ? mark.subtract(move) : mark.add(move)).setScale(2, RoundingMode.HALF_EVEN);
        return sell ? price.max(limit) : price.min(limit);
    }
}
