package io.backstop.oracle.pricing;

import io.backstop.events.market.VenueTickObserved;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * One venue tick taken and aggregated with 10 venues: the full per-tick path of the oracle's core
 * (route, accept, weighted median with outlier and staleness checks, confidence, TWAP, mark basis,
 * publication decision), and the aggregation alone.
 *
 * <p>Run: {@code ./backstop bench IndexAggregation}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(2)
public class IndexAggregationBenchmark {

    private static final int VENUES = 10;

    private final SteppingClock clock = new SteppingClock();
    private PricingEngine engine;
    private VenueTickObserved[] ticks;
    private IndexAggregator aggregator;
    private Map<String, BigDecimal> weights;
    private Map<String, VenueQuote> quotes;
    private int next;

    @Setup
    public void setUp() {
        List<String> venues = new ArrayList<>();
        weights = new LinkedHashMap<>();
        quotes = new LinkedHashMap<>();
        for (int i = 0; i < VENUES; i++) {
            venues.add("venue" + i);
            weights.put("venue" + i, BigDecimal.ONE);
        }
        SymbolSpec btc = SymbolSpec.builder("BTC", SymbolSpec.Kind.AGGREGATED).venues(weights).naiveVenue("venue0")
                .build();
        SymbolSpec perp = SymbolSpec.builder("BTCUSDT", SymbolSpec.Kind.DERIVED).indexFrom("BTC")
                .perp("BTCUSDT-PERP", java.util.Set.of("exchange")).build();
        engine = new PricingEngine(List.of(btc, perp), clock, OracleObserver.NONE);
        engine.publishTo(price -> { });
        java.util.Random random = new java.util.Random(1);
        ticks = new VenueTickObserved[4096];
        for (int i = 0; i < ticks.length; i++) {
            BigDecimal price = BigDecimal.valueOf(6_500_000 + random.nextInt(2_000), 2);
            ticks[i] = new VenueTickObserved("venue" + (i % VENUES), "BTC", null, null, price, Instant.EPOCH);
        }
        for (int i = 0; i < VENUES; i++) {
            quotes.put("venue" + i, new VenueQuote("venue" + i, null, null, ticks[i].last(), clock.instant(),
                    clock.instant()));
        }
        aggregator = new IndexAggregator(new BigDecimal("0.05"), java.time.Duration.ofSeconds(10));
    }

    /** One tick through the engine: accept, aggregate 10 venues, TWAP, the derived perpetual's mark, publish decision. */
    @Benchmark
    public TickOutcome tickThroughEngine() {
        clock.step();
        VenueTickObserved template = ticks[next++ & (ticks.length - 1)];
        return engine.onTick(new VenueTickObserved(template.venue(), "BTC", null, null, template.last(),
                clock.instant()));
    }

    /** The weighted median with staleness and outlier checks over 10 fresh venues, alone. */
    @Benchmark
    public void aggregateTenVenues(Blackhole bh) {
        bh.consume(aggregator.aggregate(weights, quotes, clock.instant()));
    }

    /** A clock that moves 1 ms per tick, so quotes stay fresh and windows slide. */
    static final class SteppingClock extends Clock {
        private long millis = Instant.parse("2025-10-10T21:00:00Z").toEpochMilli();

        void step() {
            millis++;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
