package io.backstop.events.kafka;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka value serializer for {@link EventEnvelope}s, in {@link EventJson}'s form. */
public class EventSerializer implements Serializer<EventEnvelope<?>> {

    private final EventJson json;

    public EventSerializer() {
        this(new EventJson());
    }

    public EventSerializer(EventJson json) {
        this.json = json;
    }

    @Override
    public byte[] serialize(String topic, EventEnvelope<?> event) {
        return event == null ? null : json.encode(event);
    }
}
