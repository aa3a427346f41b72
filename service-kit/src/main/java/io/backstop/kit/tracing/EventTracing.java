package io.backstop.kit.tracing;

import io.backstop.events.EventEnvelope;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Traces across Kafka: one trace follows a tick through the price, the margin call, the liquidation order, its fill,
 * the shortfall and the waterfall, across the four services. The context travels as a W3C {@code traceparent}: the
 * outbox stores, with each event, the context of the work that decided it ({@link #traceParent()}), the relay sends
 * it as the record's {@code traceparent} header, and the consumer that applies the event opens its span as a child
 * of it ({@link #applying}). Where a decision is queued to another thread (a price waiting for the account engine, a
 * liquidation for the liquidator), the queued work carries the context and the thread that takes it continues it
 * ({@link #continuing}). Nothing of it is in the events themselves: the payload, and so every replay digest, is the
 * same with tracing on or off. Spans go wherever Micrometer Tracing sends them (OTLP when
 * {@code management.opentelemetry.tracing.export.otlp.endpoint} is set; nowhere by default), and every log line
 * written inside one carries its trace and span ids. See docs/observability.md, "Traces".
 */
public final class EventTracing {

    /** The W3C Trace Context header. */
    public static final String HEADER = "traceparent";

    /** No tracing at all: no context captured, no span opened (tests, tools). */
    public static final EventTracing NONE = new EventTracing(Tracer.NOOP, Propagator.NOOP);

    private static final Propagator.Getter<ConsumerRecord<?, ?>> RECORD_HEADERS = (record, key) -> {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    };
    private static final Propagator.Getter<String> TRACE_PARENT = (traceParent, key) ->
            HEADER.equals(key) ? traceParent : null;

    private final Tracer tracer;
    private final Propagator propagator;

    public EventTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** The current span's context as a W3C traceparent, or null when there is none (or tracing is off). */
    public String traceParent() {
        Span span = tracer.currentSpan();
        if (span == null || span.isNoop()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>(2);
        propagator.inject(span.context(), carrier, Map::put);
        return carrier.get(HEADER);
    }

    /**
     * A consumer span for applying one event, a child of the context in the record's {@code traceparent} header (a
     * new trace when it has none), current on this thread until closed.
     */
    public Scope applying(ConsumerRecord<?, ?> record, String topic, EventEnvelope<?> event) {
        Span span = propagator.extract(record, RECORD_HEADERS).kind(Span.Kind.CONSUMER).name(topic + " apply")
                .tag("messaging.system", "kafka").tag("messaging.destination.name", topic)
                .tag("messaging.kafka.partition", Integer.toString(record.partition()))
                .tag("messaging.kafka.offset", Long.toString(record.offset()))
                .tag("backstop.event.type", event.type().wireName())
                .tag("backstop.event.id", String.valueOf(event.eventId()))
                .start();
        return new Scope(span, tracer.withSpan(span));
    }

    /**
     * A span for work that continues, on this thread, what another thread decided under {@code traceParent} (from
     * {@link #traceParent()} there), current until closed; nothing at all when {@code traceParent} is null (work
     * no trace led to: a timer's, a restored queue's).
     */
    public Scope continuing(String traceParent, String name) {
        if (traceParent == null) {
            return Scope.NONE;
        }
        Span span = propagator.extract(traceParent, TRACE_PARENT).name(name).start();
        return new Scope(span, tracer.withSpan(span));
    }

    /** An open span, current on this thread: closing it ends the span. */
    public static final class Scope implements AutoCloseable {
        static final Scope NONE = new Scope(Span.NOOP, () -> { });

        private final Span span;
        private final Tracer.SpanInScope inScope;

        private Scope(Span span, Tracer.SpanInScope inScope) {
            this.span = span;
            this.inScope = inScope;
        }

        /** Adds a tag to the span (for example the account or the symbol it is about). */
        public Scope tag(String key, String value) {
            span.tag(key, value);
            return this;
        }

        /** Marks the span failed with {@code error}. */
        public void failed(Throwable error) {
            span.error(error);
        }

        @Override
        public void close() {
            inScope.close();
            span.end();
        }
    }
}
