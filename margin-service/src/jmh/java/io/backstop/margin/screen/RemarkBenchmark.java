package io.backstop.margin.screen;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One price tick on the largest symbol at Backstop's scale target: 1.6 million accounts holding 5
 * million positions (BTCUSDT 1.6M, ETHUSDT 1.5M, SOLUSDT 1.2M, BNBUSDT 0.7M), every account also
 * holding BTC collateral. {@code remarkLargestSymbol} re-marks every BTCUSDT position (PnL and tiered
 * maintenance of its scope, band check); {@code scanFloor} sums the same number of longs, the memory
 * bandwidth floor of any per-position pass. Goal: the re-mark within 100 ms and within 2x the floor.
 * {@code jumpLargestSymbol} is the bad day: BTCUSDT jumps 2% on every tick; the pass costs the same,
 * and the number of scopes whose band changed (each reviewed exactly by the engine) is printed.
 * {@code order}: how the screen was filled. {@code loaded}: every scope registered once, in slot order, as a first
 * load does. {@code reviewed}: then every scope cleared and registered again, in a random order, as reviews in
 * any order but the tables' do (fills, commands; the screen keeps each entry in place, so this stays in slot order). {@code shuffled}: every scope
 * registered once in a random order, so each table is walked in no order (what reviews left before entries were
 * kept in place).
 *
 * <p>Run: {@code ./backstop bench RemarkBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgs = {"-Xms3g", "-Xmx3g"})
public class RemarkBenchmark {

    static final int ACCOUNTS = 1_600_000;
    static final String[] SYMBOLS = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"};
    static final int[] HOLDERS = {1_600_000, 1_500_000, 1_200_000, 700_000};
    static final double[] PRICES = {60_000, 4_000, 150, 600};

    /** How the screen was filled: {@code loaded}, {@code reviewed} or {@code shuffled} (see above). */
    @Param({"loaded", "reviewed", "shuffled"})
    public String order;

    private RiskScreen screen;
    private long[] floor;
    private double btc = 60_000;
    private long changed;
    private long ticks;

    @Setup
    public void setUp() {
        screen = new RiskScreen(0.8);
        RiskScreen.Tiers tiers = new RiskScreen.Tiers(new double[] {0, 50_000, 600_000, 3_000_000, 12_000_000},
                new double[] {0.004, 0.005, 0.01, 0.025, 0.05}, new double[] {0, 50, 3_050, 48_050, 348_050});
        for (int s = 0; s < SYMBOLS.length; s++) {
            screen.symbol(SYMBOLS[s], tiers, PRICES[s], PRICES[s]);
        }
        screen.symbol("BTC", null, 60_000, 60_000);
        Random random = new Random(5);
        double[][] sizes = new double[SYMBOLS.length][ACCOUNTS];
        double[] collaterals = new double[ACCOUNTS];
        double[] equities = new double[ACCOUNTS];
        double[] maintenances = new double[ACCOUNTS];
        for (int account = 0; account < ACCOUNTS; account++) {
            double maintenance = 0;
            for (int s = 0; s < SYMBOLS.length; s++) {
                // the first HOLDERS[s] accounts in a shuffled-looking order hold the symbol
                if ((account * 2_654_435_761L & 0xFFFFFFFFL) % ACCOUNTS < HOLDERS[s]) {
                    double notional = 500 + random.nextDouble() * 100_000;
                    sizes[s][account] = (random.nextBoolean() ? 1 : -1) * notional / PRICES[s];
                    maintenance += tiers.maintenance(notional);
                }
            }
            collaterals[account] = random.nextDouble() * 0.5;
            equities[account] = maintenance * (1.3 + random.nextDouble() * 10);
            maintenances[account] = maintenance;
        }
        int[] inOrder = new int[ACCOUNTS];
        for (int i = 0; i < ACCOUNTS; i++) {
            inOrder[i] = i;
        }
        int[] shuffled = inOrder.clone();
        for (int i = ACCOUNTS - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = swap;
        }
        register(order.equals("shuffled") ? shuffled : inOrder, sizes, collaterals, equities, maintenances);
        if (order.equals("reviewed")) {
            register(shuffled, sizes, collaterals, equities, maintenances);
        }
        floor = new long[HOLDERS[0]];
        for (int i = 0; i < floor.length; i++) {
            floor[i] = random.nextLong();
        }
    }

    /** Registers the scopes in this order, each as a review does: cleared, then its exposures and figures. */
    private void register(int[] order, double[][] sizes, double[] collaterals, double[] equities,
                          double[] maintenances) {
        for (int account : order) {
            screen.clear(account);
            for (int s = 0; s < SYMBOLS.length; s++) {
                if (sizes[s][account] != 0) {
                    screen.addPosition(SYMBOLS[s], account, sizes[s][account]);
                }
            }
            screen.addCollateral("BTC", account, collaterals[account]);
            screen.reset(account, equities[account], maintenances[account]);
        }
    }

    /** One BTCUSDT tick (alternating +/-0.05%): every BTCUSDT position re-marked, bands checked. */
    @Benchmark
    public long remarkLargestSymbol() {
        btc = btc == 60_000 ? 60_030 : 60_000;
        screen.onPrice("BTCUSDT", btc, btc, slot -> changed++);
        return changed;
    }

    /** The bad day: BTCUSDT jumps by 2% (alternating 60,000 and 58,800) on every tick. */
    @Benchmark
    public long jumpLargestSymbol() {
        btc = btc == 60_000 ? 58_800 : 60_000;
        ticks++;
        screen.onPrice("BTCUSDT", btc, btc, slot -> changed++);
        return changed;
    }

    @org.openjdk.jmh.annotations.TearDown
    public void report() {
        if (ticks > 0) {
            System.out.printf("%n%.0f band changes per 2%% jump%n", (double) changed / ticks);
        }
    }

    /** The floor: one pass over as many longs as there are BTCUSDT positions. */
    @Benchmark
    public long scanFloor() {
        long sum = 0;
        for (long value : floor) {
            sum += value;
        }
        return sum;
    }
}
