package io.backstop.liquidation.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.kit.kafka.StartAtTimeListener;
import io.backstop.liquidation.web.LiquidationFeed;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The public feed as published (after the outbox relay committed it): every instance reads all of
 * {@code liquidation.events} in its own group and pushes each event to its SSE clients, so a client
 * sees every liquidation whichever instance it is connected to. On assignment it starts from the
 * moment the instance started: nothing published while its consumer was joining is skipped, and no
 * older history is replayed (that is what the history endpoint is for).
 */
@Component
class FeedListener extends StartAtTimeListener {

    private final LiquidationFeed feed;

    FeedListener(LiquidationFeed feed, Clock clock) {
        super(fromNow(clock));
        this.feed = feed;
    }


    @KafkaListener(topics = "${backstop.kafka.topic-prefix}liquidation.events",
            groupId = "${backstop.kafka.topic-prefix}${spring.application.name}-feed-${backstop.instance-id}",
            properties = "auto.offset.reset=latest")
    void onLiquidation(ConsumerRecord<String, EventEnvelope<?>> record) {
        if (record.value().payload() instanceof LiquidationReported) {
            feed.publish(record.value());
        }
    }
}
