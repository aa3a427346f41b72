package io.backstop.liquidation.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.EventType;
import io.backstop.events.SampleEvents;
import io.backstop.events.json.EventJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** A client that stops reading is told it lags and dropped; the others keep receiving every event. */
class LiquidationFeedTest {

    private static final int BUFFER = 8;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CountDownLatch slowClientReads = new CountDownLatch(1);
    private final List<RecordingEmitter> emitters = new ArrayList<>();
    private LiquidationFeed feed;

    /** Records what it is sent; the first one made blocks on its first event until released. */
    private final class RecordingEmitter extends SseEmitter {
        final List<String> frames = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean completed = new AtomicBoolean();
        final boolean slow;

        RecordingEmitter(boolean slow) {
            super(0L);
            this.slow = slow;
        }

        @Override
        public void send(SseEventBuilder builder) throws IOException {
            String frame = builder.build().stream().map(d -> String.valueOf(d.getData())).collect(Collectors.joining());
            if (slow && frame.contains("event:liquidation")) {
                try {
                    slowClientReads.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            frames.add(frame);
        }

        @Override
        public void complete() {
            completed.set(true);
        }

        long events(String name) {
            synchronized (frames) {
                return frames.stream().filter(f -> f.contains("event:" + name + "\n")).count();
            }
        }
    }

    @AfterEach
    void close() {
        slowClientReads.countDown();
        if (feed != null) {
            feed.close();
        }
    }

    @Test
    void aClientThatFallsBehindIsToldItLagsAndDroppedWhileTheOthersGetEveryEvent() {
        feed = new LiquidationFeed(new EventJson(), meters, BUFFER, 2, () -> {
            RecordingEmitter emitter = new RecordingEmitter(emitters.isEmpty());
            emitters.add(emitter);
            return emitter;
        });
        feed.subscribe();
        feed.subscribe();
        RecordingEmitter slow = emitters.get(0);
        RecordingEmitter fast = emitters.get(1);

        int published = BUFFER * 4;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < published; i++) {
            EventEnvelope<?> event = SampleEvents.fresh(EventType.LIQUIDATION_REPORTED);
            ids.add(event.eventId().toString());
            feed.publish(event);
            // the fast client keeps up: wait until it has this event before the next
            int expected = i + 1;
            await().atMost(Duration.ofSeconds(5)).until(() -> fast.events("liquidation") == expected);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> meters.counter("backstop.liquidation.feed.dropped.clients")
                .count() == 1.0);
        assertThat(meters.get("backstop.liquidation.feed.clients").gauge().value()).isEqualTo(1.0);
        slowClientReads.countDown();
        await().atMost(Duration.ofSeconds(5)).until(slow.completed::get);

        assertThat(fast.events("liquidation")).isEqualTo(published);
        assertThat(fast.events("lagging")).isZero();
        assertThat(fast.completed).isFalse();
        // the slow client finished the one event it was reading, then was told that it stopped there (last frame)
        assertThat(slow.events("liquidation")).isEqualTo(1);
        assertThat(slow.events("lagging")).isEqualTo(1);
        String last = slow.frames.get(slow.frames.size() - 1);
        assertThat(last).contains("event:lagging").contains("{\"lastSentId\":\"" + ids.get(0) + "\"}");
    }
}
