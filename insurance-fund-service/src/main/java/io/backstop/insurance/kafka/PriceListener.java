package io.backstop.insurance.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.kafka.StartAtTimeListener;
import io.backstop.kit.prices.PriceBoard;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The oracle's marks, to value the fund's inherited positions, the open interest and the ADL queue:
 * every instance reads all of them (its own group), starting a little in the past on assignment.
 */
@Component
class PriceListener extends StartAtTimeListener {

    private final PriceBoard board;

    PriceListener(PriceBoard board, Clock clock, @Value("${backstop.insurance.price-replay:30s}") Duration replay) {
        super(replaying(clock, replay));
        this.board = board;
    }

    @KafkaListener(topics = "${backstop.kafka.topic-prefix}oracle.prices",
            groupId = "${backstop.kafka.topic-prefix}${spring.application.name}-prices-${backstop.instance-id}")
    void onPrice(ConsumerRecord<String, EventEnvelope<?>> record) {
        OraclePricePublished price = (OraclePricePublished) record.value().payload();
        board.update(price.symbol(), price.indexPrice(), price.markPrice(), record.value().sequence());
    }
}
