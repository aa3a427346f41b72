package io.backstop.kit.kafka;

import io.backstop.events.ContractViolation;
import io.backstop.events.Topic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.SendResult;
import org.springframework.kafka.support.serializer.DeserializationException;

/**
 * Sends a message that cannot be processed to {@code <topic>.dlq}: the original bytes, key, and
 * headers, plus Spring Kafka's coordinate headers ({@code kafka_dlt-original-topic}, {@code -partition},
 * {@code -offset}, {@code -consumer-group}, exception class and message) and Backstop's own:
 * {@value #REASON_HEADER} (a {@link ContractViolation.Reason} tag), {@value #FIELD_HEADER},
 * {@value #DETAIL_HEADER} and {@value #SERVICE_HEADER}. Counts every dead letter in
 * {@code backstop.kafka.dead.letters{topic,reason}}. One at a time ({@link #accept}, waiting for the broker's
 * answer: the container's error handler) or a poll's together ({@link #sendAll}). Each letter is logged, up to a
 * number a minute per topic and reason ({@link LogBudget}); past it they are counted and listed by
 * {@code ./backstop dead-letters}, and the first line of the next minute says how many were not logged.
 */
public final class DeadLetterPublisher implements ConsumerAwareRecordRecoverer, PolledBatch.DeadLetters {

    public static final String REASON_HEADER = "backstop-dlq-reason";
    public static final String FIELD_HEADER = "backstop-dlq-field";
    public static final String DETAIL_HEADER = "backstop-dlq-detail";
    public static final String SERVICE_HEADER = "backstop-dlq-service";
    static final String METRIC = "backstop.kafka.dead.letters";
    /** Letters logged a minute per topic and reason unless configured otherwise. */
    public static final int DEFAULT_LOG_PER_MINUTE = 20;

    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final Recoverer delegate;
    private final MeterRegistry meters;
    private final String topicPrefix;
    private final Clock clock;
    private final LogBudget logBudget;

    public DeadLetterPublisher(KafkaOperations<?, ?> template, MeterRegistry meters, String topicPrefix,
                               String service) {
        this(template, meters, topicPrefix, service, Clock.systemUTC(), DEFAULT_LOG_PER_MINUTE);
    }

    /** @param logPerMinute letters logged a minute per topic and reason; the rest are counted, not logged */
    public DeadLetterPublisher(KafkaOperations<?, ?> template, MeterRegistry meters, String topicPrefix,
                               String service, Clock clock, int logPerMinute) {
        this.clock = clock;
        this.logBudget = new LogBudget(logPerMinute, Duration.ofMinutes(1));
        this.meters = meters;
        this.topicPrefix = topicPrefix;
        this.delegate = new Recoverer(template,
                (record, ex) -> new TopicPartition(record.topic() + Topic.DEAD_LETTER_SUFFIX, -1));
        this.delegate.setFailIfSendResultIsError(true);
        this.delegate.addHeadersFunction((record, ex) -> headers(ex, service));
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception exception) {
        Cause cause = Cause.of(exception);
        logLetter(record, cause);
        delegate.accept(record, consumer, exception);
        count(record, cause);
    }

    /**
     * Sends the letters in order, each built as {@link #accept} builds it, without waiting for the broker between
     * them, then waits for every answer; a letter that could not even be sent stops the rest. Returns how many of the
     * first letters were confirmed: the letters after an unconfirmed one may have been written too, and are written
     * again when the poll is redelivered from it (a dead letter is at least once).
     */
    @Override
    public int sendAll(List<PolledBatch.DeadLetter> letters) {
        List<Sent> sent = new ArrayList<>(letters.size());
        for (PolledBatch.DeadLetter letter : letters) {
            Cause cause = Cause.of(letter.reason());
            ConsumerRecord<?, ?> record = letter.record();
            logLetter(record, cause);
            try {
                sent.add(new Sent(letter, cause, delegate.sendWithoutWaiting(record, letter.reason())));
            } catch (RuntimeException e) {
                log.warn("dead-lettering {}-{}@{} failed: {}", record.topic(), record.partition(), record.offset(),
                        e.toString());
                break;
            }
        }
        int confirmed = 0;
        boolean allSoFar = true;
        for (Sent one : sent) {
            ConsumerRecord<?, ?> record = one.letter().record();
            try {
                one.answer().get();
                count(record, one.cause());
                if (allSoFar) {
                    confirmed++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return confirmed;
            } catch (ExecutionException | RuntimeException e) {
                log.warn("dead-lettering {}-{}@{} failed: {}", record.topic(), record.partition(), record.offset(),
                        e.getCause() != null ? e.getCause().toString() : e.toString());
                allSoFar = false;
            }
        }
        return confirmed;
    }

    private void logLetter(ConsumerRecord<?, ?> record, Cause cause) {
        LogBudget.Admission admitted = logBudget.admit(record.topic() + " " + cause.reason(), clock.instant());
        if (admitted.unloggedBefore() > 0) {
            log.warn("{} more letters of {} ({}) were dead-lettered after the last one logged, counted but not logged",
                    admitted.unloggedBefore(), record.topic(), cause.reason());
        }
        if (admitted.log()) {
            log.warn("dead-lettering {}-{}@{}: {} ({}){}", record.topic(), record.partition(), record.offset(),
                    cause.detail(), cause.reason(), admitted.last() ? "; the rest of this minute's letters of "
                            + record.topic() + " (" + cause.reason() + ") are counted, not logged" : "");
        }
    }

    private record Sent(PolledBatch.DeadLetter letter, Cause cause, CompletableFuture<?> answer) {
    }

    private void count(ConsumerRecord<?, ?> record, Cause cause) {
        Counter.builder(METRIC)
                .description("Messages sent to a dead-letter topic, by source topic and reason")
                .tag("topic", baseName(record.topic()))
                .tag("reason", cause.reason())
                .register(meters)
                .increment();
    }

    /**
     * Spring Kafka's recoverer, which builds the letter and its headers, able to hand back the send's answer
     * instead of waiting for it. Sending without waiting is per thread: the listener's thread, for its own poll.
     */
    private static final class Recoverer extends DeadLetterPublishingRecoverer {

        private final ThreadLocal<CompletableFuture<?>> answer = new ThreadLocal<>();
        private final ThreadLocal<Boolean> waiting = ThreadLocal.withInitial(() -> true);
        /**
         * The template's send timeout, read once: Spring derives it from the producer's configuration on every call,
         * building that configuration's definition each time (a sixth of margin-service's dead-lettering, profiled).
         */
        private volatile Duration sendTimeout;

        Recoverer(KafkaOperations<?, ?> template,
                  java.util.function.BiFunction<ConsumerRecord<?, ?>, Exception, TopicPartition> destination) {
            super(template, destination);
        }

        /** Sends the letter and returns the broker's answer to come, bounded by the send timeout. */
        CompletableFuture<?> sendWithoutWaiting(ConsumerRecord<?, ?> record, Exception exception) {
            waiting.set(false);
            try {
                accept(record, null, exception);
                CompletableFuture<?> sent = answer.get();
                if (sent == null) {
                    throw new KafkaException("dead letter of " + record.topic() + "-" + record.partition() + "@"
                            + record.offset() + " not sent");
                }
                return sent;
            } finally {
                waiting.set(true);
                answer.remove();
            }
        }

        @Override
        protected void verifySendResult(KafkaOperations<Object, Object> template, ProducerRecord<Object, Object> out,
                                        CompletableFuture<SendResult<Object, Object>> result,
                                        ConsumerRecord<?, ?> in) {
            if (waiting.get() || result == null) {
                super.verifySendResult(template, out, result, in);
                return;
            }
            answer.set(result.orTimeout(sendTimeout(template).toMillis(), TimeUnit.MILLISECONDS));
        }

        private Duration sendTimeout(KafkaOperations<Object, Object> template) {
            Duration timeout = sendTimeout;
            if (timeout == null) {
                timeout = determineSendTimeout(template);
                sendTimeout = timeout;
            }
            return timeout;
        }
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
