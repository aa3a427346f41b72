package io.backstop.kit.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.market.VenueTickObserved;
import io.micrometer.tracing.Span;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The kit's trace hops on a real OpenTelemetry tracer (Micrometer's bridge), spans collected as they end. */
class EventTracingTest {

    private final RecordingTracing recording = new RecordingTracing();
    private final List<SpanData> ended = recording.ended;
    private final io.micrometer.tracing.Tracer tracer = recording.tracer;
    private final EventTracing tracing = recording.tracing;

    @AfterEach
    void close() {
        recording.close();
    }

    @Test
    void theContextOfTheCurrentSpanIsAW3cTraceparentAndNoneOutsideASpan() {
        assertThat(tracing.traceParent()).isNull();
        Span span = tracer.nextSpan().name("decide").start();
        try (var inScope = tracer.withSpan(span)) {
            assertThat(tracing.traceParent()).isEqualTo("00-" + span.context().traceId() + "-"
                    + span.context().spanId() + "-01");
        } finally {
            span.end();
        }
        assertThat(tracing.traceParent()).isNull();
    }

    @Test
    void applyingAnEventContinuesTheTraceInItsRecordsHeaderAndWhatItDecidesContinuesTheApplyingSpan() {
        String producer = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        ConsumerRecord<String, byte[]> record = record(producer);
        String decided;
        try (EventTracing.Scope applying = tracing.applying(record, "market.ticks", tick())) {
            decided = tracing.traceParent();
        }

        assertThat(ended).hasSize(1);
        SpanData span = ended.get(0);
        assertThat(span.getName()).isEqualTo("market.ticks apply");
        assertThat(span.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(span.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.CONSUMER);
        assertThat(span.getAttributes().asMap().toString()).contains("backstop.event.type=VenueTickObserved",
                "messaging.kafka.offset=7");
        assertThat(decided).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + span.getSpanId() + "-01");
        assertThat(tracing.traceParent()).as("closed: nothing current any more").isNull();
    }

    @Test
    void anEventWithoutTraceStartsOne() {
        try (EventTracing.Scope applying = tracing.applying(record(null), "market.ticks", tick())) {
            assertThat(tracing.traceParent()).isNotNull();
        }
        assertThat(ended).hasSize(1);
        assertThat(ended.get(0).getParentSpanContext().isValid()).isFalse();
    }

    @Test
    void workQueuedToAnotherThreadContinuesTheTraceThatQueuedItAndWorkNoTraceLedToHasNoSpan() throws Exception {
        String queued;
        Span decide = tracer.nextSpan().name("decide").start();
        try (var inScope = tracer.withSpan(decide)) {
            queued = tracing.traceParent();
        } finally {
            decide.end();
        }
        String[] continued = new String[1];
        Thread other = new Thread(() -> {
            try (EventTracing.Scope round = tracing.continuing(queued, "liquidation round")) {
                round.tag("backstop.account", "a-1");
                continued[0] = tracing.traceParent();
            }
            try (EventTracing.Scope none = tracing.continuing(null, "liquidation round")) {
                continued[0] += tracing.traceParent() == null ? "" : " and one more";
            }
        });
        other.start();
        other.join();

        assertThat(ended).extracting(SpanData::getName).containsExactly("decide", "liquidation round");
        SpanData round = ended.get(1);
        assertThat(round.getTraceId()).isEqualTo(decide.context().traceId());
        assertThat(round.getParentSpanId()).isEqualTo(decide.context().spanId());
        assertThat(continued[0]).isEqualTo("00-" + round.getTraceId() + "-" + round.getSpanId() + "-01");
    }

    @Test
    void withoutTracingNothingIsCapturedOrOpened() {
        try (EventTracing.Scope applying = EventTracing.NONE.applying(record(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "market.ticks", tick())) {
            assertThat(EventTracing.NONE.traceParent()).isNull();
        }
        assertThat(ended).isEmpty();
    }

    private static ConsumerRecord<String, byte[]> record(String traceParent) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("market.ticks", 1, 7L, "BTC", new byte[0]);
        if (traceParent != null) {
            record.headers().add(EventTracing.HEADER, traceParent.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static EventEnvelope<?> tick() {
        return EventEnvelope.of(new VenueTickObserved("binance", "BTCUSDT", new BigDecimal("100"),
                new BigDecimal("101"), new BigDecimal("100.5"), Instant.parse("2025-10-10T21:00:00Z")),
                Instant.parse("2025-10-10T21:00:00Z"), null, null);
    }
}
