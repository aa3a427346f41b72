package io.backstop.margin.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.margin.engine.AccountEngine;
import io.backstop.margin.risk.Quote;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * What changes accounts, from Kafka: fills, liquidation fills and the waterfall's outcomes, applied
 * exactly once by the account engine (the offset moves only after the engine committed); and the
 * oracle's prices, which every instance reads in full (its own consumer group) and which need no
 * inbox: a price only ever replaces an older one.
 */
@Component
class AccountEventListener {

    private final AccountEngine engine;
    private final MeterRegistry meters;

    AccountEventListener(AccountEngine engine, MeterRegistry meters) {
        this.engine = engine;
        this.meters = meters;
    }

    @KafkaListener(topics = {
            "${backstop.kafka.topic-prefix}trades.fills",
            "${backstop.kafka.topic-prefix}liquidation.fills",
            "${backstop.kafka.topic-prefix}insurance.takeovers",
            "${backstop.kafka.topic-prefix}adl.executions",
            "${backstop.kafka.topic-prefix}loss.socialized"},
            concurrency = "${backstop.margin.account-consumers:3}")
    void onAccountEvent(ConsumerRecord<String, EventEnvelope<?>> record) {
        engine.apply(record);
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}oracle.prices",
            groupId = "${backstop.kafka.topic-prefix}${spring.application.name}-prices-${backstop.instance-id}",
            properties = "auto.offset.reset=latest")
    void onPrice(ConsumerRecord<String, EventEnvelope<?>> record) {
        OraclePricePublished price = (OraclePricePublished) record.value().payload();
        engine.price(new Quote(price.symbol(), price.indexPrice(), price.markPrice(), price.status(),
                record.value().sequence(), price.priceTime()));
        Counter.builder("backstop.margin.prices.received").description("Oracle prices received, by symbol")
                .tag("symbol", price.symbol()).register(meters).increment();
    }
}
