package io.backstop.oracle.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
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

    MarketDataListener(MarketData marketData) {
        this.marketData = marketData;
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}market.ticks",
            concurrency = "${backstop.oracle.tick-consumers:2}")
    void onTick(ConsumerRecord<String, EventEnvelope<?>> record) {
        marketData.tick((VenueTickObserved) record.value().payload());
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}market.rates")
    void onRate(ConsumerRecord<String, EventEnvelope<?>> record) {
        marketData.rate((ConversionRateObserved) record.value().payload());
    }
}
