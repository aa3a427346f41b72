package io.backstop.kit.kafka;

import io.backstop.events.ContractViolation;
import io.backstop.events.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;

/**
 * Sends a message that cannot be processed to {@code <topic>.dlq}: the original bytes, key, and
 * headers, plus Spring Kafka's coordinate headers ({@code kafka_dlt-original-topic}, {@code -partition},
 * {@code -offset}, {@code -consumer-group}, exception class and message) and Backstop's own:
 * {@value #REASON_HEADER} (a {@link ContractViolation.Reason} tag), {@value #FIELD_HEADER},
 * {@value #DETAIL_HEADER} and {@value #SERVICE_HEADER}. Counts every dead letter in
 * {@code backstop.kafka.dead.letters{topic,reason}}.
 */
public final class DeadLetterPublisher implements ConsumerAwareRecordRecoverer {

    public static final String REASON_HEADER = "backstop-dlq-reason";
    public static final String FIELD_HEADER = "backstop-dlq-field";
    public static final String DETAIL_HEADER = "backstop-dlq-detail";
    public static final String SERVICE_HEADER = "backstop-dlq-service";
    static final String METRIC = "backstop.kafka.dead.letters";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final DeadLetterPublishingRecoverer delegate;
    private final MeterRegistry meters;
    private final String topicPrefix;

    public DeadLetterPublisher(KafkaOperations<?, ?> template, MeterRegistry meters, String topicPrefix,
                               String service) {
        this.meters = meters;
        this.topicPrefix = topicPrefix;
        this.delegate = new DeadLetterPublishingRecoverer(template,
                (record, ex) -> new TopicPartition(record.topic() + Topic.DEAD_LETTER_SUFFIX, -1));
        this.delegate.setFailIfSendResultIsError(true);
        this.delegate.addHeadersFunction((record, ex) -> headers(ex, service));
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception exception) {
        Cause cause = Cause.of(exception);
        log.warn("dead-lettering {}-{}@{}: {} ({})", record.topic(), record.partition(), record.offset(),
                cause.detail(), cause.reason());
        delegate.accept(record, consumer, exception);
        Counter.builder(METRIC)
                .description("Messages sent to a dead-letter topic, by source topic and reason")
                .tag("topic", baseName(record.topic()))
                .tag("reason", cause.reason())
                .register(meters)
                .increment();
    }

    private String baseName(String topic) {
        return Topic.fromName(topic, topicPrefix).map(Topic::baseName).orElse(topic);
    }

    private static Headers headers(Exception exception, String service) {
        Cause cause = Cause.of(exception);
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON_HEADER, bytes(cause.reason()));
        headers.add(FIELD_HEADER, bytes(cause.field()));
        headers.add(DETAIL_HEADER, bytes(cause.detail()));
        headers.add(SERVICE_HEADER, bytes(service));
        return headers;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** What went wrong, found in the exception's cause chain. */
    record Cause(String reason, String field, String detail) {

        static Cause of(Throwable exception) {
            for (Throwable t = exception; t != null; t = t.getCause()) {
                if (t instanceof ContractViolation violation) {
                    return new Cause(violation.reason().tag(), violation.field(), violation.getMessage());
                }
            }
            for (Throwable t = exception; t != null; t = t.getCause()) {
                if (t instanceof DeserializationException) {
                    return new Cause("undeserializable", "$", String.valueOf(t.getMessage()));
                }
            }
            Throwable root = exception;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return new Cause("processing_failed", "$", root.getClass().getSimpleName() + ": " + root.getMessage());
        }
    }
}
