package io.backstop.oracle.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IndexAggregatorTest {

    private static final Instant NOW = Instant.parse("2025-10-10T21:40:00Z");
    private final IndexAggregator aggregator = new IndexAggregator(new BigDecimal("0.05"), Duration.ofSeconds(10));

    @Test
    void oneVenueAtSixtyFiveAmongSixAtOneIsAnOutlierAndCannotMoveTheIndex() {
        List<String> venues = List.of("binance", "okx", "bybit", "coinbase", "kraken", "bitget", "gate");
        Map<String, VenueQuote> latest = new LinkedHashMap<>();
        venues.forEach(v -> latest.put(v, quote(v, "1.00", NOW)));
        latest.put("binance", quote("binance", "0.65", NOW));

        IndexResult result = aggregator.aggregate(Specs.equalWeights(venues), latest, NOW);

        assertThat(result.index()).isEqualByComparingTo("1.00");
        assertThat(result.sources()).filteredOn(s -> s.venue().equals("binance")).singleElement()
                .satisfies(s -> {
                    assertThat(s.exclusion()).isEqualTo(Exclusion.OUTLIER);
                    assertThat(s.price()).isEqualByComparingTo("0.65");
                    assertThat(s.effectiveWeight()).isZero();
                });
        assertThat(result.included()).isEqualTo(6);
        assertThat(result.confidence()).isEqualByComparingTo("0");
    }

    @Test
    void staleCrossedAndSilentSourcesAreLeftOutWithTheirReason() {
        Map<String, BigDecimal> weights = Specs.equalWeights(List.of("a", "b", "c", "d", "e"));
        Map<String, VenueQuote> latest = new LinkedHashMap<>();
        latest.put("a", quote("a", "100", NOW));
        latest.put("b", quote("b", "101", NOW.minusSeconds(11)));
        latest.put("c", new VenueQuote("c", new BigDecimal("102"), new BigDecimal("101"), new BigDecimal("101.5"),
                NOW, NOW));
        latest.put("e", quote("e", "102", NOW.minusSeconds(10)));

        IndexResult result = aggregator.aggregate(weights, latest, NOW);

        assertThat(result.sources()).extracting(SourceVerdict::venue, SourceVerdict::exclusion).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a", null),
                org.assertj.core.groups.Tuple.tuple("b", Exclusion.STALE),
                org.assertj.core.groups.Tuple.tuple("c", Exclusion.CROSSED_BOOK),
                org.assertj.core.groups.Tuple.tuple("d", Exclusion.NO_DATA),
                org.assertj.core.groups.Tuple.tuple("e", null));
        assertThat(result.index()).isEqualByComparingTo("101");
        assertThat(result.fresh()).isEqualTo(2);
    }

    @Test
    void theMidOfASaneBookIsTheVenuePrice() {
        VenueQuote quote = new VenueQuote("a", new BigDecimal("99.5"), new BigDecimal("100.5"), new BigDecimal("90"),
                NOW, NOW);

        assertThat(quote.price()).isEqualByComparingTo("100");
    }

    @Test
    void heavierVenuesPullTheWeightedMedian() {
        Map<String, BigDecimal> weights = new LinkedHashMap<>();
        weights.put("big", new BigDecimal("3"));
        weights.put("small1", BigDecimal.ONE);
        weights.put("small2", BigDecimal.ONE);
        Map<String, VenueQuote> latest = Map.of("big", quote("big", "100.00", NOW), "small1",
                quote("small1", "101.00", NOW), "small2", quote("small2", "102.00", NOW));

        assertThat(aggregator.aggregate(weights, latest, NOW).index()).isEqualByComparingTo("100.00");
    }

    @Test
    void anEvenSplitOfWeightTakesTheMeanOfTheTwoMiddlePrices() {
        Map<String, VenueQuote> latest = Map.of("a", quote("a", "100", NOW), "b", quote("b", "102", NOW));

        assertThat(aggregator.aggregate(Specs.equalWeights(List.of("a", "b")), latest, NOW).index())
                .isEqualByComparingTo("101");
    }

    @Test
    void confidenceIsTheWiderHalfOfTheInterquartileRange() {
        // linear interpolation: p25 = 100.75, p50 = 101, p75 = 101.75 -> max(0.25, 0.75)
        assertThat(IndexAggregator.confidence(List.of(new BigDecimal("100"), new BigDecimal("101"),
                new BigDecimal("101"), new BigDecimal("104")))).isEqualByComparingTo("0.75");
    }

    static VenueQuote quote(String venue, String last, Instant at) {
        return new VenueQuote(venue, null, null, new BigDecimal(last), at, at);
    }
}
