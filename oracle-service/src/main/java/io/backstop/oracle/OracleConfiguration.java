package io.backstop.oracle;

import io.backstop.events.json.EventJson;
import io.backstop.kit.outbox.Outbox;
import io.backstop.oracle.config.OracleProperties;
import io.backstop.oracle.config.SymbolSpecs;
import io.backstop.oracle.history.ConversionRates;
import io.backstop.oracle.history.PriceHistory;
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
                                  MeterRegistry meters) {
        return new PricePublisher(history, outbox, tx, clock, 1000, meters);
    }

    /** The engine, with what was last published restored: sequences continue, windows are warm. */
    @Bean
    PricingEngine pricingEngine(List<SymbolSpec> symbolSpecs, Clock clock, OracleMetrics metrics,
                                PricePublisher publisher, PriceHistory history, ConversionRates rates) {
        PricingEngine engine = new PricingEngine(symbolSpecs, clock, metrics);
        Map<String, PriceSnapshot> last = history.lastPublished();
        for (SymbolPricer pricer : engine.pricers()) {
            PriceSnapshot published = last.get(pricer.spec().symbol());
            if (published != null) {
                pricer.restore(published, history.since(pricer.spec().symbol(),
                        published.priceTime().minus(pricer.spec().twapWindow())));
            }
        }
        for (ConversionRates.Row rate : rates.findAll()) {
            engine.pricer(rate.asset()).ifPresent(p -> p.restoreRate(rate.rate(), rate.observedAt()));
        }
        if (!last.isEmpty()) {
            log.info("restored the last published price of {} symbols", last.size());
        }
        engine.publishTo(publisher);
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
