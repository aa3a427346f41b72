package io.backstop.margin.screen;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
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
 * The exact (BigDecimal) review of one account that the re-mark names: what each band change costs
 * the engine on top of the re-mark pass. The account holds USDT, BTC and ETH collateral and a BTC and
 * an ETH cross position, marked in the middle of their brackets.
 *
 * <p>Run: {@code ./backstop bench ReviewBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(2)
public class ReviewBenchmark {

    private RiskCalculator calculator;
    private MarginEngine margin;
    private TestSpecs.Prices prices;
    private Account account;

    @Setup
    public void setUp() {
        calculator = TestSpecs.calculator();
        margin = new MarginEngine(calculator, new BigDecimal("0.8"), UUID::randomUUID);
        prices = new TestSpecs.Prices().set("BTCUSDT", "60012.5").set("BTC", "60010.25").set("ETHUSDT", "4001.75")
                .set("ETH", "4000.5");
        account = new Account("bench", "USDT");
        account.deposit("USDT", new BigDecimal("25000"));
        account.deposit("BTC", new BigDecimal("0.35"));
        account.deposit("ETH", new BigDecimal("2.5"));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("1.25"), new BigDecimal("60100"), MarginMode.CROSS,
                new BigDecimal("3.75"), "USDT", null);
        account.trade("ETHUSDT", Side.SELL, new BigDecimal("20"), new BigDecimal("3990"), MarginMode.CROSS,
                new BigDecimal("1.5"), "USDT", null);
    }

    /** Equity, maintenance and initial margin, collateral and positions with liquidation prices. */
    @Benchmark
    public AccountRisk assess() {
        return calculator.assess(account, prices);
    }

    /** The same valuation plus the status decision per scope (what the engine runs per named account). */
    @Benchmark
    public Object review() {
        return margin.review(account, prices);
    }
}
