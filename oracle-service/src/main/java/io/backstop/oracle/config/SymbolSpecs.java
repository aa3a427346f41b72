package io.backstop.oracle.config;

import io.backstop.oracle.pricing.SymbolSpec;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link OracleProperties} into validated {@link SymbolSpec}s. Collects every problem and fails
 * with all of them, each naming its property, so a bad configuration is fixed in one round.
 */
public final class SymbolSpecs {

    private SymbolSpecs() {
    }

    /** Thrown at start when the oracle's configuration is invalid. */
    public static final class InvalidConfiguration extends IllegalStateException {
        public InvalidConfiguration(List<String> problems) {
            super("Invalid oracle configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    public static List<SymbolSpec> from(OracleProperties properties) {
        List<String> problems = new ArrayList<>();
        Map<String, OracleProperties.Symbol> symbols = new LinkedHashMap<>();
        properties.getSymbols().forEach((name, symbol) -> symbols.put(name.toUpperCase(Locale.ROOT), symbol));
        if (symbols.isEmpty()) {
            problems.add("backstop.oracle.symbols: no symbol is configured");
        }
        Set<String> perpSymbols = new LinkedHashSet<>();
        List<SymbolSpec> specs = new ArrayList<>();
        for (Map.Entry<String, OracleProperties.Symbol> entry : symbols.entrySet()) {
            String name = entry.getKey();
            String at = "backstop.oracle.symbols." + name;
            OracleProperties.Symbol s = entry.getValue();
            OracleProperties.Defaults d = properties.getDefaults();
            int kinds = (s.getVenues().isEmpty() ? 0 : 1) + (s.getIndexFrom() == null ? 0 : 1)
                    + (s.getWrapped() == null ? 0 : 1);
            if (kinds != 1) {
                problems.add(at + ": set exactly one of venues, index-from or wrapped (found " + kinds + ")");
                continue;
            }
            SymbolSpec.Kind kind = !s.getVenues().isEmpty() ? SymbolSpec.Kind.AGGREGATED
                    : s.getIndexFrom() != null ? SymbolSpec.Kind.DERIVED : SymbolSpec.Kind.WRAPPED;
            SymbolSpec.Mode mode = s.getMode() != null ? s.getMode() : properties.getMode();
            SymbolSpec.Builder spec = SymbolSpec.builder(name, kind).mode(mode)
                    .maxAge(or(s.getMaxAge(), d.getMaxAge()))
                    .outlierBand(or(s.getOutlierBand(), d.getOutlierBand()))
                    .quorum(or(s.getQuorum(), d.getQuorum()))
                    .markWindow(or(s.getMarkWindow(), d.getMarkWindow()))
                    .markBand(or(s.getMarkBand(), d.getMarkBand()))
                    .twapWindow(or(s.getTwapWindow(), d.getTwapWindow()))
                    .deviation(or(s.getDeviation(), d.getDeviation()))
                    .heartbeat(or(s.getHeartbeat(), d.getHeartbeat()))
                    .scale(or(s.getScale(), d.getScale()))
                    .futureTolerance(d.getFutureTolerance())
                    .floor(s.getFloor())
                    .marketVenues(new LinkedHashSet<>(lower(s.getMarketVenues())));
            switch (kind) {
                case AGGREGATED -> {
                    Map<String, BigDecimal> venues = new LinkedHashMap<>();
                    s.getVenues().forEach((venue, weight) -> {
                        if (weight == null || weight.signum() <= 0) {
                            problems.add(at + ".venues." + venue + ": weight must be positive, got " + weight);
                        }
                        venues.put(venue.toLowerCase(Locale.ROOT), weight);
                    });
                    int quorum = or(s.getQuorum(), d.getQuorum());
                    if (quorum < 1 || quorum > venues.size()) {
                        problems.add(at + ".quorum: must be between 1 and its " + venues.size() + " venues, got "
                                + quorum);
                    }
                    String naive = s.getNaiveVenue() == null ? venues.keySet().iterator().next()
                            : s.getNaiveVenue().toLowerCase(Locale.ROOT);
                    if (!venues.containsKey(naive)) {
                        problems.add(at + ".naive-venue: " + naive + " is not one of its venues " + venues.keySet());
                    }
                    spec.venues(venues).naiveVenue(naive);
                }
                case DERIVED -> {
                    String base = s.getIndexFrom().toUpperCase(Locale.ROOT);
                    OracleProperties.Symbol from = symbols.get(base);
                    if (from == null || from.getVenues().isEmpty()) {
                        problems.add(at + ".index-from: " + base + " must be a configured symbol with its own venues");
                    }
                    spec.indexFrom(base);
                }
                case WRAPPED -> {
                    OracleProperties.Wrapped w = s.getWrapped();
                    String underlying = w.getUnderlying() == null ? null : w.getUnderlying().toUpperCase(Locale.ROOT);
                    OracleProperties.Symbol base = underlying == null ? null : symbols.get(underlying);
                    if (base == null || base.getWrapped() != null) {
                        problems.add(at + ".wrapped.underlying: " + underlying
                                + " must be a configured symbol that is not itself wrapped");
                    }
                    if (w.getRateSource() == null || w.getRateSource().isBlank()) {
                        problems.add(at + ".wrapped.rate-source: required");
                    }
                    if (w.getMaxYearlyGrowth() == null || w.getMaxYearlyGrowth().signum() < 0) {
                        problems.add(at + ".wrapped.max-yearly-growth: required, not negative (0.15 = 15%/year)");
                    }
                    String naive = s.getNaiveVenue() != null ? s.getNaiveVenue().toLowerCase(Locale.ROOT)
                            : s.getMarketVenues().isEmpty() ? null : s.getMarketVenues().get(0).toLowerCase(Locale.ROOT);
                    if (mode == SymbolSpec.Mode.NAIVE && (naive == null || !lower(s.getMarketVenues()).contains(naive))) {
                        problems.add(at + ".naive-venue: naive mode reads one of its market-venues, which has none");
                    }
                    spec.underlying(underlying).rateSource(w.getRateSource())
                            .maxYearlyRateGrowth(w.getMaxYearlyGrowth()).naiveVenue(naive);
                }
            }
            if (s.getPerp() != null) {
                OracleProperties.Perp perp = s.getPerp();
                if (perp.getSymbol() == null || perp.getSymbol().isBlank() || perp.getVenues().isEmpty()) {
                    problems.add(at + ".perp: needs a symbol and at least one venue");
                } else {
                    String perpSymbol = perp.getSymbol().toUpperCase(Locale.ROOT);
                    if (symbols.containsKey(perpSymbol) || !perpSymbols.add(perpSymbol)) {
                        problems.add(at + ".perp.symbol: " + perpSymbol + " is already used by another symbol");
                    }
                    spec.perp(perpSymbol, new LinkedHashSet<>(lower(perp.getVenues())));
                }
            }
            check(problems, at + ".outlier-band", or(s.getOutlierBand(), d.getOutlierBand()), false, true);
            check(problems, at + ".mark-band", or(s.getMarkBand(), d.getMarkBand()), true, true);
            check(problems, at + ".deviation", or(s.getDeviation(), d.getDeviation()), true, true);
            positive(problems, at + ".max-age", or(s.getMaxAge(), d.getMaxAge()));
            positive(problems, at + ".mark-window", or(s.getMarkWindow(), d.getMarkWindow()));
            positive(problems, at + ".twap-window", or(s.getTwapWindow(), d.getTwapWindow()));
            positive(problems, at + ".heartbeat", or(s.getHeartbeat(), d.getHeartbeat()));
            int scale = or(s.getScale(), d.getScale());
            if (scale < 0 || scale > 18) {
                problems.add(at + ".scale: must be between 0 and 18, got " + scale);
            }
            if (s.getFloor() != null && s.getFloor().signum() <= 0) {
                problems.add(at + ".floor: must be positive, got " + s.getFloor());
            }
            specs.add(spec.build());
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfiguration(problems);
        }
        return List.copyOf(specs);
    }

    private static void check(List<String> problems, String at, BigDecimal value, boolean zeroAllowed,
                              boolean belowOne) {
        if (value == null || value.signum() < 0 || (!zeroAllowed && value.signum() == 0)
                || (belowOne && value.compareTo(BigDecimal.ONE) >= 0)) {
            problems.add(at + ": must be a fraction " + (zeroAllowed ? "in [0, 1)" : "in (0, 1)") + ", got " + value);
        }
    }

    private static void positive(List<String> problems, String at, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            problems.add(at + ": must be a positive duration, got " + value);
        }
    }

    private static List<String> lower(List<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
