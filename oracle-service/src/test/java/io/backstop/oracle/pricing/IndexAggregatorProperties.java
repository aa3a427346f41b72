package io.backstop.oracle.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * No minority of venues can move the index outside what the honest ones say: with 7 equally weighted
 * venues and any 3 of them quoting anything at all, the index stays within the honest venues' range.
 */
class IndexAggregatorProperties {

    private static final Instant NOW = Instant.parse("2025-10-10T21:40:00Z");
    private static final List<String> VENUES = List.of("v1", "v2", "v3", "v4", "v5", "v6", "v7");
    private final IndexAggregator aggregator = new IndexAggregator(new BigDecimal("0.05"), Duration.ofSeconds(10));

    @Property(tries = 2000)
    void threeManipulatedVenuesCannotPushTheIndexOutOfTheHonestRange(
            @ForAll("base") BigDecimal base, @ForAll("honestNoise") List<Integer> noiseBps,
            @ForAll("manipulated") List<BigDecimal> manipulated, @ForAll("threeOfSeven") List<Integer> liars) {
        Map<String, VenueQuote> latest = new TreeMap<>();
        BigDecimal honestMin = null;
        BigDecimal honestMax = null;
        int honest = 0;
        int lie = 0;
        for (int i = 0; i < VENUES.size(); i++) {
            BigDecimal price;
            if (liars.contains(i)) {
                price = manipulated.get(lie++);
            } else {
                price = base.multiply(BigDecimal.ONE.add(BigDecimal.valueOf(noiseBps.get(honest++), 4)));
                honestMin = honestMin == null ? price : honestMin.min(price);
                honestMax = honestMax == null ? price : honestMax.max(price);
            }
            latest.put(VENUES.get(i), new VenueQuote(VENUES.get(i), null, null, price, NOW, NOW));
        }

        IndexResult result = aggregator.aggregate(Specs.equalWeights(VENUES), latest, NOW);

        assertThat(result.index()).isNotNull();
        assertThat(result.index()).isBetween(honestMin, honestMax);
    }

    @Provide
    Arbitrary<BigDecimal> base() {
        return Arbitraries.bigDecimals().between(new BigDecimal("0.0001"), new BigDecimal("1000000")).ofScale(4);
    }

    /** Honest venues agree within +/-1% (basis points). */
    @Provide
    Arbitrary<List<Integer>> honestNoise() {
        return Arbitraries.integers().between(-100, 100).list().ofSize(4);
    }

    /** Liars quote anything positive, from a near-copy of the price to absurd values. */
    @Provide
    Arbitrary<List<BigDecimal>> manipulated() {
        return Arbitraries.oneOf(
                Arbitraries.bigDecimals().between(new BigDecimal("0.00000001"), new BigDecimal("10000000000"))
                        .ofScale(8),
                Arbitraries.of(new BigDecimal("0.00000001"), new BigDecimal("99999999999")))
                .list().ofSize(3);
    }

    @Provide
    Arbitrary<List<Integer>> threeOfSeven() {
        return Combinators.combine(Arbitraries.integers().between(0, 6), Arbitraries.integers().between(0, 6),
                        Arbitraries.integers().between(0, 6))
                .as(List::of).filter(l -> l.stream().distinct().count() == 3);
    }

    @Property(tries = 500)
    void theIndexAlwaysLiesWithinTheIncludedPrices(@ForAll @IntRange(min = 1, max = 7) int n,
                                                         @ForAll("prices") List<BigDecimal> prices) {
        List<String> venues = VENUES.subList(0, n);
        Map<String, VenueQuote> latest = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            latest.put(venues.get(i), new VenueQuote(venues.get(i), null, null, prices.get(i), NOW, NOW));
        }

        IndexResult result = aggregator.aggregate(Specs.equalWeights(venues), latest, NOW);

        List<BigDecimal> included = result.sources().stream().filter(SourceVerdict::included)
                .map(SourceVerdict::price).toList();
        if (included.isEmpty()) {
            // an even split wider than the band: the oracle will not pick a side
            assertThat(result.index()).isNull();
        } else {
            assertThat(result.index()).isBetween(Collections.min(included), Collections.max(included));
        }
    }

    @Provide
    Arbitrary<List<BigDecimal>> prices() {
        return Arbitraries.bigDecimals().between(new BigDecimal("1"), new BigDecimal("2")).ofScale(3).list().ofSize(7);
    }
}
