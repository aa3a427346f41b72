package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.backstop.events.ContractViolation;
import io.backstop.kit.time.SimulatedClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

/**
 * A poll's dead letters go out together, each as one sent alone would, and the first one not confirmed is named; a
 * burst of them logs a few lines a minute.
 */
class DeadLetterPublisherTest {

    private final MockProducer<String, String> producer = new MockProducer<>(false, null, new StringSerializer(),
            new StringSerializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DeadLetterPublisher publisher = new DeadLetterPublisher(
            new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), meters, "", "kit-test");

    @Test
    void theLettersAreSentBeforeAnyAnswerInRecordOrderWithTheirReasonsAndCountedOnceConfirmed() throws Exception {
        List<PolledBatch.DeadLetter> letters = letters(3);

        CompletableFuture<Integer> confirmed = CompletableFuture.supplyAsync(() -> publisher.sendAll(letters));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 3);
        assertThat(confirmed).isNotDone(); // all three sent, none answered yet
        IntStream.range(0, 3).forEach(i -> producer.completeNext());

        assertThat(confirmed.get(10, TimeUnit.SECONDS)).isEqualTo(3);
        List<ProducerRecord<String, String>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::topic).containsOnly("market.ticks.dlq");
        assertThat(sent).extracting(ProducerRecord::value).containsExactly("v0", "v1", "v2");
        for (int i = 0; i < 3; i++) {
            assertThat(header(sent.get(i), DeadLetterPublisher.REASON_HEADER)).isEqualTo("rejected_by_consumer");
            assertThat(header(sent.get(i), DeadLetterPublisher.FIELD_HEADER)).isEqualTo("payload.symbol");
            assertThat(header(sent.get(i), DeadLetterPublisher.DETAIL_HEADER)).endsWith("symbol S" + i + " unknown");
            assertThat(header(sent.get(i), DeadLetterPublisher.SERVICE_HEADER)).isEqualTo("kit-test");
            assertThat(sent.get(i).headers().lastHeader("kafka_dlt-original-offset")).isNotNull();
        }
        assertThat(meters.get(DeadLetterPublisher.METRIC).tag("reason", "rejected_by_consumer").counter().count())
                .isEqualTo(3);
    }

    @Test
    void aLetterNotConfirmedEndsTheConfirmedOnesThoughLaterOnesWere() throws Exception {
        List<PolledBatch.DeadLetter> letters = letters(4);

        CompletableFuture<Integer> confirmed = CompletableFuture.supplyAsync(() -> publisher.sendAll(letters));
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 4);
        producer.completeNext();
        producer.completeNext();
        producer.errorNext(new TimeoutException("the broker does not answer"));
        producer.completeNext();

        assertThat(confirmed.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(meters.get(DeadLetterPublisher.METRIC).counter().count()).as("the letters written").isEqualTo(3);
    }

    @Test
    void aBurstOfLettersLogsAFewAMinuteAndTheNextMinuteSaysHowManyWereNot() throws Exception {
        String detail = "topic market.ticks, field payload.symbol: symbol ";
        SimulatedClock clock = new SimulatedClock(Instant.parse("2025-10-10T21:15:00Z"));
        List<MockProducer<String, String>> producers = new java.util.concurrent.CopyOnWriteArrayList<>();
        DeadLetterPublisher limited = new DeadLetterPublisher(new KafkaTemplate<>(new MockProducerFactory<>(() -> {
            // the template closes its producer after each send
            MockProducer<String, String> next = new MockProducer<>(false, null, new StringSerializer(),
                    new StringSerializer());
            producers.add(next);
            return next;
        })), meters, "", "kit-test", clock, 2);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(DeadLetterPublisher.class);
        lines.start();
        logger.addAppender(lines);
        try {
            sendAndConfirm(limited, letters(5), producers);
            clock.advanceTo(Instant.parse("2025-10-10T21:16:00Z"));
            sendAndConfirm(limited, letters(1), producers);
        } finally {
            logger.detachAppender(lines);
        }

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "dead-lettering market.ticks-0@10: " + detail + "S0 unknown (rejected_by_consumer)",
                "dead-lettering market.ticks-0@11: " + detail + "S1 unknown (rejected_by_consumer); the rest of this"
                        + " minute's letters of market.ticks (rejected_by_consumer) are counted, not logged",
                "3 more letters of market.ticks (rejected_by_consumer) were dead-lettered after the last one"
                        + " logged, counted but not logged",
                "dead-lettering market.ticks-0@10: " + detail + "S0 unknown (rejected_by_consumer)");
        assertThat(meters.get(DeadLetterPublisher.METRIC).counter().count()).as("every letter counted").isEqualTo(6);
        assertThat(producers).flatExtracting(MockProducer::history).as("every letter sent").hasSize(6);
    }

    private static void sendAndConfirm(DeadLetterPublisher publisher, List<PolledBatch.DeadLetter> letters,
                                       List<MockProducer<String, String>> producers) throws Exception {
        int before = sent(producers);
        CompletableFuture<Integer> confirmed = CompletableFuture.supplyAsync(() -> publisher.sendAll(letters));
        await().atMost(Duration.ofSeconds(10)).until(() -> sent(producers) == before + letters.size());
        producers.forEach(p -> {
            while (p.completeNext()) {
                // every letter sent so far is confirmed
            }
        });
        assertThat(confirmed.get(10, TimeUnit.SECONDS)).isEqualTo(letters.size());
    }

    private static int sent(List<MockProducer<String, String>> producers) {
        return producers.stream().mapToInt(p -> p.history().size()).sum();
    }

    private static List<PolledBatch.DeadLetter> letters(int n) {
        return IntStream.range(0, n).mapToObj(i -> new PolledBatch.DeadLetter(
                new ConsumerRecord<>("market.ticks", 0, 10 + i, "k" + i, "v" + i),
                new ContractViolation("market.ticks", "payload.symbol", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                        "symbol S" + i + " unknown"))).toList();
    }

    private static String header(ProducerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
