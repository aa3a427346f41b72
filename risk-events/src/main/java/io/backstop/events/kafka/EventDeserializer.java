package io.backstop.events.kafka;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka value deserializer for {@link EventEnvelope}s. Throws {@link ContractViolation} for any
 * message that is not a valid event of the topic it was read from; wrap it in Spring Kafka's
 * {@code ErrorHandlingDeserializer} so such a message reaches the dead-letter topic instead of
 * blocking its partition.
 *
 * <p>Config: {@value #TOPIC_PREFIX_CONFIG} (default empty), the deployment's topic prefix.
 */
public class EventDeserializer implements Deserializer<EventEnvelope<?>> {

    public static final String TOPIC_PREFIX_CONFIG = "backstop.topic.prefix";

    private final EventJson json;
    private String topicPrefix = "";

    public EventDeserializer() {
        this(new EventJson(), "");
    }

    public EventDeserializer(EventJson json, String topicPrefix) {
        this.json = json;
        this.topicPrefix = topicPrefix;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object prefix = configs.get(TOPIC_PREFIX_CONFIG);
        if (prefix != null) {
            this.topicPrefix = prefix.toString();
        }
    }

    @Override
    public EventEnvelope<?> deserialize(String topic, byte[] data) {
        return json.decode(topic, topicPrefix, data);
    }
}
