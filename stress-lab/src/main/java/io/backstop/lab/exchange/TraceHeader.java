package io.backstop.lab.exchange;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The W3C {@code traceparent} header the platform's outbox sends with each event: the lab's exchange answers an order
 * with the order's, so the fill's span in liquidation-service continues the liquidation's trace (docs/observability.md,
 * "Traces").
 */
public final class TraceHeader {

    public static final String NAME = "traceparent";

    private TraceHeader() {
    }

    /** The record's traceparent, or null. */
    public static String of(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(NAME);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** {@code record} with {@code traceParent} as its traceparent header (unchanged when null). */
    public static <K, V> ProducerRecord<K, V> with(ProducerRecord<K, V> record, String traceParent) {
        if (traceParent != null) {
            record.headers().add(NAME, traceParent.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }
}
