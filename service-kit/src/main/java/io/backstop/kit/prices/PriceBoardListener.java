package io.backstop.kit.prices;

import io.backstop.events.EventEnvelope;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.kafka.StartAtTimeListener;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Keeps a {@link PriceBoard} filled from {@code oracle.prices}: every instance reads all of them (a
 * consumer group of its own), starting {@code replay} in the past on assignment so it knows every
 * symbol at once. A price only replaces an older one, so no inbox is needed. A service that wants the
 * board declares this listener as a bean.
 */
public class PriceBoardListener extends StartAtTimeListener {

    private final PriceBoard board;

    public PriceBoardListener(PriceBoard board, Clock clock, Duration replay) {
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
