package io.backstop.lab.tracing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for an OpenTelemetry Collector: receives what the services' OTLP exporters send (OTLP/HTTP,
 * protobuf, at {@code /v1/traces}) and keeps every span, so a test can look at whole traces across services.
 */
public final class TraceCollector implements AutoCloseable {

    /** One span as received: the service that sent it, its ids (hex), name, start and attributes. */
    public record CollectedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
                                long startNanos, long endNanos, Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final List<CollectedSpan> spans = new CopyOnWriteArrayList<>();
    private volatile int requests;

    public TraceCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (exchange) {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                InputStream body = exchange.getRequestBody();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    body = new GZIPInputStream(body);
                }
                collect(ExportTraceServiceRequest.parseFrom(body));
                requests++;
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.start();
    }

    /** Where the services send their spans: management.opentelemetry.tracing.export.otlp.endpoint. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    private void collect(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = attributes(resource.getResource().getAttributesList()).getOrDefault("service.name", "?");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (var span : scope.getSpansList()) {
                    spans.add(new CollectedSpan(service, hex.formatHex(span.getTraceId().toByteArray()),
                            hex.formatHex(span.getSpanId().toByteArray()),
                            span.getParentSpanId().isEmpty() ? null : hex.formatHex(span.getParentSpanId().toByteArray()),
                            span.getName(), span.getStartTimeUnixNano(), span.getEndTimeUnixNano(),
                            attributes(span.getAttributesList())));
                }
            }
        }
    }

    private static Map<String, String> attributes(List<KeyValue> values) {
        Map<String, String> map = new LinkedHashMap<>();
        values.forEach(kv -> map.put(kv.getKey(), kv.getValue().hasStringValue() ? kv.getValue().getStringValue()
                : kv.getValue().toString().trim()));
        return map;
    }

    public List<CollectedSpan> spans() {
        return new ArrayList<>(spans);
    }

    /** How many export requests arrived. */
    public int requests() {
        return requests;
    }

    /**
     * The chain of spans from {@code span} up to its trace's root, root first: each span's parent, as long as the
     * collector has it.
     */
    public List<CollectedSpan> ancestry(CollectedSpan span) {
        Map<String, CollectedSpan> byId = new LinkedHashMap<>();
        spans.stream().filter(s -> s.traceId().equals(span.traceId())).forEach(s -> byId.put(s.spanId(), s));
        List<CollectedSpan> chain = new ArrayList<>();
        for (CollectedSpan s = span; s != null && chain.size() < 1000; s = s.parentSpanId() == null ? null
                : byId.get(s.parentSpanId())) {
            chain.add(0, s);
        }
        return chain;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
