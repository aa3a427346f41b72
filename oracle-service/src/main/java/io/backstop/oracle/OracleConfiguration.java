package io.backstop.oracle;

import io.backstop.events.json.EventJson;
import io.backstop.kit.outbox.Outbox;
import io.backstop.oracle.config.OracleProperties;
import io.backstop.oracle.config.SymbolSpecs;
import io.backstop.oracle.history.ConversionRates;
import io.backstop.oracle.history.PriceHistory;
import io.backstop.oracle.history.PricerStates;
import io.backstop.oracle.pricing.PriceSnapshot;
import io.backstop.oracle.pricing.PricingEngine;
import io.backstop.oracle.pricing.SymbolPricer;
import io.backstop.oracle.pricing.SymbolSpec;
import io.backstop.oracle.publish.PricePublisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OracleProperties.class)
class OracleConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OracleConfiguration.class);

    @Bean
    List<SymbolSpec> symbolSpecs(OracleProperties properties) {
        List<SymbolSpec> specs = SymbolSpecs.from(properties);
        for (SymbolSpec spec : specs) {
            if (spec.naive()) {
                log.warn("""

                        ************************************************************************
                        *  NAIVE ORACLE MODE for {}: its price is the last trade of {} alone,
                        *  with no outlier rejection, no staleness guard and no smoothing.
                        *  This mode exists only to show what robust mode prevents.
                        *  Never run it in production.
                        ************************************************************************""",
                        spec.symbol(), spec.naiveVenue());
            }
        }
        return specs;
    }

    @Bean
    PriceHistory priceHistory(JdbcTemplate jdbc, EventJson json) {
        return new PriceHistory(jdbc, json);
    }

    @Bean
    OracleMetrics oracleMetrics(MeterRegistry meters, List<SymbolSpec> symbolSpecs) {
        return new OracleMetrics(meters, symbolSpecs);
    }

    @Bean
    PricePublisher pricePublisher(PriceHistory history, Outbox outbox, TransactionTemplate tx, Clock clock,
                                  MeterRegistry meters, io.backstop.kit.tracing.EventTracing tracing) {
        return new PricePublisher(history, outbox, tx, clock, 1000, meters, tracing);
    }

    @Bean
    PricerStates pricerStates(JdbcTemplate jdbc) {
        return new PricerStates(jdbc);
    }

    /**
     * The engine, continuing where the oracle stopped: each pricer from its saved state (quotes, windows, what it
     * published) when there is one — exactly, on simulated time, where the state is committed with each step's
     * prices; on the system clock the state is a few seconds old, so a price or a rate committed after it wins —
     * else from its last published price, the windows warmed from the history. Then the pricers' state is saved
     * with the prices.
     */
    @Bean
    PricingEngine pricingEngine(List<SymbolSpec> symbolSpecs, Clock clock, OracleMetrics metrics,
                                PricePublisher publisher, PriceHistory history, ConversionRates rates,
                                PricerStates states, OracleProperties properties,
                                @Value("${backstop.clock.mode:system}") String clockMode) {
        boolean exact = "simulated".equals(clockMode);
        PricingEngine engine = new PricingEngine(symbolSpecs, clock, metrics);
        Map<String, PriceSnapshot> last = history.lastPublished();
        Map<String, SymbolPricer.State> saved = states.loadAll();
        for (SymbolPricer pricer : engine.pricers()) {
            String symbol = pricer.spec().symbol();
            PriceSnapshot published = last.get(symbol);
            SymbolPricer.State state = saved.get(symbol);
            if (state != null) {
                pricer.restore(state);
                if (!exact && published != null && published.sequence() > state.sequence()) {
                    pricer.restorePublished(published);
                }
            } else if (published != null) {
                pricer.restore(published, history.since(symbol, published.priceTime().minus(pricer.spec().twapWindow())));
            }
        }
        for (ConversionRates.Row rate : rates.findAll()) {
            engine.pricer(rate.asset()).filter(p -> !(exact && saved.containsKey(rate.asset())))
                    .filter(p -> p.acceptedRate().map(r -> rate.observedAt().isAfter(r.at())).orElse(true))
                    .ifPresent(p -> p.restoreRate(rate.rate(), rate.observedAt()));
        }
        if (!saved.isEmpty() || !last.isEmpty()) {
            log.info("restored {} symbols from their saved state and {} from their last published price",
                    saved.size(), last.keySet().stream().filter(s -> !saved.containsKey(s)).count());
        }
        if (publisher == null) {
            return engine; // read only: a restore checked on its own
        }
        engine.publishTo(publisher);
        publisher.saveStatesWith(() -> states.saveAll(engine.states(), clock.instant()),
                properties.getStateSaveInterval());
        return engine;
    }

    @Bean
    MarketData marketData(PricingEngine engine, ConversionRates rates, OracleMetrics metrics, MeterRegistry meters) {
        return new MarketData(engine, rates, metrics, meters);
    }

    @Bean
    EvaluationTimer evaluationTimer(PricingEngine engine, PriceHistory history, OracleProperties properties,
                                    Clock clock) {
        return new EvaluationTimer(engine, history, properties.getEvaluationInterval(),
                properties.getHistoryRetention(), clock);
    }
}
