package io.backstop.oracle;

import io.backstop.oracle.pricing.OracleObserver;
import io.backstop.oracle.pricing.PriceSnapshot;
import io.backstop.oracle.pricing.SourceVerdict;
import io.backstop.oracle.pricing.SymbolSpec;
import io.backstop.oracle.pricing.TickOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The oracle's metrics, named for what operators watch: per symbol its status and the age of its
 * trusted price; per source its deviation from the index, its age, whether it is included and why
 * not; ticks by outcome; wrapped assets' discount of their own pair; capped rates.
 */
class OracleMetrics implements OracleObserver {

    private final MeterRegistry meters;
    private final Set<String> symbols;
    private final Set<String> venues;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    OracleMetrics(MeterRegistry meters, Collection<SymbolSpec> specs) {
        this.meters = meters;
        this.symbols = specs.stream().flatMap(s -> java.util.stream.Stream.of(s.symbol(), s.perpSymbol()))
                .filter(java.util.Objects::nonNull).collect(Collectors.toUnmodifiableSet());
        this.venues = specs.stream().flatMap(s -> java.util.stream.Stream.concat(java.util.stream.Stream.concat(
                        s.venues().keySet().stream(), s.marketVenues().stream()), s.perpVenues().stream()))
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void tickIgnored(String symbol, String venue, TickOutcome outcome) {
        // unknown names become "unknown": a garbage feed must not explode the metric's cardinality
        Counter.builder("backstop.oracle.ticks.ignored")
                .description("Venue ticks the oracle ignored, by reason")
                .tag("symbol", symbols.contains(symbol) ? symbol : "unknown")
                .tag("venue", venues.contains(venue) ? venue : "unknown")
                .tag("reason", outcome.name())
                .register(meters).increment();
    }

    void tickAccepted(String symbol) {
        Counter.builder("backstop.oracle.ticks.accepted").description("Venue ticks the oracle took")
                .tag("symbol", symbols.contains(symbol) ? symbol : "unknown").register(meters).increment();
    }

    @Override
    public void evaluated(PriceSnapshot price) {
        String symbol = price.symbol();
        set("status", symbol, null, "Price status: 0 OK, 1 DEGRADED, 2 STALE", price.status().ordinal());
        set("price.age", symbol, null, "Seconds since the index last came from a quorum",
                price.age().toMillis());
        price("index.price", symbol, null, "The index: weighted median of the trusted venues", price.indexPrice());
        price("mark.price", symbol, null, "The mark price positions are valued at", price.markPrice());
        price("confidence", symbol, null, "Dispersion band of the trusted venues, in price units", price.confidence());
        if (price.marketPrice() != null && price.indexPrice().signum() > 0) {
            set("market.discount", symbol, null,
                    "Own-pair price / oracle price - 1 (wrapped assets; floored stablecoins)",
                    price.marketPrice().divide(price.indexPrice(), java.math.MathContext.DECIMAL64)
                            .subtract(java.math.BigDecimal.ONE).movePointRight(6).longValue());
        }
        for (SourceVerdict source : price.sources()) {
            set("source.included", symbol, source.venue(), "1 when the source counts in the index, else 0",
                    source.included() ? 1 : 0);
            if (source.observedAt() != null) {
                set("source.age", symbol, source.venue(), "Seconds since the source's latest quote",
                        Duration.between(source.observedAt(), price.priceTime()).toMillis());
            }
            if (source.price() != null && price.indexPrice().signum() > 0 && source.weight().signum() > 0) {
                set("source.deviation", symbol, source.venue(), "Source price / index - 1",
                        source.price().divide(price.indexPrice(), java.math.MathContext.DECIMAL64)
                                .subtract(java.math.BigDecimal.ONE).movePointRight(6).longValue());
            }
            price("source.price", symbol, source.venue(), "The venue's latest quote", source.price());
            if (!source.included()) {
                Counter.builder("backstop.oracle.source.exclusions")
                        .description("Evaluations in which a source was left out, by reason")
                        .tags("symbol", symbol, "venue", source.venue(), "reason", source.exclusion().name())
                        .register(meters).increment();
            }
        }
    }

    @Override
    public void rateCapped(String asset) {
        Counter.builder("backstop.oracle.rates.capped")
                .description("Conversion rates cut to their maximum growth").tag("asset", asset)
                .register(meters).increment();
    }

    @Override
    public void rateIgnored(String asset, String reason) {
        Counter.builder("backstop.oracle.rates.ignored").description("Conversion rates ignored, by reason")
                .tag("asset", symbols.contains(asset) ? asset : "unknown").tag("reason", reason)
                .register(meters).increment();
    }

    /**
     * Gauges hold a long: plain values as they are; ages in milliseconds and ratios in millionths are
     * scaled back to seconds and fractions when read.
     */
    private void set(String name, String symbol, String venue, String description, long value) {
        String key = name + "|" + symbol + "|" + venue;
        AtomicLong holder = gauges.computeIfAbsent(key, k -> {
            AtomicLong created = new AtomicLong();
            double scale = name.endsWith("age") ? 1e-3 : name.endsWith("deviation") || name.endsWith("discount")
                    ? 1e-6 : 1.0;
            Gauge.Builder<AtomicLong> gauge = Gauge.builder("backstop.oracle." + name, created, a -> a.get() * scale)
                    .description(description).tag("symbol", symbol);
            if (venue != null) {
                gauge.tag("venue", venue);
            }
            if (name.endsWith("age")) {
                gauge.baseUnit("seconds");
            }
            gauge.register(meters);
            return created;
        });
        holder.set(value);
    }

    /** A price as a gauge (a double: for dashboards only, never for a decision); nothing while it is unknown. */
    private void price(String name, String symbol, String venue, String description, java.math.BigDecimal value) {
        if (value == null) {
            return;
        }
        String key = name + "|" + symbol + "|" + venue;
        AtomicLong bits = gauges.computeIfAbsent(key, k -> {
            AtomicLong created = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
            Gauge.Builder<AtomicLong> gauge = Gauge.builder("backstop.oracle." + name, created,
                    a -> Double.longBitsToDouble(a.get())).description(description).tag("symbol", symbol);
            if (venue != null) {
                gauge.tag("venue", venue);
            }
            gauge.register(meters);
            return created;
        });
        bits.set(Double.doubleToRawLongBits(value.doubleValue()));
    }
}
