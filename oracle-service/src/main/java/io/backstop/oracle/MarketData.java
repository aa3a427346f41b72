package io.backstop.oracle;

import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.oracle.history.ConversionRates;
import io.backstop.oracle.pricing.PricingEngine;
import io.backstop.oracle.pricing.SymbolPricer;
import io.backstop.oracle.pricing.TickOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where ticks and rates enter the oracle, from Kafka or REST alike. Nothing throws out of here: a
 * tick the engine cannot use is counted with its reason; an unexpected failure is counted and logged,
 * because one bad tick must never stop the others (market data is superseded within seconds).
 */
public class MarketData {

    private static final Logger log = LoggerFactory.getLogger(MarketData.class);

    private final PricingEngine engine;
    private final ConversionRates rates;
    private final OracleMetrics metrics;
    private final Counter failures;

    MarketData(PricingEngine engine, ConversionRates rates, OracleMetrics metrics, MeterRegistry meters) {
        this.engine = engine;
        this.rates = rates;
        this.metrics = metrics;
        this.failures = Counter.builder("backstop.oracle.ingest.failures")
                .description("Ticks or rates that failed unexpectedly (logged)").register(meters);
    }

    /** What the engine did with the tick, or empty when it failed unexpectedly (counted and logged). */
    public java.util.Optional<TickOutcome> tick(VenueTickObserved tick) {
        try {
            TickOutcome outcome = engine.onTick(tick);
            if (outcome == TickOutcome.ACCEPTED) {
                metrics.tickAccepted(tick.symbol());
            }
            return java.util.Optional.of(outcome);
        } catch (RuntimeException e) {
            failures.increment();
            log.error("tick {} failed: {}", tick, e.toString(), e);
            return java.util.Optional.empty();
        }
    }

    /**
     * Accepts a conversion rate and persists the asset's accepted (possibly capped) rate, so the cap
     * survives restarts. The write is an idempotent upsert; if it fails the rate is redelivered, found
     * already accepted in memory, and written again.
     */
    public SymbolPricer.RateOutcome rate(ConversionRateObserved rate) {
        SymbolPricer.RateOutcome outcome = engine.onRate(rate);
        if (outcome == SymbolPricer.RateOutcome.ACCEPTED || outcome == SymbolPricer.RateOutcome.CAPPED
                || outcome == SymbolPricer.RateOutcome.OUT_OF_ORDER) {
            engine.pricer(rate.asset()).flatMap(SymbolPricer::acceptedRate).ifPresent(accepted ->
                    rates.keepNewest(rate.asset(), rate.underlying(), accepted.rate(), rate.source(), accepted.at()));
        }
        return outcome;
    }
}
