package io.backstop.events.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventType;
import io.backstop.events.SampleEvents;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Whatever a producer gets wrong, a consumer sees a {@link ContractViolation} naming the topic and a
 * field, or a valid event: never a NullPointerException or another surprise from deep inside.
 */
class EventJsonFuzzProperties {

    private final EventJson json = new EventJson();

    @Property(tries = 3000)
    void anyCorruptionOfAValidEventIsAcceptedOrNamed(@ForAll EventType type, @ForAll("positions") int position,
                                                      @ForAll("junk") String junk) {
        ObjectNode message = (ObjectNode) json.mapper().readTree(json.encode(SampleEvents.envelope(type)));
        List<Slot> slots = new ArrayList<>();
        collect(message, slots);
        Slot slot = slots.get(Math.floorMod(position, slots.size()));
        JsonNode replacement = json.mapper().readTree(junk);
        slot.replace(replacement);
        byte[] corrupted = json.mapper().writeValueAsBytes(message);

        try {
            assertThat(json.decode(type.topic(), type.topic().baseName(), corrupted).payload()).isNotNull();
        } catch (ContractViolation violation) {
            assertThat(violation.topic()).isEqualTo(type.topic().baseName());
            assertThat(violation.field()).isNotBlank();
            assertThat(violation.detail()).isNotBlank();
        }
    }

    /**
     * The one-pass reading ({@link EventJson#decode}) and the tree's ({@link EventJson#decodeFromTree}) agree on any
     * corruption: the same event, or the same violation, with and without a bound on strings that some of the junk
     * passes.
     */
    @Property(tries = 3000)
    void theOnePassReadingAgreesWithTheTreesOnAnyCorruption(@ForAll EventType type, @ForAll("positions") int position,
                                                            @ForAll("junk") String junk, @ForAll boolean bounded) {
        ObjectNode message = (ObjectNode) json.mapper().readTree(json.encode(SampleEvents.envelope(type)));
        List<Slot> slots = new ArrayList<>();
        collect(message, slots);
        slots.get(Math.floorMod(position, slots.size())).replace(json.mapper().readTree(junk));
        byte[] corrupted = json.mapper().writeValueAsBytes(message);
        int bound = bounded ? 100 : Integer.MAX_VALUE;
        String topic = type.topic().baseName();

        assertThat(outcome(() -> json.decode(type.topic(), topic, corrupted, bound)))
                .isEqualTo(outcome(() -> json.decodeFromTree(type.topic(), topic, corrupted, bound)));
    }

    private static Object outcome(java.util.function.Supplier<Object> reading) {
        try {
            return reading.get();
        } catch (ContractViolation v) {
            return List.of(v.topic(), v.field(), v.reason(), v.detail());
        }
    }

    @Property(tries = 500)
    void arbitraryBytesAreAcceptedOrNamed(@ForAll byte[] bytes, @ForAll EventType type) {
        try {
            json.decode(type.topic(), type.topic().baseName(), bytes);
        } catch (ContractViolation violation) {
            assertThat(violation.field()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 10_000);
    }

    @Provide
    Arbitrary<String> junk() {
        return Arbitraries.of("null", "0", "-1", "1.5", "\"\"", "\" \"", "\"x\"", "\"-1\"", "\"0\"", "\"NaN\"",
                "\"1e40000\"", "[]", "{}", "[null]", "[{}]", "true", "false", "\"BUY\"", "\"LONG\"",
                "\"2025-13-45\"", "\"00000000-0000-0000-0000-000000000000\"", "9223372036854775808",
                "{\"a\":{\"b\":[1,2,{}]}}", "\"" + "9".repeat(200) + "\"", "\"a\\\"b\\\\c\"",
                "\"" + "\u00e9".repeat(60) + "\"", "\"" + "x".repeat(100) + "\"", "17", "[\"x\",\"y\"]");
    }

    private static void collect(JsonNode node, List<Slot> slots) {
        if (node instanceof ObjectNode object) {
            for (String name : new ArrayList<>(object.propertyNames())) {
                slots.add(value -> object.set(name, value));
                slots.add(value -> object.remove(name));
                collect(object.get(name), slots);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                int index = i;
                slots.add(value -> array.set(index, value));
                collect(array.get(i), slots);
            }
        }
    }

    @FunctionalInterface
    private interface Slot {
        void replace(JsonNode value);
    }
}
