package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Symbol specs with the documented defaults, for tests. */
final class Specs {

    private Specs() {
    }

    static Map<String, BigDecimal> equalWeights(List<String> venues) {
        Map<String, BigDecimal> weights = new LinkedHashMap<>();
        venues.forEach(v -> weights.put(v, BigDecimal.ONE));
        return weights;
    }

    static SymbolSpec.Builder aggregated(String symbol, List<String> venues) {
        return SymbolSpec.builder(symbol, SymbolSpec.Kind.AGGREGATED).venues(equalWeights(venues))
                .naiveVenue(venues.get(0));
    }

    static SymbolSpec.Builder wrapped(String symbol, String underlying, String rateSource, String maxYearlyGrowth,
                                      List<String> marketVenues) {
        return SymbolSpec.builder(symbol, SymbolSpec.Kind.WRAPPED).underlying(underlying).rateSource(rateSource)
                .maxYearlyRateGrowth(new BigDecimal(maxYearlyGrowth)).marketVenues(new LinkedHashSet<>(marketVenues))
                .naiveVenue(marketVenues.get(0));
    }

    static SymbolSpec.Builder derived(String symbol, String indexFrom) {
        return SymbolSpec.builder(symbol, SymbolSpec.Kind.DERIVED).indexFrom(indexFrom);
    }
}
