package io.backstop.oracle.config;

import io.backstop.oracle.pricing.SymbolSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The oracle's configuration, under {@code backstop.oracle}. Each symbol is exactly one of: an index
 * of its own {@code venues}; {@code index-from} another symbol (a perpetual on a spot index, usually
 * with a {@code perp} for its mark); or a {@code wrapped} asset priced as underlying x capped rate.
 * Unset per-symbol settings take {@code defaults}. {@link OracleConfiguration#specs} validates it all
 * at start and names every problem.
 */
@ConfigurationProperties("backstop.oracle")
public class OracleProperties {

    /** ROBUST (the default) or NAIVE for every symbol that does not set its own. */
    private SymbolSpec.Mode mode = SymbolSpec.Mode.ROBUST;

    /** How often every symbol is re-evaluated without ticks (staleness, heartbeats). */
    private Duration evaluationInterval = Duration.ofMillis(100);

    /** How long price history is kept in PostgreSQL. */
    private Duration historyRetention = Duration.ofDays(30);

    private final Defaults defaults = new Defaults();

    private Map<String, Symbol> symbols = new LinkedHashMap<>();

    public SymbolSpec.Mode getMode() {
        return mode;
    }

    public void setMode(SymbolSpec.Mode mode) {
        this.mode = mode;
    }

    /**
     * How often, on the system clock, the pricers' state (quotes, windows) is saved for a restart; on simulated
     * time it is saved with every step's prices.
     */
    private Duration stateSaveInterval = Duration.ofSeconds(5);

    public Duration getStateSaveInterval() {
        return stateSaveInterval;
    }

    public void setStateSaveInterval(Duration stateSaveInterval) {
        this.stateSaveInterval = stateSaveInterval;
    }

    public Duration getEvaluationInterval() {
        return evaluationInterval;
    }

    public void setEvaluationInterval(Duration evaluationInterval) {
        this.evaluationInterval = evaluationInterval;
    }

    public Duration getHistoryRetention() {
        return historyRetention;
    }

    public void setHistoryRetention(Duration historyRetention) {
        this.historyRetention = historyRetention;
    }

    public Defaults getDefaults() {
        return defaults;
    }

    public Map<String, Symbol> getSymbols() {
        return symbols;
    }

    public void setSymbols(Map<String, Symbol> symbols) {
        this.symbols = symbols;
    }

    /**
     * The tunable settings of a symbol's pricing. In {@link Defaults} they hold the documented defaults;
     * in a {@link Symbol} they are null unless the symbol overrides them.
     */
    public static class Tuning {
        /** A source quote older than this is stale (Binance's index: 10 s). */
        private Duration maxAge;
        /** A source farther than this from the median is an outlier (0.05 = 5%). */
        private BigDecimal outlierBand;
        /** Trusted sources needed for status OK. */
        private Integer quorum;
        /** Window of the perpetual basis' time-weighted average. */
        private Duration markWindow;
        /** The mark stays within index x (1 +/- this). */
        private BigDecimal markBand;
        /** Window of the index TWAP. */
        private Duration twapWindow;
        /** Relative move of index or mark that triggers a publication. */
        private BigDecimal deviation;
        /** Longest time between publications. */
        private Duration heartbeat;
        /** Decimal places of published prices. */
        private Integer scale;

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        public BigDecimal getOutlierBand() {
            return outlierBand;
        }

        public void setOutlierBand(BigDecimal outlierBand) {
            this.outlierBand = outlierBand;
        }

        public Integer getQuorum() {
            return quorum;
        }

        public void setQuorum(Integer quorum) {
            this.quorum = quorum;
        }

        public Duration getMarkWindow() {
            return markWindow;
        }

        public void setMarkWindow(Duration markWindow) {
            this.markWindow = markWindow;
        }

        public BigDecimal getMarkBand() {
            return markBand;
        }

        public void setMarkBand(BigDecimal markBand) {
            this.markBand = markBand;
        }

        public Duration getTwapWindow() {
            return twapWindow;
        }

        public void setTwapWindow(Duration twapWindow) {
            this.twapWindow = twapWindow;
        }

        public BigDecimal getDeviation() {
            return deviation;
        }

        public void setDeviation(BigDecimal deviation) {
            this.deviation = deviation;
        }

        public Duration getHeartbeat() {
            return heartbeat;
        }

        public void setHeartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
        }

        public Integer getScale() {
            return scale;
        }

        public void setScale(Integer scale) {
            this.scale = scale;
        }
    }

    /** Settings a symbol inherits unless it sets its own. */
    public static class Defaults extends Tuning {
        /** How far ahead of the oracle's clock a venue time, or a conversion rate's observation, may be. */
        private Duration futureTolerance = Duration.ofSeconds(2);

        public Defaults() {
            setMaxAge(Duration.ofSeconds(10));
            setOutlierBand(new BigDecimal("0.05"));
            setQuorum(3);
            setMarkWindow(Duration.ofSeconds(150));
            setMarkBand(new BigDecimal("0.005"));
            setTwapWindow(Duration.ofMinutes(5));
            setDeviation(new BigDecimal("0.0005"));
            setHeartbeat(Duration.ofSeconds(1));
            setScale(8);
        }

        public Duration getFutureTolerance() {
            return futureTolerance;
        }

        public void setFutureTolerance(Duration futureTolerance) {
            this.futureTolerance = futureTolerance;
        }
    }

    /** One symbol; unset numbers take {@link Defaults}. */
    public static class Symbol extends Tuning {
        private SymbolSpec.Mode mode;
        /** NAIVE mode: the one venue read (default: the first venue, or the first market venue). */
        private String naiveVenue;
        /** Index sources and their weights, for example {@code {binance: 1, okx: 1}}. */
        private Map<String, BigDecimal> venues = new LinkedHashMap<>();
        /** Use another symbol's index (a perpetual on a spot index). */
        private String indexFrom;
        private Wrapped wrapped;
        /** Venues quoting a wrapped asset's own pair: shown as marketPrice, never used (robust mode). */
        private List<String> marketVenues = new ArrayList<>();
        private Perp perp;
        /** Lowest index published, for a stablecoin (optional). */
        private BigDecimal floor;

        public SymbolSpec.Mode getMode() {
            return mode;
        }

        public void setMode(SymbolSpec.Mode mode) {
            this.mode = mode;
        }

        public String getNaiveVenue() {
            return naiveVenue;
        }

        public void setNaiveVenue(String naiveVenue) {
            this.naiveVenue = naiveVenue;
        }

        public Map<String, BigDecimal> getVenues() {
            return venues;
        }

        public void setVenues(Map<String, BigDecimal> venues) {
            this.venues = venues;
        }

        public String getIndexFrom() {
            return indexFrom;
        }

        public void setIndexFrom(String indexFrom) {
            this.indexFrom = indexFrom;
        }

        public Wrapped getWrapped() {
            return wrapped;
        }

        public void setWrapped(Wrapped wrapped) {
            this.wrapped = wrapped;
        }

        public List<String> getMarketVenues() {
            return marketVenues;
        }

        public void setMarketVenues(List<String> marketVenues) {
            this.marketVenues = marketVenues;
        }

        public Perp getPerp() {
            return perp;
        }

        public void setPerp(Perp perp) {
            this.perp = perp;
        }

        public BigDecimal getFloor() {
            return floor;
        }

        public void setFloor(BigDecimal floor) {
            this.floor = floor;
        }

    }

    /** A wrapped or synthetic asset: price = underlying index x conversion rate. */
    public static class Wrapped {
        private String underlying;
        /** The only source whose rates are accepted, for example {@code binance-staking}. */
        private String rateSource;
        /** Most the rate may grow per year since the last accepted rate (Aave CAPO), for example 0.15. */
        private BigDecimal maxYearlyGrowth;

        public String getUnderlying() {
            return underlying;
        }

        public void setUnderlying(String underlying) {
            this.underlying = underlying;
        }

        public String getRateSource() {
            return rateSource;
        }

        public void setRateSource(String rateSource) {
            this.rateSource = rateSource;
        }

        public BigDecimal getMaxYearlyGrowth() {
            return maxYearlyGrowth;
        }

        public void setMaxYearlyGrowth(BigDecimal maxYearlyGrowth) {
            this.maxYearlyGrowth = maxYearlyGrowth;
        }
    }

    /** The perpetual whose quotes make the mark's basis. */
    public static class Perp {
        /** The tick symbol of the perpetual's quotes, for example {@code BTCUSDT-PERP}. */
        private String symbol;
        private List<String> venues = new ArrayList<>();

        public String getSymbol() {
            return symbol;
        }

        public void setSymbol(String symbol) {
            this.symbol = symbol;
        }

        public List<String> getVenues() {
            return venues;
        }

        public void setVenues(List<String> venues) {
            this.venues = venues;
        }
    }
}
