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
 * <p>Config: {@value #TOPIC_PREFIX_CONFIG} (default empty), the deployment's topic prefix;
 * {@value #MAX_STRING_LENGTH_CONFIG} (default {@value #DEFAULT_MAX_STRING_LENGTH}), the longest string value
 * an event may carry: longer is {@code invalid_value}, naming the field. Every string in an event is an
 * identifier (an account, a symbol, a trade id, a scope like {@code ISOLATED:<symbol>}) or a short tag; the
 * longest a Backstop service writes is a REST-submitted identifier (at most {@code backstop.web.max-string-length},
 * 256) with a prefix, so the default leaves four times that (see docs/overload.md, "Bad input, everywhere the
 * same").
 */
public class EventDeserializer implements Deserializer<EventEnvelope<?>> {

    public static final String TOPIC_PREFIX_CONFIG = "backstop.topic.prefix";
    public static final String MAX_STRING_LENGTH_CONFIG = "backstop.max.string.length";
    public static final int DEFAULT_MAX_STRING_LENGTH = 1024;
    /** Below this, events themselves would be refused: their ids (36 characters) and times are strings. */
    public static final int MIN_MAX_STRING_LENGTH = 64;

    private final EventJson json;
    private String topicPrefix = "";
    private int maxStringLength;

    public EventDeserializer() {
        this(new EventJson(), "");
    }

    public EventDeserializer(EventJson json, String topicPrefix) {
        this(json, topicPrefix, DEFAULT_MAX_STRING_LENGTH);
    }

    public EventDeserializer(EventJson json, String topicPrefix, int maxStringLength) {
        this.json = json;
        this.topicPrefix = topicPrefix;
        this.maxStringLength = atLeastTheMinimum(maxStringLength);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object prefix = configs.get(TOPIC_PREFIX_CONFIG);
        if (prefix != null) {
            this.topicPrefix = prefix.toString();
        }
        Object max = configs.get(MAX_STRING_LENGTH_CONFIG);
        if (max != null && !max.toString().isBlank()) {
            try {
                this.maxStringLength = atLeastTheMinimum(Integer.parseInt(max.toString().trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(MAX_STRING_LENGTH_CONFIG + " must be an integer, got '"
                        + max + "'", e);
            }
        }
    }

    /** The longest string value this deserializer accepts. */
    public int maxStringLength() {
        return maxStringLength;
    }

    @Override
    public EventEnvelope<?> deserialize(String topic, byte[] data) {
        return json.decode(topic, topicPrefix, data, maxStringLength);
    }

    private static int atLeastTheMinimum(int max) {
        if (max < MIN_MAX_STRING_LENGTH) {
            throw new IllegalArgumentException(MAX_STRING_LENGTH_CONFIG + " must be at least " + MIN_MAX_STRING_LENGTH
                    + " (an event's ids and times are strings), got " + max);
        }
        return max;
    }
}
