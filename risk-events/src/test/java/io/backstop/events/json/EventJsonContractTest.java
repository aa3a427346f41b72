package io.backstop.events.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.ContractViolation;
import io.backstop.events.ContractViolation.Reason;
import io.backstop.events.EventEnvelope;
import io.backstop.events.EventType;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.events.market.VenueTickObserved;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class EventJsonContractTest {

    private final EventJson json = new EventJson();

    @Test
    void everyEventTypeHasASample() {
        assertThat(SampleEvents.payloads().keySet()).containsExactlyInAnyOrder(EventType.values());
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyEventRoundTripsExactly(EventType type) {
        EventEnvelope<?> event = SampleEvents.envelope(type);

        EventEnvelope<?> decoded = json.decode(type.topic(), type.topic().baseName(), json.encode(event));

        assertThat(decoded).isEqualTo(event);
    }

    @Test
    void decimalsAreWrittenAsStringsWithTheirScale() {
        byte[] bytes = json.encode(SampleEvents.envelope(EventType.VENUE_TICK_OBSERVED));
        JsonNode payload = json.mapper().readTree(bytes).get("payload");

        assertThat(payload.get("last").isString()).isTrue();
        assertThat(payload.get("last").stringValue()).isEqualTo("0.9992");
        assertThat(payload.get("venueTime").stringValue()).isEqualTo("2025-10-10T21:00:00.123456Z");
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everyRequiredPayloadFieldIsEnforcedByName(EventType type) {
        ObjectNode sample = tree(type);
        List<String> fields = new ArrayList<>(sample.get("payload").propertyNames());
        assertThat(fields).isNotEmpty();
        for (String field : fields) {
            ObjectNode message = tree(type);
            ((ObjectNode) message.get("payload")).remove(field);
            if (SampleEvents.optionalFields(type).contains(field)) {
                assertThat(json.decode(type.topic(), type.topic().baseName(), bytes(message)).payload()).isNotNull();
            } else {
                assertViolation(() -> json.decode(type.topic(), type.topic().baseName(), bytes(message)),
                        type.topic().baseName(), "payload." + field, Reason.MISSING_FIELD);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"eventId", "type", "version", "occurredAt", "payload"})
    void everyRequiredEnvelopeFieldIsEnforcedByName(String field) {
        ObjectNode message = tree(EventType.TRADE_FILLED);
        message.remove(field);

        assertViolation(() -> decode(Topic.TRADES_FILLS, message), "trades.fills", field, Reason.MISSING_FIELD);
    }

    @Test
    void aSequencedTopicRequiresTheSequence() {
        ObjectNode message = tree(EventType.ORACLE_PRICE_PUBLISHED);
        message.remove("sequence");

        assertViolation(() -> decode(Topic.ORACLE_PRICES, message), "oracle.prices", "sequence",
                Reason.MISSING_FIELD);
    }

    @Test
    void aNegativePriceIsRejectedNamingTheField() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        payload(message).put("last", "-0.65");

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "payload.last",
                Reason.INVALID_VALUE).hasMessageContaining("must be positive");
    }

    @Test
    void aZeroPriceIsRejected() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        payload(message).put("ask", "0");

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "payload.ask",
                Reason.INVALID_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "NaN", "Infinity", "-Infinity", "", "1,5", "0x10", "1e99999"})
    void aNonNumericOrAbsurdDecimalIsRejectedNamingTheField(String value) {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        payload(message).put("last", value);

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "payload.last",
                Reason.INVALID_VALUE);
    }

    @Test
    void aNegativeAmountIsRejectedNamingTheField() {
        ObjectNode message = tree(EventType.LIQUIDATION_FEE_COLLECTED);
        payload(message).put("amount", "-11.403");

        assertViolation(() -> decode(Topic.INSURANCE_CONTRIBUTIONS, message), "insurance.contributions",
                "payload.amount", Reason.INVALID_VALUE);
    }

    @Test
    void aDecimalWrittenAsAJsonNumberIsTheWrongType() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        payload(message).put("last", 0.9992);

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "payload.last",
                Reason.WRONG_TYPE).hasMessageContaining("JSON string");
    }

    @Test
    void aNumberWhereTextBelongsIsTheWrongType() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        payload(message).put("symbol", 42);

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "payload.symbol",
                Reason.WRONG_TYPE);
    }

    @Test
    void anObjectWhereAListBelongsIsTheWrongType() {
        ObjectNode message = tree(EventType.ORACLE_PRICE_PUBLISHED);
        payload(message).putObject("sources");

        assertViolation(() -> decode(Topic.ORACLE_PRICES, message), "oracle.prices", "payload.sources",
                Reason.WRONG_TYPE);
    }

    @Test
    void aWrongEnvelopeTypeIsNamed() {
        ObjectNode message = tree(EventType.TRADE_FILLED);
        message.put("version", "one");

        assertViolation(() -> decode(Topic.TRADES_FILLS, message), "trades.fills", "version", Reason.WRONG_TYPE);
    }

    @Test
    void anUnknownEnumValueIsNamed() {
        ObjectNode message = tree(EventType.TRADE_FILLED);
        payload(message).put("side", "UP");

        assertViolation(() -> decode(Topic.TRADES_FILLS, message), "trades.fills", "payload.side",
                Reason.INVALID_VALUE);
    }

    @Test
    void aBadValueDeepInsideAListIsNamedWithItsPath() {
        ObjectNode message = tree(EventType.ORACLE_PRICE_PUBLISHED);
        ((ObjectNode) ((ArrayNode) payload(message).get("sources")).get(1)).put("price", "-3100");

        assertViolation(() -> decode(Topic.ORACLE_PRICES, message), "oracle.prices", "payload.sources[1].price",
                Reason.INVALID_VALUE);
    }

    @Test
    void aMissingFieldDeepInsideAListIsNamedWithItsPath() {
        ObjectNode message = tree(EventType.MARGIN_CALL_ISSUED);
        ((ObjectNode) ((ArrayNode) payload(message).get("positions")).get(1)).remove("markPrice");

        assertViolation(() -> decode(Topic.MARGIN_CALLS, message), "margin.calls", "payload.positions[1].markPrice",
                Reason.MISSING_FIELD);
    }

    @Test
    void aNullInsideAListIsNamed() {
        ObjectNode message = tree(EventType.LIQUIDATION_ORDER_EXECUTED);
        ((ArrayNode) payload(message).get("fills")).addNull();

        assertViolation(() -> decode(Topic.LIQUIDATION_EXECUTIONS, message), "liquidation.executions",
                "payload.fills[2]", Reason.MISSING_FIELD);
    }

    @Test
    void anUnknownTypeIsRejectedNamingTheTypesTheTopicCarries() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        message.put("type", "PriceManipulated");

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "type", Reason.UNKNOWN_TYPE)
                .hasMessageContaining("PriceManipulated").hasMessageContaining("VenueTickObserved");
    }

    @Test
    void anEventOnTheWrongTopicIsRejected() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);

        assertViolation(() -> decode(Topic.MARGIN_CALLS, message), "margin.calls", "type", Reason.WRONG_TOPIC);
    }

    @Test
    void aNewerVersionThanTheConsumerReadsIsRejected() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        message.put("version", 99);

        assertViolation(() -> decode(Topic.MARKET_TICKS, message), "market.ticks", "version",
                Reason.UNSUPPORTED_VERSION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[]", "\"tick\"", "{\"eventId\":", "null", "{} {}"})
    void malformedJsonIsRejected(String raw) {
        assertViolation(() -> json.decode(Topic.MARKET_TICKS, "market.ticks", raw.getBytes(StandardCharsets.UTF_8)),
                "market.ticks", "$", Reason.MALFORMED_JSON);
    }

    @Test
    void aTopicOutsideThePrefixIsRejected() {
        assertViolation(() -> json.decode("prod.market.ticks", "staging.", bytes(tree(EventType.VENUE_TICK_OBSERVED))),
                "prod.market.ticks", "$", Reason.WRONG_TOPIC);
    }

    @Test
    void theTopicPrefixIsHonoured() {
        byte[] message = bytes(tree(EventType.VENUE_TICK_OBSERVED));

        assertThat(json.decode("staging.market.ticks", "staging.", message).payload())
                .isInstanceOf(VenueTickObserved.class);
    }

    @Test
    void unknownPayloadFieldsAreIgnoredForForwardCompatibility() {
        ObjectNode message = tree(EventType.VENUE_TICK_OBSERVED);
        payload(message).put("depth", "12");

        assertThat(decode(Topic.MARKET_TICKS, message).payload()).isEqualTo(
                SampleEvents.payloads().get(EventType.VENUE_TICK_OBSERVED));
    }

    @Test
    void aMarginCallWrittenBeforeTheLeaseWithItsCorrectionFieldsStillReads() {
        ObjectNode message = tree(EventType.MARGIN_CALL_ISSUED);
        payload(message).put("lastLiquidationTradeId", "liq-7f3a-1");
        payload(message).put("lastWaterfallEventId", "6f1c2a4e-0b7d-4c1e-9a43-2d5e8f7a9b10");

        assertThat(decode(Topic.MARGIN_CALLS, message)).isEqualTo(SampleEvents.envelope(EventType.MARGIN_CALL_ISSUED));
    }

    @Test
    void aMarginCallWrittenBeforeItsPriceTimeStillReadsWithoutOne() {
        ObjectNode message = tree(EventType.MARGIN_CALL_ISSUED);
        payload(message).remove("priceTime");

        io.backstop.events.margin.MarginCallIssued call = (io.backstop.events.margin.MarginCallIssued)
                decode(Topic.MARGIN_CALLS, message).payload();

        assertThat(call.priceTime()).isNull();
        assertThat(call).usingRecursiveComparison().ignoringFields("priceTime")
                .isEqualTo(SampleEvents.payloads().get(EventType.MARGIN_CALL_ISSUED));
        assertThat(json.mapper().readTree(json.encode(EventEnvelope.of(call, SampleEvents.envelope(
                EventType.MARGIN_CALL_ISSUED).occurredAt(), null, null))).get("payload").has("priceTime")).isFalse();
    }

    @Test
    void aMarginCallsPriceTimeIsAnInstantWrittenAsText() {
        ObjectNode message = tree(EventType.MARGIN_CALL_ISSUED);
        assertThat(payload(message).get("priceTime").stringValue()).isEqualTo("2025-10-10T21:00:00.250Z");

        payload(message).put("priceTime", 1760130000250L);

        assertViolation(() -> decode(Topic.MARGIN_CALLS, message), "margin.calls", "payload.priceTime",
                Reason.WRONG_TYPE);
    }

    @Test
    void theExactDecimalIsPreservedNotAFloatApproximation() {
        ObjectNode message = tree(EventType.CONVERSION_RATE_OBSERVED);
        payload(message).put("rate", "1.000000000000000000000000000001");

        assertThat(((io.backstop.events.market.ConversionRateObserved) decode(Topic.MARKET_RATES, message).payload())
                .rate()).isEqualTo(new BigDecimal("1.000000000000000000000000000001"));
    }

    @Test
    void aStringOverTheConsumersLimitIsRefusedNamingItsPathAndOneAtTheLimitIsRead() {
        ObjectNode over = tree(EventType.TRADE_FILLED);
        payload(over).put("accountId", "a".repeat(65));
        ObjectNode at = tree(EventType.TRADE_FILLED);
        payload(at).put("accountId", "a".repeat(64));

        assertViolation(() -> json.decode(Topic.TRADES_FILLS, "trades.fills", bytes(over), 64), "trades.fills",
                "payload.accountId", Reason.INVALID_VALUE).hasMessageContaining("at most 64 characters, got 65")
                .hasMessageNotContaining("aaaaaaaaaa");
        assertThat(((io.backstop.events.trading.TradeFilled) json.decode(Topic.TRADES_FILLS, "trades.fills",
                bytes(at), 64).payload()).accountId()).hasSize(64);
    }

    @Test
    void theConsumersStringLimitReachesIntoListsAndMapKeysAndTheEnvelope() {
        ObjectNode inList = tree(EventType.LIQUIDATION_ENDED);
        ((ArrayNode) payload(inList).get("fills")).set(1, "x".repeat(65));
        ObjectNode inKey = tree(EventType.MARGIN_CALL_ISSUED);
        ((ObjectNode) payload(inKey).get("priceSequences")).put("S".repeat(65), 1L);
        ObjectNode inType = tree(EventType.TRADE_FILLED);
        inType.put("type", "T".repeat(65));

        assertViolation(() -> json.decode(Topic.LIQUIDATION_FILLS, "liquidation.fills", bytes(inList), 64),
                "liquidation.fills", "payload.fills[1]", Reason.INVALID_VALUE);
        assertViolation(() -> json.decode(Topic.MARGIN_CALLS, "margin.calls", bytes(inKey), 64),
                "margin.calls", "payload.priceSequences", Reason.INVALID_VALUE);
        assertViolation(() -> json.decode(Topic.TRADES_FILLS, "trades.fills", bytes(inType), 64),
                "trades.fills", "type", Reason.INVALID_VALUE);
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void everySampleEventIsReadUnderTheDefaultConsumerLimit(EventType type) {
        io.backstop.events.kafka.EventDeserializer consumer = new io.backstop.events.kafka.EventDeserializer();
        EventEnvelope<?> event = SampleEvents.envelope(type);

        assertThat(consumer.deserialize(type.topic().baseName(), json.encode(event))).isEqualTo(event);
    }

    @Test
    void theDeserializerTakesItsStringLimitFromItsConfigAndRefusesOneThatWouldRefuseEveryEvent() {
        io.backstop.events.kafka.EventDeserializer consumer = new io.backstop.events.kafka.EventDeserializer();
        ObjectNode message = tree(EventType.TRADE_FILLED);
        payload(message).put("symbol", "S".repeat(65));

        assertThat(consumer.maxStringLength()).isEqualTo(io.backstop.events.kafka.EventDeserializer
                .DEFAULT_MAX_STRING_LENGTH);
        consumer.configure(java.util.Map.of(io.backstop.events.kafka.EventDeserializer.MAX_STRING_LENGTH_CONFIG, "64",
                io.backstop.events.kafka.EventDeserializer.TOPIC_PREFIX_CONFIG, "staging."), false);
        assertViolation(() -> consumer.deserialize("staging.trades.fills", bytes(message)), "staging.trades.fills",
                "payload.symbol", Reason.INVALID_VALUE);
        assertThatThrownBy(() -> consumer.configure(java.util.Map.of(
                io.backstop.events.kafka.EventDeserializer.MAX_STRING_LENGTH_CONFIG, "63"), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> consumer.configure(java.util.Map.of(
                io.backstop.events.kafka.EventDeserializer.MAX_STRING_LENGTH_CONFIG, "lots"), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private EventEnvelope<?> decode(Topic topic, ObjectNode message) {
        return json.decode(topic, topic.baseName(), bytes(message));
    }

    private ObjectNode tree(EventType type) {
        return (ObjectNode) json.mapper().readTree(json.encode(SampleEvents.envelope(type)));
    }

    private static ObjectNode payload(ObjectNode message) {
        return (ObjectNode) message.get("payload");
    }

    private byte[] bytes(JsonNode node) {
        return json.mapper().writeValueAsBytes(node);
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertViolation(
            ThrowingCallable call, String topic, String field, Reason reason) {
        Consumer<Throwable> named = t -> {
            ContractViolation v = (ContractViolation) t;
            assertThat(v.topic()).isEqualTo(topic);
            assertThat(v.field()).isEqualTo(field);
            assertThat(v.reason()).isEqualTo(reason);
            assertThat(v.getMessage()).contains(topic).contains(field);
        };
        return assertThatThrownBy(call).isInstanceOf(ContractViolation.class).satisfies(named);
    }
}
