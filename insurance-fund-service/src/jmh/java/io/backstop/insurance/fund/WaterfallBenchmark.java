package io.backstop.insurance.fund;

import io.backstop.events.PositionSide;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.AdlQueue;
import io.backstop.insurance.waterfall.AdlRanking;
import io.backstop.insurance.waterfall.FundSnapshot;
import io.backstop.insurance.waterfall.Shortfall;
import io.backstop.insurance.waterfall.Waterfall;
import io.backstop.insurance.waterfall.WaterfallPolicy;
import io.backstop.insurance.waterfall.WaterfallResult;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
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
 * One bankrupt remainder through the insurance fund's waterfall against 1,000 opposite positions, the shipped
 * policy (Binance ranking, money and quantities to 8 decimals): {@code rankQueue} orders the 1,000 longs into the
 * ADL queue alone ({@link AdlQueue}); {@code waterfall} is the pure decision ({@link Waterfall}: the fund takes what
 * its capacity allows, the rest is deleveraged down the queue); {@code resolveShortfall} is what insurance-fund-service
 * decides per shortfall ({@link ShortfallDecider}: the waterfall booked on the fund's book as ledger transactions, one
 * ADL request per counterparty, the decision record {@code GET /api/v1/waterfall/{id}} shows).
 *
 * <p>The inputs (seed 19): a 100 BTC short bankrupt at 60,050 with BTCUSDT marked at 60,000, no deficit; a fund of
 * 1,000,000 USDT that may hold 5% of it (0.83 BTC) and no operator guarantee; 1,000 BTCUSDT longs of 0.01–0.5 BTC
 * entered at 55,000–62,000 (some at a loss, which rank last), wallets 1,000–50,000 USDT. The ADL step closes 99.17 BTC
 * from the first 289 positions of the queue (setup prints it).
 *
 * <p>Run: {@code ./backstop bench WaterfallBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(2)
public class WaterfallBenchmark {

    static final int CANDIDATES = 1_000;
    static final Instant T0 = Instant.parse("2025-10-10T21:00:00Z");
    static final BigDecimal MARK = new BigDecimal("60000");
    static final BigDecimal FUND_BALANCE = new BigDecimal("1000000");

    private final WaterfallPolicy policy = new WaterfallPolicy("USDT", AdlRanking.BINANCE, 8, 8);
    private final Waterfall waterfall = new Waterfall(policy);
    private final ShortfallDecider decider = new ShortfallDecider(policy);
    private final FundTerms terms = new FundTerms(List.of("BTCUSDT", "ETHUSDT"), new BigDecimal("0.05"), null);
    private final UUID eventId = UUID.nameUUIDFromBytes("shortfall-event".getBytes());

    private List<AdlCandidate> longs;
    private LiquidationShortfallRaised raised;
    private Shortfall shortfall;
    private FundSnapshot fund;

    @Setup
    public void setUp() {
        Random random = new Random(19);
        longs = new ArrayList<>(CANDIDATES);
        for (int i = 0; i < CANDIDATES; i++) {
            BigDecimal size = BigDecimal.valueOf(10 + random.nextInt(491), 3);
            BigDecimal entry = BigDecimal.valueOf(55_000 + random.nextInt(7_001));
            BigDecimal upnl = size.multiply(MARK.subtract(entry));
            BigDecimal wallet = BigDecimal.valueOf(1_000 + random.nextInt(49_001));
            BigDecimal equity = wallet.add(upnl);
            BigDecimal maintenance = size.multiply(MARK).multiply(new BigDecimal("0.004"));
            BigDecimal marginRatio = equity.signum() > 0 ? maintenance.divide(equity, 12, RoundingMode.HALF_EVEN) : null;
            longs.add(new AdlCandidate(String.format("acct-%04d", i), size, entry, MARK, upnl, wallet, equity,
                    marginRatio));
        }
        raised = new LiquidationShortfallRaised(UUID.nameUUIDFromBytes("shortfall".getBytes()),
                UUID.nameUUIDFromBytes("liquidation".getBytes()), UUID.nameUUIDFromBytes("call".getBytes()),
                "bankrupt", "BTCUSDT", PositionSide.SHORT, new BigDecimal("100"), new BigDecimal("60050"), MARK,
                BigDecimal.ZERO);
        shortfall = new Shortfall(raised.shortfallId(), raised.accountId(), raised.symbol(), raised.positionSide(),
                raised.remainingQuantity(), raised.bankruptcyPrice(), MARK, raised.deficit());
        fund = new FundSnapshot("majors", FUND_BALANCE, BigDecimal.ZERO, terms.capacityFraction(), false);
        WaterfallResult r = waterfall();
        System.out.printf("%ntaken over %s BTC, deleveraged %s BTC from %d of %d longs%n",
                r.takenOver().stripTrailingZeros().toPlainString(), r.adlQuantity().stripTrailingZeros().toPlainString(),
                r.adl().size(), CANDIDATES);
    }

    /** The 1,000 longs scored and ordered into the ADL queue. */
    @Benchmark
    public List<AdlQueue.Ranked> rankQueue() {
        return AdlQueue.rank(longs, policy.ranking());
    }

    /** The waterfall's decision: takeover within capacity, then ADL down the ranked queue. */
    @Benchmark
    public WaterfallResult waterfall() {
        return waterfall.resolve(shortfall, fund, longs, Map.of());
    }

    /** The decision booked on a fresh fund book (as the desk loads it): ledger, events and decision record. */
    @Benchmark
    public ShortfallDecider.Resolution resolveShortfall() {
        FundBook book = new FundBook("majors", "USDT", FUND_BALANCE, Map.of());
        return decider.resolve(eventId, raised, book, terms, Map.of("BTCUSDT", MARK), MARK,
                new BigDecimal("250000000"), longs, Map.of(), T0);
    }
}
