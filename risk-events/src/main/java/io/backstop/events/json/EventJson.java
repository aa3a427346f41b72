package io.backstop.events.json;

import io.backstop.events.ContractViolation;
import io.backstop.events.ContractViolation.Reason;
import io.backstop.events.EventEnvelope;
import io.backstop.events.EventPayload;
import io.backstop.events.EventType;
import io.backstop.events.InvalidField;
import io.backstop.events.Topic;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The JSON form of events. Decimals are JSON strings (exact, never a binary float on any client);
 * times are ISO-8601 strings. Decoding checks the whole contract and reports the first violation as a
 * {@link ContractViolation} naming the topic and the field's path; it never lets a
 * NullPointerException or a half-built event through. Thread-safe; build one and share it.
 */
public final class EventJson {

    /** Decimals beyond these bounds are rejected: no real price or amount needs them, and they cost. */
    static final int MAX_PRECISION = 40;
    static final int MAX_ABS_SCALE = 30;

    private final JsonMapper mapper;
    /** Parsers that refuse a name repeated in an object, for the streaming path (the tree keeps the last). */
    private final ObjectReader strictReader;
    /** Each type's payload bound from a parser inside its envelope (the envelope's end follows it). */
    private final Map<EventType, ObjectReader> payloadReaders = new EnumMap<>(EventType.class);

    public EventJson() {
        this.mapper = JsonMapper.builder()
                .addModule(exactValues())
                .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
        this.strictReader = mapper.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
        for (EventType type : EventType.values()) {
            payloadReaders.put(type, mapper.readerFor(type.payloadClass())
                    .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS));
        }
    }

    /**
     * Backstop's value conventions as a Jackson module: decimals as JSON strings (and only strings
     * accepted), instants as ISO-8601 strings. REST adapters register it too, so an API and an event
     * write the same amount the same way.
     */
    public static SimpleModule exactValues() {
        return new SimpleModule("backstop-exact-values")
                .addSerializer(BigDecimal.class, new DecimalAsString())
                .addDeserializer(BigDecimal.class, new DecimalFromString())
                .addSerializer(Instant.class, new InstantAsString())
                .addDeserializer(Instant.class, new InstantFromString());
    }

    /** The mapper with Backstop's value conventions, for adapters that read or write the same records. */
    public JsonMapper mapper() {
        return mapper;
    }

    /**
     * The event as its JSON message: the envelope's fields in a fixed order ({@code eventId}, {@code type},
     * {@code version}, {@code occurredAt}, {@code causationId} and {@code sequence} when present), then the
     * {@code payload}. Written straight to bytes, with no tree in between.
     */
    public byte[] encode(EventEnvelope<?> event) {
        return mapper.writeValueAsBytes(new Wire(event.eventId().toString(), event.type().wireName(), event.version(),
                event.occurredAt().toString(), event.causationId() == null ? null : event.causationId().toString(),
                event.sequence(), event.payload()));
    }

    /** The envelope as written; absent fields are null and left out ({@code NON_NULL}). */
    @JsonPropertyOrder({"eventId", "type", "version", "occurredAt", "causationId", "sequence", "payload"})
    private record Wire(String eventId, String type, int version, String occurredAt, String causationId, Long sequence,
                        EventPayload payload) {
    }

    /**
     * Decodes a message read from {@code topicName}, which must be one of Backstop's topics under
     * {@code topicPrefix}.
     *
     * @throws ContractViolation when the message is not a valid event of that topic
     */
    public EventEnvelope<?> decode(String topicName, String topicPrefix, byte[] message) {
        return decode(topicName, topicPrefix, message, Integer.MAX_VALUE);
    }

    /**
     * {@link #decode(String, String, byte[])}, refusing any string value longer than {@code maxStringLength}
     * characters ({@code invalid_value}, naming its path, {@code payload.accountId} say) before anything is
     * read from it: a consumer's limit, so that a 10 MB account id is dead-lettered instead of becoming a key
     * in memory and a row in the database.
     */
    public EventEnvelope<?> decode(String topicName, String topicPrefix, byte[] message, int maxStringLength) {
        Topic topic = Topic.fromName(topicName, topicPrefix).orElseThrow(() -> new ContractViolation(
                topicName, "$", Reason.WRONG_TOPIC, "not a Backstop topic under prefix '" + topicPrefix + "'"));
        return decode(topic, topicName, message, maxStringLength);
    }

    /**
     * Decodes a bare payload (a REST body, say) with the same checks as an event's payload; violations
     * name {@code source} where an event's would name its topic.
     */
    public <P extends EventPayload> P decodePayload(Class<P> type, byte[] body, String source) {
        return decodePayload(type, body, source, Integer.MAX_VALUE);
    }

    /**
     * {@link #decodePayload(Class, byte[], String)}, refusing any string value longer than
     * {@code maxStringLength} characters ({@code invalid_value}, naming its path): a REST body's limit.
     */
    public <P extends EventPayload> P decodePayload(Class<P> type, byte[] body, String source, int maxStringLength) {
        Reader in = new Reader(source);
        if (body == null || body.length == 0) {
            throw in.violation("$", Reason.MALFORMED_JSON, "the body is empty");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JacksonException e) {
            throw in.violation("$", Reason.MALFORMED_JSON, "not valid JSON: " + firstLine(e.getOriginalMessage())
                    + locationOf(e));
        }
        if (root == null || !root.isObject()) {
            throw in.violation("$", Reason.MALFORMED_JSON, "must be a JSON object");
        }
        if (maxStringLength < Integer.MAX_VALUE) {
            in.boundStrings(root, "", maxStringLength);
        }
        try {
            return mapper.treeToValue(root, type);
        } catch (JacksonException e) {
            throw in.fromBinding("$", e);
        }
    }

    /** Decodes a message of {@code topic}; {@code topicName} is only used in error messages. */
    public EventEnvelope<?> decode(Topic topic, String topicName, byte[] message) {
        return decode(topic, topicName, message, Integer.MAX_VALUE);
    }

    /**
     * {@link #decode(Topic, String, byte[])}, refusing any string value (of the envelope or the payload) longer
     * than {@code maxStringLength} characters, as {@link #decode(String, String, byte[], int)} does.
     */
    public EventEnvelope<?> decode(Topic topic, String topicName, byte[] message, int maxStringLength) {
        EventEnvelope<?> event = decodeStreaming(topic, message, maxStringLength);
        return event != null ? event : decodeFromTree(topic, topicName, message, maxStringLength);
    }

    /**
     * The common case in one pass: a well-formed event, its envelope first and its payload last as {@link #encode}
     * writes them, read token by token and its payload bound straight from the parser. Returns null for anything
     * else (a violation of any kind, a duplicated name, the payload before the type, a null where a value is
     * required, a string longer than the bound), and {@link #decodeFromTree} then decides: it is the contract's one
     * reading, with its precise violations. So this path only ever returns an event that reading would return equal.
     */
    EventEnvelope<?> decodeStreaming(Topic topic, byte[] message, int maxStringLength) {
        if (message == null || !stringsWithin(message, maxStringLength)) {
            return null;
        }
        try (JsonParser p = strictReader.createParser(message)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            UUID eventId = null;
            EventType type = null;
            long version = 0;
            Instant occurredAt = null;
            UUID causationId = null;
            Long sequence = null;
            EventPayload payload = null;
            for (JsonToken token = p.nextToken(); token != JsonToken.END_OBJECT; token = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "eventId" -> eventId = UUID.fromString(streamedText(p, value));
                    case "type" -> {
                        type = EventType.fromWireName(streamedText(p, value)).orElse(null);
                        if (type == null || type.topic() != topic) {
                            return null;
                        }
                    }
                    case "version" -> version = streamedInteger(p, value);
                    case "occurredAt" -> occurredAt = IsoInstants.parse(streamedText(p, value));
                    case "causationId" -> causationId = value == JsonToken.VALUE_NULL ? null
                            : UUID.fromString(streamedText(p, value));
                    case "sequence" -> sequence = value == JsonToken.VALUE_NULL ? null : streamedInteger(p, value);
                    case "payload" -> {
                        if (type == null || value != JsonToken.START_OBJECT) {
                            return null;
                        }
                        payload = payloadReaders.get(type).readValue(p);
                    }
                    default -> p.skipChildren();
                }
            }
            // the envelope's own checks (ids, times, a version of at least 1, the sequence) throw, as a violation
            if (p.nextToken() != null || payload == null || version > type.version()) {
                return null;
            }
            return new EventEnvelope<>(eventId, type, (int) version, occurredAt, causationId, sequence, payload);
        } catch (RuntimeException e) {
            return null; // the tree's reading names what is wrong
        }
    }

    /** A string value that is not blank, or an exception (the tree's reading then decides). */
    private static String streamedText(JsonParser p, JsonToken value) {
        String text = value == JsonToken.VALUE_STRING ? p.getString() : null;
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("not a non-blank string");
        }
        return text;
    }

    /** An integer that fits a long, or an exception (the tree's reading then decides). */
    private static long streamedInteger(JsonParser p, JsonToken value) {
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new IllegalArgumentException("not an integer within a long");
        }
        return p.getLongValue();
    }

    /**
     * Whether every quoted string of the message (values and names) is at most {@code max} bytes long between its
     * quotes. A string's characters are never more than its bytes (UTF-8, escapes), so within this bound the tree's
     * check ({@code boundStrings}) passes too; past it, the tree's reading decides.
     */
    static boolean stringsWithin(byte[] message, int max) {
        if (max == Integer.MAX_VALUE) {
            return true;
        }
        int i = 0;
        while (i < message.length) {
            if (message[i++] != '"') {
                continue;
            }
            int start = i;
            while (i < message.length && message[i] != '"') {
                i += message[i] == '\\' ? 2 : 1;
            }
            if (i - start > max) {
                return false;
            }
            i++;
        }
        return true;
    }

    /** The contract's reading of an event, from its tree: every check, and the violation that names the field. */
    EventEnvelope<?> decodeFromTree(Topic topic, String topicName, byte[] message, int maxStringLength) {
        Reader in = new Reader(topicName);
        if (message == null || message.length == 0) {
            throw in.violation("$", Reason.MALFORMED_JSON, "the message is empty");
        }
        JsonNode root;
        try {
            root = mapper.readTree(message);
        } catch (JacksonException e) {
            throw in.violation("$", Reason.MALFORMED_JSON, "not valid JSON: " + firstLine(e.getOriginalMessage())
                    + locationOf(e));
        }
        if (root == null || !root.isObject()) {
            throw in.violation("$", Reason.MALFORMED_JSON, "must be a JSON object");
        }
        if (maxStringLength < Integer.MAX_VALUE) {
            in.boundStrings(root, "", maxStringLength);
        }

        UUID eventId = in.uuid(root, "eventId", true);
        String typeName = in.text(root, "type", true);
        EventType type = EventType.fromWireName(typeName).orElseThrow(() -> in.violation("type", Reason.UNKNOWN_TYPE,
                "unknown event type '" + typeName + "'; " + topicName + " carries " + typesOf(topic)));
        if (type.topic() != topic) {
            throw in.violation("type", Reason.WRONG_TOPIC, typeName + " belongs on " + type.topic().baseName()
                    + ", not on " + topic.baseName());
        }
        long version = in.integer(root, "version", true);
        if (version < 1) {
            throw in.violation("version", Reason.INVALID_VALUE, "must be at least 1, got " + version);
        }
        if (version > type.version()) {
            throw in.violation("version", Reason.UNSUPPORTED_VERSION, typeName + " version " + version
                    + " is newer than the newest this consumer reads (" + type.version() + ")");
        }
        Instant occurredAt = in.instant(root, "occurredAt");
        UUID causationId = in.uuid(root, "causationId", false);
        Long sequence = root.has("sequence") && !root.get("sequence").isNull()
                ? Long.valueOf(in.integer(root, "sequence", true)) : null;
        if (sequence != null && sequence < 0) {
            throw in.violation("sequence", Reason.INVALID_VALUE, "must not be negative, got " + sequence);
        }
        if (sequence == null && topic.sequenced()) {
            throw in.violation("sequence", Reason.MISSING_FIELD, "is required on " + topic.baseName());
        }
        JsonNode payloadNode = root.get("payload");
        if (payloadNode == null || payloadNode.isNull()) {
            throw in.violation("payload", Reason.MISSING_FIELD, "is required");
        }
        if (!payloadNode.isObject()) {
            throw in.violation("payload", Reason.WRONG_TYPE, "must be a JSON object");
        }
        EventPayload payload;
        try {
            payload = mapper.treeToValue(payloadNode, type.payloadClass());
        } catch (JacksonException e) {
            throw in.fromBinding("payload", e);
        }
        try {
            return new EventEnvelope<>(eventId, type, (int) version, occurredAt, causationId, sequence, payload);
        } catch (InvalidField e) {
            throw in.violation(e.field(), Reason.INVALID_VALUE, e.problem());
        }
    }

    private static String typesOf(Topic topic) {
        return Arrays.stream(EventType.values()).filter(t -> t.topic() == topic).map(EventType::wireName)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static String locationOf(JacksonException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** Reads envelope fields from the tree and builds violations that name the topic. */
    private record Reader(String topicName) {

        ContractViolation violation(String field, Reason reason, String detail) {
            return new ContractViolation(topicName, field, reason, detail);
        }

        /**
         * Refuses the first string value under {@code node} longer than {@code max}, naming its path; a property
         * name over it (a map's key: a symbol in a margin call's price sequences) names the object that holds it.
         */
        void boundStrings(JsonNode node, String path, int max) {
            if (node.isString() && node.stringValue().length() > max) {
                throw violation(path.isEmpty() ? "$" : path, Reason.INVALID_VALUE, "must be at most " + max
                        + " characters, got " + node.stringValue().length());
            }
            if (node.isObject()) {
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    if (e.getKey().length() > max) {
                        throw violation(path.isEmpty() ? "$" : path, Reason.INVALID_VALUE, "a property name must be"
                                + " at most " + max + " characters, got " + e.getKey().length());
                    }
                    boundStrings(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), max);
                }
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    boundStrings(node.get(i), path + "[" + i + "]", max);
                }
            }
        }

        JsonNode node(JsonNode root, String field, boolean required) {
            JsonNode node = root.get(field);
            if (node == null || node.isNull()) {
                if (required) {
                    throw violation(field, Reason.MISSING_FIELD, "is required");
                }
                return null;
            }
            return node;
        }

        String text(JsonNode root, String field, boolean required) {
            JsonNode node = node(root, field, required);
            if (node == null) {
                return null;
            }
            if (!node.isString()) {
                throw violation(field, Reason.WRONG_TYPE, "must be a string, got " + node.getNodeType());
            }
            if (node.stringValue().isBlank()) {
                throw violation(field, Reason.INVALID_VALUE, "must not be blank");
            }
            return node.stringValue();
        }

        long integer(JsonNode root, String field, boolean required) {
            JsonNode node = node(root, field, required);
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw violation(field, Reason.WRONG_TYPE, "must be an integer, got " + node);
            }
            return node.longValue();
        }

        UUID uuid(JsonNode root, String field, boolean required) {
            String text = text(root, field, required);
            if (text == null) {
                return null;
            }
            try {
                return UUID.fromString(text);
            } catch (IllegalArgumentException e) {
                throw violation(field, Reason.INVALID_VALUE, "must be a UUID, got '" + text + "'");
            }
        }

        Instant instant(JsonNode root, String field) {
            String text = text(root, field, true);
            try {
                return IsoInstants.parse(text);
            } catch (DateTimeParseException e) {
                throw violation(field, Reason.INVALID_VALUE, "must be an ISO-8601 instant, got '" + text + "'");
            }
        }

        /** Translates a binding failure inside {@code prefix} into a violation naming the field's path. */
        ContractViolation fromBinding(String prefix, JacksonException e) {
            StringBuilder path = new StringBuilder("$".equals(prefix) ? "" : prefix);
            for (JacksonException.Reference ref : e.getPath()) {
                if (ref.getPropertyName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(ref.getPropertyName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof InvalidField invalid) {
                    String field = path.length() == 0 ? invalid.field() : path + "." + invalid.field();
                    Reason reason = invalid.problem().startsWith("is required") ? Reason.MISSING_FIELD
                            : Reason.INVALID_VALUE;
                    return violation(field, reason, invalid.problem());
                }
                if (cause instanceof InvalidValue invalid) {
                    return violation(path.length() == 0 ? "$" : path.toString(), Reason.INVALID_VALUE,
                            invalid.getMessage());
                }
            }
            return violation(path.length() == 0 ? "$" : path.toString(), reasonOf(e), firstLine(e.getOriginalMessage()));
        }
    }

    /**
     * The contract's reason for a value Jackson could not bind, the same for an event and a REST body: a field
     * the contract requires is {@code missing_field}; a value of the right JSON type that is not valid (a decimal
     * string that is no number or out of range, an unreadable instant, a string naming no enum constant or UUID)
     * is {@code invalid_value}; a value of the wrong JSON type (a decimal written as a number, an object for a
     * string) is {@code wrong_type}.
     */
    public static Reason reasonOf(JacksonException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidField invalid) {
                return invalid.problem().startsWith("is required") ? Reason.MISSING_FIELD : Reason.INVALID_VALUE;
            }
            if (cause instanceof InvalidValue) {
                return Reason.INVALID_VALUE;
            }
        }
        if (e instanceof InvalidFormatException bad && bad.getValue() instanceof String) {
            // a string where a number or a boolean belongs is the wrong type, whether or not it was tried as one
            Class<?> target = bad.getTargetType();
            boolean scalar = target != null && (target.isPrimitive() || Number.class.isAssignableFrom(target)
                    || target == Boolean.class);
            return scalar ? Reason.WRONG_TYPE : Reason.INVALID_VALUE;
        }
        return e instanceof MismatchedInputException ? Reason.WRONG_TYPE : Reason.INVALID_VALUE;
    }

    /** A value of the right JSON type that is not a valid value (a decimal string that is not a number). */
    static final class InvalidValue extends RuntimeException {
        InvalidValue(String message) {
            super(message, null, false, false);
        }
    }

    private static final class DecimalAsString extends ValueSerializer<BigDecimal> {
        @Override
        public void serialize(BigDecimal value, JsonGenerator gen, SerializationContext ctxt) {
            gen.writeString(value.toPlainString());
        }
    }

    private static final class DecimalFromString extends ValueDeserializer<BigDecimal> {
        @Override
        public BigDecimal deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return ctxt.reportInputMismatch(BigDecimal.class, "must be a decimal written as a JSON string"
                        + " (for example \"65000.5\"), got " + p.currentToken());
            }
            String text = p.getString().trim();
            BigDecimal value;
            try {
                value = new BigDecimal(text);
            } catch (NumberFormatException e) {
                throw new InvalidValue("must be a decimal number, got '" + text + "'");
            }
            if (value.precision() > MAX_PRECISION || Math.abs(value.scale()) > MAX_ABS_SCALE) {
                throw new InvalidValue("decimal out of range (at most " + MAX_PRECISION + " digits and "
                        + MAX_ABS_SCALE + " decimal places), got '" + text + "'");
            }
            return value;
        }
    }

    private static final class InstantAsString extends ValueSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializationContext ctxt) {
            gen.writeString(value.toString());
        }
    }

    private static final class InstantFromString extends ValueDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return ctxt.reportInputMismatch(Instant.class, "must be an ISO-8601 instant written as a string"
                        + " (for example \"2025-10-10T21:15:00Z\"), got " + p.currentToken());
            }
            String text = p.getString();
            try {
                return IsoInstants.parse(text);
            } catch (DateTimeParseException e) {
                throw new InvalidValue("must be an ISO-8601 instant, got '" + text + "'");
            }
        }
    }
}
