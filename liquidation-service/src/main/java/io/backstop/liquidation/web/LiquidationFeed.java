package io.backstop.liquidation.web;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The Server-Sent Events clients of the public liquidation feed: every liquidation fill is sent to
 * every client as it is published, no cap, no sampling. Each client has its own bounded queue,
 * drained by a small pool of sender threads, so a slow client never holds up the others or the Kafka
 * consumer; a client so far behind that its queue is full is told so (event {@code lagging}, with the
 * last id it was sent, to page the rest from the history) and dropped.
 */
public class LiquidationFeed implements AutoCloseable {

    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final EventJson json;
    private final int queueCapacity;
    private final ExecutorService senders;
    private final Counter sent;
    private final Counter dropped;
    private final Supplier<SseEmitter> emitters;

    public LiquidationFeed(EventJson json, MeterRegistry meters, int queueCapacity, int senderThreads) {
        this(json, meters, queueCapacity, senderThreads, () -> new SseEmitter(0L));
    }

    /** With the emitter of each new client made by {@code emitters} (tests give a slow one). */
    LiquidationFeed(EventJson json, MeterRegistry meters, int queueCapacity, int senderThreads,
                    Supplier<SseEmitter> emitters) {
        this.json = json;
        this.emitters = emitters;
        this.queueCapacity = queueCapacity;
        this.senders = Executors.newFixedThreadPool(senderThreads, r -> {
            Thread t = new Thread(r, "liquidation-feed-sender");
            t.setDaemon(true);
            return t;
        });
        this.sent = Counter.builder("backstop.liquidation.feed.sent").description("Feed events sent to SSE clients")
                .register(meters);
        this.dropped = Counter.builder("backstop.liquidation.feed.dropped.clients")
                .description("SSE clients dropped because they fell too far behind").register(meters);
        Gauge.builder("backstop.liquidation.feed.clients", clients, List::size)
                .description("Connected SSE clients of the liquidation feed").register(meters);
    }

    /** One event as it goes on the wire. */
    private record Frame(String id, String data) {
    }

    private final class Client {
        final SseEmitter emitter = emitters.get();
        final BlockingQueue<Frame> queue = new ArrayBlockingQueue<>(queueCapacity);
        final AtomicBoolean sending = new AtomicBoolean();
        volatile boolean lagging;
        volatile String lastSent;

        void schedule() {
            if (sending.compareAndSet(false, true)) {
                senders.execute(this::drain);
            }
        }

        /**
         * Sends what is queued, in order, on one sender at a time; a lagging client is told, after the
         * last frame it was sent, which one that was, and completed.
         */
        private void drain() {
            try {
                Frame frame;
                while (!lagging && (frame = queue.poll()) != null) {
                    emitter.send(SseEmitter.event().id(frame.id()).name("liquidation")
                            .data(frame.data(), MediaType.APPLICATION_JSON));
                    lastSent = frame.id();
                    sent.increment();
                }
                if (lagging) {
                    emitter.send(SseEmitter.event().name("lagging").data("{\"lastSentId\":"
                            + (lastSent == null ? "null" : "\"" + lastSent + "\"") + "}", MediaType.APPLICATION_JSON));
                    emitter.complete();
                    return;
                }
            } catch (IOException | IllegalStateException e) {
                clients.remove(this);
                return;
            } finally {
                sending.set(false);
            }
            if (!queue.isEmpty() || lagging) {
                schedule();
            }
        }
    }

    public SseEmitter subscribe() {
        Client client = new Client();
        client.emitter.onCompletion(() -> clients.remove(client));
        client.emitter.onTimeout(() -> clients.remove(client));
        client.emitter.onError(e -> clients.remove(client));
        clients.add(client);
        try {
            client.emitter.send(SseEmitter.event().comment("subscribed"));
        } catch (IOException e) {
            clients.remove(client);
        }
        return client.emitter;
    }

    public void publish(EventEnvelope<?> event) {
        Frame frame = new Frame(event.eventId().toString(), json.mapper().writeValueAsString(event.payload()));
        for (Client client : clients) {
            if (client.queue.offer(frame)) {
                client.schedule();
            } else {
                lagging(client);
            }
        }
    }

    /** Drops a client whose queue is full: what it has not been sent is discarded, and it is told where it stopped. */
    private void lagging(Client client) {
        clients.remove(client);
        dropped.increment();
        client.lagging = true;
        client.queue.clear();
        client.schedule();
    }

    @Override
    public void close() {
        senders.shutdownNow();
    }
}
