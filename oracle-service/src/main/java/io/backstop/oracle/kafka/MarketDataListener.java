package io.backstop.oracle.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.oracle.MarketData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Venue ticks and conversion rates from Kafka. Ticks need no inbox: a redelivered tick is out of
 * order or a duplicate for its venue and changes nothing, so offsets alone are enough. Messages that
 * break the contract (negative or non-numeric prices...) never get here: they go to the dead-letter
 * topic with their reason.
 */
@Component
class MarketDataListener {

    private final MarketData marketData;
    private final EventTracing tracing;

    MarketDataListener(MarketData marketData, EventTracing tracing) {
        this.marketData = marketData;
        this.tracing = tracing;
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}market.ticks",
            concurrency = "${backstop.oracle.tick-consumers:2}")
    void onTick(ConsumerRecord<String, EventEnvelope<?>> record) {
        VenueTickObserved tick = (VenueTickObserved) record.value().payload();
        // where a liquidation's trace starts: the price this tick moves carries the span's context
        try (EventTracing.Scope traced = tracing.applying(record, "market.ticks", record.value())) {
            traced.tag("backstop.symbol", tick.symbol()).tag("backstop.venue", tick.venue());
            marketData.tick(tick);
        }
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}market.rates")
    void onRate(ConsumerRecord<String, EventEnvelope<?>> record) {
        marketData.rate((ConversionRateObserved) record.value().payload());
    }
}
