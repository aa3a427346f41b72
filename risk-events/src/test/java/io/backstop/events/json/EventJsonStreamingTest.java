package io.backstop.events.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.EventPayload;
import io.backstop.events.EventType;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one-pass encoding and reading of events ({@link EventJson#encode}, {@link EventJson#decode}) against the
 * tree's: the same bytes written, the same event read, and the one-pass reading taken for every well-formed event.
 * {@code EventJsonFuzzProperties} compares the two readings on corrupted events.
 */
class EventJsonStreamingTest {

    private static final int BOUND = 1024;

    private final EventJson json = new EventJson();

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyEventIsWrittenByteForByteAsItsTreeWouldBe(EventType type) {
        EventEnvelope<?> full = SampleEvents.envelope(type);
        EventEnvelope<?> bare = new EventEnvelope<>(full.eventId(), type, type.version(), full.occurredAt(), null,
                type.topic().sequenced() ? 0L : null, full.payload());

        assertThat(new String(json.encode(full), StandardCharsets.UTF_8)).isEqualTo(treeEncoded(full));
        assertThat(new String(json.encode(bare), StandardCharsets.UTF_8)).isEqualTo(treeEncoded(bare));
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyWellFormedEventIsReadInOnePassAsTheTreeReadsIt(EventType type) {
        byte[] message = json.encode(SampleEvents.fresh(type));

        EventEnvelope<?> streamed = json.decodeStreaming(type.topic(), message, BOUND);

        assertThat(streamed).as("read in one pass").isNotNull();
        assertThat(streamed).isEqualTo(json.decodeFromTree(type.topic(), type.topic().baseName(), message, BOUND));
    }

    @Test
    void anEnvelopeWrittenInAnotherOrderOrWithUnknownFieldsIsReadTheSame() {
        EventEnvelope<?> event = SampleEvents.envelope(EventType.POSITION_LIQUIDATED);
        ObjectNode tree = (ObjectNode) json.mapper().readTree(json.encode(event));
        ObjectNode reordered = json.mapper().createObjectNode();
        reordered.put("note", "written by another producer");
        reordered.set("extra", json.mapper().readTree("{\"a\":[1,{\"b\":null}]}"));
        reordered.set("payload", tree.get("payload"));
        tree.properties().forEach(e -> reordered.set(e.getKey(), e.getValue()));
        byte[] payloadFirst = json.mapper().writeValueAsBytes(reordered);

        assertThat(json.decodeStreaming(Topic.LIQUIDATION_FILLS, payloadFirst, BOUND)).as("payload before type")
                .isNull();
        assertThat(json.decode(Topic.LIQUIDATION_FILLS, "liquidation.fills", payloadFirst, BOUND)).isEqualTo(event);

        tree.put("note", "after the payload");
        byte[] unknownLast = json.mapper().writeValueAsBytes(tree);
        assertThat(json.decodeStreaming(Topic.LIQUIDATION_FILLS, unknownLast, BOUND)).isEqualTo(event);
    }

    @Test
    void aRepeatedNameIsLeftToTheTreeWhichKeepsTheLast() {
        EventEnvelope<?> event = SampleEvents.envelope(EventType.LIQUIDATION_FEE_COLLECTED);
        String written = new String(json.encode(event), StandardCharsets.UTF_8);
        UUID other = UUID.fromString("00000000-0000-0000-0000-0000000000aa");
        String repeatedId = written.replaceFirst("\\{", "{\"eventId\":\"" + other + "\",");
        String repeatedAmount = written.replace("\"amount\":\"11.403\"", "\"amount\":\"1\",\"amount\":\"11.403\"");
        assertThat(repeatedAmount).isNotEqualTo(written);

        for (String message : new String[] {repeatedId, repeatedAmount}) {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            assertThat(json.decodeStreaming(Topic.INSURANCE_CONTRIBUTIONS, bytes, BOUND)).isNull();
            assertThat(json.decode(Topic.INSURANCE_CONTRIBUTIONS, "insurance.contributions", bytes, BOUND))
                    .isEqualTo(json.decodeFromTree(Topic.INSURANCE_CONTRIBUTIONS, "insurance.contributions", bytes,
                            BOUND))
                    .isEqualTo(event);
        }
    }

    @Test
    void aStringPastTheBoundInBytesIsLeftToTheTreeWhichCountsCharacters() {
        EventEnvelope<?> event = SampleEvents.envelope(EventType.LIQUIDATION_FEE_COLLECTED);
        String account = "\u00e9".repeat(40); // 40 characters, 80 bytes in UTF-8
        EventEnvelope<?> wide = new EventEnvelope<>(event.eventId(), event.type(), event.version(), event.occurredAt(),
                event.causationId(), event.sequence(), withAccount(event.payload(), account));
        byte[] message = json.encode(wide);

        assertThat(EventJson.stringsWithin(message, 64)).isFalse();
        assertThat(json.decodeStreaming(Topic.INSURANCE_CONTRIBUTIONS, message, 64)).isNull();
        assertThat(json.decode(Topic.INSURANCE_CONTRIBUTIONS, "insurance.contributions", message, 64)).isEqualTo(wide);
        assertThat(EventJson.stringsWithin("{\"a\":\"x\\\"y\\\\\"}".getBytes(StandardCharsets.UTF_8), 6))
                .as("escapes are counted as written, and an escaped quote does not end the string").isTrue();
        assertThat(EventJson.stringsWithin("{\"a\":\"x\\\"y\\\\\"}".getBytes(StandardCharsets.UTF_8), 5)).isFalse();
    }

    private static EventPayload withAccount(EventPayload payload, String account) {
        var fee = (io.backstop.events.liquidation.LiquidationFeeCollected) payload;
        return new io.backstop.events.liquidation.LiquidationFeeCollected(fee.liquidationId(), fee.tradeId(), account,
                fee.symbol(), fee.amount(), fee.asset());
    }

    /** How events were written before the one-pass encoding: a tree of the envelope, the payload a tree in it. */
    private String treeEncoded(EventEnvelope<?> event) {
        ObjectNode root = json.mapper().createObjectNode();
        root.put("eventId", event.eventId().toString());
        root.put("type", event.type().wireName());
        root.put("version", event.version());
        root.put("occurredAt", event.occurredAt().toString());
        if (event.causationId() != null) {
            root.put("causationId", event.causationId().toString());
        }
        if (event.sequence() != null) {
            root.put("sequence", event.sequence());
        }
        root.set("payload", json.mapper().valueToTree(event.payload()));
        return new String(json.mapper().writeValueAsBytes(root), StandardCharsets.UTF_8);
    }
}
