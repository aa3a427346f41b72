package io.backstop.liquidation.web;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The Server-Sent Events clients of the public liquidation feed: every liquidation fill is sent to
 * every client as it is published, no cap, no sampling. A client that cannot be written to is dropped.
 */
public class LiquidationFeed {

    private final List<SseEmitter> clients = new CopyOnWriteArrayList<>();
    private final EventJson json;
    private final Counter sent;

    public LiquidationFeed(EventJson json, MeterRegistry meters) {
        this.json = json;
        this.sent = Counter.builder("backstop.liquidation.feed.sent").description("Feed events sent to SSE clients")
                .register(meters);
        Gauge.builder("backstop.liquidation.feed.clients", clients, List::size)
                .description("Connected SSE clients of the liquidation feed").register(meters);
    }

    public SseEmitter subscribe() {
        SseEmitter emitter = new SseEmitter(0L);
        emitter.onCompletion(() -> clients.remove(emitter));
        emitter.onTimeout(() -> clients.remove(emitter));
        emitter.onError(e -> clients.remove(emitter));
        clients.add(emitter);
        try {
            emitter.send(SseEmitter.event().comment("subscribed"));
        } catch (IOException e) {
            clients.remove(emitter);
        }
        return emitter;
    }

    public void publish(EventEnvelope<?> event) {
        String data = json.mapper().writeValueAsString(event.payload());
        for (SseEmitter client : clients) {
            try {
                client.send(SseEmitter.event().id(event.eventId().toString()).name("liquidation")
                        .data(data, MediaType.APPLICATION_JSON));
                sent.increment();
            } catch (IOException | IllegalStateException e) {
                clients.remove(client);
            }
        }
    }
}
