package io.backstop.kit;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.SimulationStepper;
import io.backstop.testkit.TestInfrastructure;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The kit's simulated time with the kit's test service (ticks in, prices out through inbox and outbox), on real
 * Kafka and PostgreSQL: nothing is taken in between steps; a step takes in exactly what was published before it,
 * hands it to the listener by topic, key, partition and offset whatever partition each key landed on and in
 * whatever order it was sent, retries a passing failure within the step, dead-letters what breaks the contract
 * and, after its attempts, an event the handler keeps failing on,
 * and publishes what it decided, stamped with the step's time, before it answers.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.clock.mode=simulated", "backstop.clock.start=2025-10-10T20:00:00Z", "backstop.kafka.max-attempts=3",
        "backstop.kafka.max-retry-interval=400ms"})
@RealInfrastructure
class SimulatedTimeIT {

    private static final Instant T0 = Instant.parse("2025-10-10T20:00:00Z");

    @Autowired
    TestInfrastructure infra;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;
    private SimulationStepper lab;

    @BeforeEach
    void open() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
        lab = new SimulationStepper(infra, port);
    }

    @AfterEach
    void close() {
        kafka.close();
        lab.close();
    }

    @Test
    void aStepTakesInWhatCameBeforeItInTheOrderOfTheDataAndPublishesItsDecisionsBeforeItAnswers() throws Exception {
        String ticks = infra.topic("market.ticks");
        // keys sent out of order (they hash to different partitions); one venue fails twice, one symbol is unknown
        KitTestApplication.EchoListener.flakyFailuresLeft.set(2);
        for (String[] t : List.of(new String[] {"SOL", "a"}, new String[] {"BTC", "a"}, new String[] {"ETH", "a"},
                new String[] {"BTC", "b"}, new String[] {"UNKNOWN", "a"}, new String[] {"ADA", "a"},
                new String[] {"ETH", KitTestApplication.EchoListener.FLAKY_VENUE}, new String[] {"SOL", "b"})) {
            kafka.sendAsync(ticks, t[0], json.encode(tick(t[1], t[0])));
        }
        kafka.flush();
        Thread.sleep(1000);
        assertThat(lab.offsets("oracle.prices")).as("nothing taken in between steps").isZero();

        JsonNode step = step(T0.plusSeconds(1));
        assertThat(step.path("events").asInt()).isEqualTo(8);
        assertThat(step.path("published").asInt()).isEqualTo(7);

        // published before the step answered: readable at once, in the order the listener took the ticks
        List<ConsumerRecord<String, byte[]>> prices = kafka.read(infra.topic("oracle.prices"), 7, Duration.ofSeconds(5));
        Map<Long, String> bySequence = new java.util.TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : prices) {
            EventEnvelope<?> price = json.decode(Topic.ORACLE_PRICES, r.key(), r.value());
            assertThat(price.occurredAt()).as("stamped with the step's time").isEqualTo(T0.plusSeconds(1));
            bySequence.put(price.sequence(), ((OraclePricePublished) price.payload()).symbol()
                    + "/" + ((OraclePricePublished) price.payload()).indexPrice().toPlainString());
        }
        // by key (symbol), then each key's own order: a 1, b 2, flaky 3
        assertThat(new ArrayList<>(bySequence.values())).containsExactly("ADA/1", "BTC/1", "BTC/2", "ETH/1", "ETH/3",
                "SOL/1", "SOL/2");

        List<ConsumerRecord<String, byte[]>> dead = kafka.read(ticks + ".dlq", 1, Duration.ofSeconds(5),
                r -> "UNKNOWN".equals(r.key()));
        assertThat(KafkaProbe.header(dead.get(0), DeadLetterPublisher.REASON_HEADER)).isEqualTo("rejected_by_consumer");

        // a step with nothing new takes nothing in and publishes nothing
        JsonNode idle = step(T0.plusSeconds(2));
        assertThat(idle.path("events").asInt()).isZero();
        assertThat(idle.path("published").asInt()).isZero();
        JsonNode status = JsonMapper.builder().build().readTree(lab.status());
        assertThat(status.path("time").asString()).isEqualTo(T0.plusSeconds(2).toString());
        assertThat(status.path("topics").toString()).contains(ticks);

        // a tick the handler keeps failing on: tried max-attempts times within the step, then dead-lettered as
        // processing_failed; the ticks before and after it applied, and the step answers
        KitTestApplication.EchoListener.faultyAttempts.set(0);
        for (String venue : List.of("a", KitTestApplication.EchoListener.FAULTY_VENUE, "b")) {
            kafka.sendAsync(ticks, "XRP", json.encode(tick(venue, "XRP")));
        }
        kafka.flush();
        JsonNode faulty = step(T0.plusSeconds(3));
        assertThat(faulty.path("events").asInt()).isEqualTo(3);
        assertThat(faulty.path("published").asInt()).isEqualTo(2);
        List<ConsumerRecord<String, byte[]>> failed = kafka.read(ticks + ".dlq", 1, Duration.ofSeconds(5),
                r -> "XRP".equals(r.key()));
        assertThat(KafkaProbe.header(failed.get(0), DeadLetterPublisher.REASON_HEADER)).isEqualTo("processing_failed");
        assertThat(((VenueTickObserved) json.decode(Topic.MARKET_TICKS, "dlq", failed.get(0).value()).payload())
                .venue()).isEqualTo(KitTestApplication.EchoListener.FAULTY_VENUE);
        assertThat(KitTestApplication.EchoListener.faultyAttempts.get()).isGreaterThanOrEqualTo(3);
    }

    private EventEnvelope<?> tick(String venue, String symbol) {
        String last = switch (venue) {
            case "a" -> "1";
            case "b" -> "2";
            default -> "3";
        };
        return EventEnvelope.of(new VenueTickObserved(venue, symbol, null, null, new BigDecimal(last), T0), T0, null,
                null);
    }

    private JsonNode step(Instant time) throws Exception {
        HttpResponse<String> response = lab.step(time);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JsonMapper.builder().build().readTree(response.body());
    }
}
