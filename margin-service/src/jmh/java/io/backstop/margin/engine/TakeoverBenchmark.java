package io.backstop.margin.engine;

import io.backstop.margin.config.SeedCommand;
import io.backstop.margin.decision.SnapshotSchedule;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.seed.SeedPopulation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A takeover's first review: an instance holds the accounts it just loaded (as {@code ./backstop seed} makes them, over
 * the shipped markets, 3.125 positions an account) and the first prices arrive; the engine works the whole backlog
 * off, as its rounds would. The score is one takeover of {@code accounts}: divided by them, what each account's first
 * review costs the engine's thread.
 *
 * <p>Run: {@code ./backstop bench TakeoverBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
public class TakeoverBenchmark {

    private static final Instant NOW = Instant.parse("2025-10-10T21:00:00Z");

    @Param("200000")
    int accounts;

    private MarginEngine margin;
    private SeedPopulation population;
    private List<Quote> firstPrices;
    private AccountReads reads;
    private HeldAccounts held;

    @Setup(Level.Trial)
    public void population() {
        SeedCommand.Shipped shipped = SeedCommand.shipped();
        margin = new MarginEngine(shipped.calculator(), new BigDecimal("0.8"), UUID::randomUUID);
        population = new SeedPopulation(new SeedPopulation.Spec(accounts, accounts * 25L / 8, 1,
                SeedPopulation.REFERENCE_PRICES), shipped.calculator(), shipped.settlementAsset());
        firstPrices = new ArrayList<>();
        for (String symbol : new TreeSet<>(SeedPopulation.REFERENCE_PRICES.keySet())) {
            population.prices().quote(symbol).ifPresent(firstPrices::add);
        }
    }

    /** A fresh instance holding the stored accounts, as a takeover's load leaves it (not timed). */
    @Setup(Level.Invocation)
    public void loaded() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        reads = new AccountReads(margin, "USDT", meters);
        held = new HeldAccounts(margin, reads, new SnapshotSchedule(Duration.ofSeconds(1)),
                Clock.fixed(NOW, ZoneOffset.UTC), meters);
        for (int i = 0; i < accounts; i++) {
            held.loaded(population.account(i, 1));
        }
    }

    /** The first prices, then rounds of {@link AccountEngine#REVIEWS_PER_ROUND} until no account waits. */
    @Benchmark
    public int firstReview() {
        Batch prices = new Batch(held);
        for (Quote quote : firstPrices) {
            reads.price(quote);
            held.remark(quote, prices);
        }
        int events = prices.events.size();
        while (held.reviewsDue()) {
            Batch round = new Batch(held);
            held.reviewBacklog(round, AccountEngine.REVIEWS_PER_ROUND);
            events += round.events.size();
        }
        return events;
    }
}
