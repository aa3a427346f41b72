package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The robust index of one symbol from its venues' latest quotes. A source is left out when it has no
 * data, is stale, has a crossed book, a non-positive price, or lies farther than the outlier band from
 * the weighted median of all fresh sources; the index is the weighted median of those left in.
 * Stateless and thread-safe.
 */
public final class IndexAggregator {

    private final BigDecimal outlierBand;
    private final Duration maxAge;

    /**
     * @param outlierBand relative distance from the median beyond which a source is an outlier (0.05 = 5%)
     * @param maxAge      a quote older than this (by its venue time) is stale
     */
    public IndexAggregator(BigDecimal outlierBand, Duration maxAge) {
        this.outlierBand = outlierBand;
        this.maxAge = maxAge;
    }

    /**
     * @param weights the configured sources and their weights, in configuration order
     * @param latest  the latest quote of each venue (missing venues have sent nothing)
     */
    public IndexResult aggregate(Map<String, BigDecimal> weights, Map<String, VenueQuote> latest, Instant now) {
        List<SourceVerdict> verdicts = new ArrayList<>(weights.size());
        List<WeightedMedian.Point> fresh = new ArrayList<>(weights.size());
        for (Map.Entry<String, BigDecimal> source : weights.entrySet()) {
            VenueQuote quote = latest.get(source.getKey());
            Exclusion exclusion = null;
            BigDecimal price = null;
            if (quote == null) {
                exclusion = Exclusion.NO_DATA;
            } else {
                price = quote.price();
                if (Duration.between(quote.venueTime(), now).compareTo(maxAge) > 0) {
                    exclusion = Exclusion.STALE;
                } else if (quote.crossed()) {
                    exclusion = Exclusion.CROSSED_BOOK;
                } else if (price == null || price.signum() <= 0) {
                    exclusion = Exclusion.NON_POSITIVE;
                } else {
                    fresh.add(new WeightedMedian.Point(price, source.getValue()));
                }
            }
            verdicts.add(new SourceVerdict(source.getKey(), price, source.getValue(), exclusion,
                    quote == null ? null : quote.venueTime()));
        }
        BigDecimal median = WeightedMedian.of(fresh);
        List<WeightedMedian.Point> included = new ArrayList<>(fresh.size());
        List<BigDecimal> includedPrices = new ArrayList<>(fresh.size());
        if (median != null) {
            BigDecimal tolerance = median.multiply(outlierBand);
            for (int i = 0; i < verdicts.size(); i++) {
                SourceVerdict v = verdicts.get(i);
                if (v.exclusion() != null) {
                    continue;
                }
                if (v.price().subtract(median).abs().compareTo(tolerance) > 0) {
                    verdicts.set(i, new SourceVerdict(v.venue(), v.price(), v.weight(), Exclusion.OUTLIER, v.observedAt()));
                } else {
                    included.add(new WeightedMedian.Point(v.price(), v.weight()));
                    includedPrices.add(v.price());
                }
            }
        }
        BigDecimal index = WeightedMedian.of(included);
        return new IndexResult(index, confidence(includedPrices), List.copyOf(verdicts));
    }

    /** Pyth's dispersion: max(p50 - p25, p75 - p50) of the included prices. */
    static BigDecimal confidence(List<BigDecimal> prices) {
        if (prices.size() < 2) {
            return BigDecimal.ZERO;
        }
        BigDecimal p25 = WeightedMedian.percentile(prices, 0.25);
        BigDecimal p50 = WeightedMedian.percentile(prices, 0.50);
        BigDecimal p75 = WeightedMedian.percentile(prices, 0.75);
        return p50.subtract(p25).max(p75.subtract(p50));
    }
}
