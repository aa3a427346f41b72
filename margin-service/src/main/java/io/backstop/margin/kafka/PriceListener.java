package io.backstop.margin.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.kafka.StartAtTimeListener;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.margin.engine.AccountEngine;
import io.backstop.margin.risk.Quote;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The oracle's prices. Every instance reads all of them (its own consumer group) and needs no inbox: a
 * price only ever replaces an older one. On assignment it starts a little in the past (the last
 * {@code backstop.margin.price-replay}, 30 s by default) rather than at the end: an instance knows
 * every symbol's price at once, without waiting for the next heartbeat, and no price published while
 * it was being assigned is skipped. Older backlog is worthless and never read.
 */
@Component
class PriceListener extends StartAtTimeListener {

    private final AccountEngine engine;
    private final MeterRegistry meters;
    private final EventTracing tracing;

    PriceListener(AccountEngine engine, MeterRegistry meters, Clock clock, EventTracing tracing,
                  @Value("${backstop.margin.price-replay:30s}") Duration replay) {
        super(replaying(clock, replay));
        this.tracing = tracing;
        this.engine = engine;
        this.meters = meters;
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}oracle.prices",
            groupId = "${backstop.kafka.topic-prefix}${spring.application.name}-prices-${backstop.instance-id}")
    void onPrice(ConsumerRecord<String, EventEnvelope<?>> record) {
        OraclePricePublished price = (OraclePricePublished) record.value().payload();
        try (EventTracing.Scope traced = tracing.applying(record, "oracle.prices", record.value())) {
            traced.tag("backstop.symbol", price.symbol());
            engine.price(new Quote(price.symbol(), price.indexPrice(), price.markPrice(), price.status(),
                    record.value().sequence(), price.priceTime()));
        }
        Counter.builder("backstop.margin.prices.received").description("Oracle prices received, by symbol")
                .tag("symbol", price.symbol()).register(meters).increment();
    }
}
