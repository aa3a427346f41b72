package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How one symbol is priced. Built and validated from configuration; see {@code OracleProperties}.
 *
 * @param venues           AGGREGATED: the index sources and their weights, in order
 * @param indexFrom        DERIVED: the symbol whose index this one uses (a perpetual on a spot index)
 * @param underlying       WRAPPED: the asset it redeems for
 * @param rateSource       WRAPPED: the only source whose conversion rates are accepted
 * @param maxYearlyRateGrowth WRAPPED: the most the rate may grow per year since the last accepted one (0.15 = 15%)
 * @param marketVenues     venues quoting a wrapped asset's own pair: shown, never used (robust mode)
 * @param perpSymbol       the tick symbol of this instrument's perpetual quotes, or null for none
 * @param perpVenues       venues whose perpetual quotes make the mark's basis
 * @param naiveVenue       NAIVE mode: the single venue whose last trade is the price
 * @param maxAge           a source older than this is stale
 * @param outlierBand      relative distance from the median that makes a source an outlier
 * @param quorum           trusted sources needed for status OK
 * @param markWindow       window of the basis' time-weighted average
 * @param markBand         the mark stays within index x (1 +/- markBand)
 * @param twapWindow       window of the index TWAP
 * @param deviation        relative move of index or mark that triggers a publication
 * @param heartbeat        longest time between publications
 * @param floor            lowest index published (stablecoins, optional), or null
 * @param scale            decimal places of published prices
 * @param futureTolerance  how far ahead of the oracle's clock a venue time (or a wrapped asset's rate) may be
 */
public record SymbolSpec(String symbol, Kind kind, Mode mode, Map<String, BigDecimal> venues, String indexFrom,
                         String underlying, String rateSource, BigDecimal maxYearlyRateGrowth,
                         Set<String> marketVenues, String perpSymbol, Set<String> perpVenues, String naiveVenue,
                         Duration maxAge, BigDecimal outlierBand, int quorum, Duration markWindow,
                         BigDecimal markBand, Duration twapWindow, BigDecimal deviation, Duration heartbeat,
                         BigDecimal floor, int scale, Duration futureTolerance) {

    public enum Kind {
        /** Index from its own venues. */
        AGGREGATED,
        /** Index of another symbol (a perpetual on a spot index), with its own mark. */
        DERIVED,
        /** Underlying index x capped conversion rate (wBETH, stETH...). */
        WRAPPED
    }

    public enum Mode {
        ROBUST,
        /** The last trade of one venue, no smoothing, no exclusions: only for the stress lab's comparison. */
        NAIVE
    }

    public boolean naive() {
        return mode == Mode.NAIVE;
    }

    /** A builder with the documented defaults: robust, 10 s max age, 5% outlier band, quorum 3... */
    public static Builder builder(String symbol, Kind kind) {
        return new Builder(symbol, kind);
    }

    public Builder toBuilder() {
        Builder b = new Builder(symbol, kind);
        b.mode = mode;
        b.venues = venues;
        b.indexFrom = indexFrom;
        b.underlying = underlying;
        b.rateSource = rateSource;
        b.maxYearlyRateGrowth = maxYearlyRateGrowth;
        b.marketVenues = marketVenues;
        b.perpSymbol = perpSymbol;
        b.perpVenues = perpVenues;
        b.naiveVenue = naiveVenue;
        b.maxAge = maxAge;
        b.outlierBand = outlierBand;
        b.quorum = quorum;
        b.markWindow = markWindow;
        b.markBand = markBand;
        b.twapWindow = twapWindow;
        b.deviation = deviation;
        b.heartbeat = heartbeat;
        b.floor = floor;
        b.scale = scale;
        b.futureTolerance = futureTolerance;
        return b;
    }

    public static final class Builder {
        private final String symbol;
        private final Kind kind;
        private Mode mode = Mode.ROBUST;
        private Map<String, BigDecimal> venues = Map.of();
        private String indexFrom;
        private String underlying;
        private String rateSource;
        private BigDecimal maxYearlyRateGrowth;
        private Set<String> marketVenues = Set.of();
        private String perpSymbol;
        private Set<String> perpVenues = Set.of();
        private String naiveVenue;
        private Duration maxAge = Duration.ofSeconds(10);
        private BigDecimal outlierBand = new BigDecimal("0.05");
        private int quorum = 3;
        private Duration markWindow = Duration.ofSeconds(150);
        private BigDecimal markBand = new BigDecimal("0.005");
        private Duration twapWindow = Duration.ofMinutes(5);
        private BigDecimal deviation = new BigDecimal("0.0005");
        private Duration heartbeat = Duration.ofSeconds(1);
        private BigDecimal floor;
        private int scale = 8;
        private Duration futureTolerance = Duration.ofSeconds(2);

        private Builder(String symbol, Kind kind) {
            this.symbol = symbol;
            this.kind = kind;
        }

        public Builder mode(Mode value) { mode = value; return this; }
        public Builder venues(Map<String, BigDecimal> value) { venues = value; return this; }
        public Builder indexFrom(String value) { indexFrom = value; return this; }
        public Builder underlying(String value) { underlying = value; return this; }
        public Builder rateSource(String value) { rateSource = value; return this; }
        public Builder maxYearlyRateGrowth(BigDecimal value) { maxYearlyRateGrowth = value; return this; }
        public Builder marketVenues(Set<String> value) { marketVenues = value; return this; }
        public Builder perp(String symbol, Set<String> venues) { perpSymbol = symbol; perpVenues = venues; return this; }
        public Builder naiveVenue(String value) { naiveVenue = value; return this; }
        public Builder maxAge(Duration value) { maxAge = value; return this; }
        public Builder outlierBand(BigDecimal value) { outlierBand = value; return this; }
        public Builder quorum(int value) { quorum = value; return this; }
        public Builder markWindow(Duration value) { markWindow = value; return this; }
        public Builder markBand(BigDecimal value) { markBand = value; return this; }
        public Builder twapWindow(Duration value) { twapWindow = value; return this; }
        public Builder deviation(BigDecimal value) { deviation = value; return this; }
        public Builder heartbeat(Duration value) { heartbeat = value; return this; }
        public Builder floor(BigDecimal value) { floor = value; return this; }
        public Builder scale(int value) { scale = value; return this; }
        public Builder futureTolerance(Duration value) { futureTolerance = value; return this; }

        public SymbolSpec build() {
            return new SymbolSpec(symbol, kind, mode, venues, indexFrom, underlying, rateSource, maxYearlyRateGrowth,
                    marketVenues, perpSymbol, perpVenues, naiveVenue, maxAge, outlierBand, quorum, markWindow,
                    markBand, twapWindow, deviation, heartbeat, floor, scale, futureTolerance);
        }
    }
}
