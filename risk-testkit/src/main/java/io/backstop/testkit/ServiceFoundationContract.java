package io.backstop.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * What every Backstop service must do from its first day, checked against the real broker and
 * database: start, migrate its schema, be ready only with PostgreSQL and Kafka, serve metrics and
 * OpenAPI, answer errors in problem+json, and send a poison message on each topic it consumes to the
 * dead-letter topic while the next good message is still processed.
 *
 * <p>A service's test extends this with {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} and
 * {@code @RealInfrastructure}, and names a valid event for each topic it consumes.
 */
public abstract class ServiceFoundationContract {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    protected TestInfrastructure infra;

    @Value("${local.server.port}")
    protected int port;

    @Value("${spring.application.name}")
    protected String service;

    private final EventJson json = new EventJson();

    /** One valid event for every topic the service consumes. */
    protected abstract List<EventEnvelope<?>> goodEventsForEachConsumedTopic();

    @Test
    void migratesItsOwnSchemaAndTheKitTables() throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = infra.postgres().connect();
             PreparedStatement s = c.prepareStatement(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = ?")) {
            s.setString(1, infra.schema());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        assertThat(tables).contains("flyway_schema_history", "kit_schema_history", "outbox_event", "inbox_event");
    }

    @Test
    void isReadyOnlyWithTheDatabaseAndKafkaAndLiveWithoutThem() throws Exception {
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> readiness = get("/actuator/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"status\":\"UP\"", "\"db\"", "\"kafka\"");
        });
        HttpResponse<String> liveness = get("/actuator/health/liveness");
        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"status\":\"UP\"").doesNotContain("\"db\"", "\"kafka\"");
    }

    @Test
    void servesPrometheusMetricsAndOpenApi() throws Exception {
        HttpResponse<String> metrics = get("/actuator/prometheus");
        HttpResponse<String> docs = get("/v3/api-docs");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("application=\"" + service + "\"");
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.body()).contains("\"openapi\"");
    }

    @Test
    void answersErrorsAsProblemJson() throws Exception {
        HttpResponse<String> missing = get("/api/v1/no-such-resource");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/problem+json");
        assertThat(missing.body()).contains("\"status\":404");
    }

    @Test
    void sendsPoisonToTheDeadLetterTopicAndStillProcessesTheNextGoodMessage() throws Exception {
        List<EventEnvelope<?>> goods = goodEventsForEachConsumedTopic();
        assertThat(goods).isNotEmpty();
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            for (EventEnvelope<?> good : goods) {
                String topic = infra.topic(good.topic().baseName());
                String poisonKey = "poison-" + good.eventId();
                kafka.send(topic, poisonKey, "{\"type\":".getBytes(StandardCharsets.UTF_8));
                kafka.send(topic, good.key(), json.encode(good));

                List<ConsumerRecord<String, byte[]>> dead = kafka.read(topic + ".dlq", 1, WAIT,
                        r -> poisonKey.equals(r.key()));
                assertThat(dead).as("dead letter on %s.dlq", topic).hasSize(1);
                assertThat(KafkaProbe.header(dead.get(0), "kafka_dlt-original-topic")).isEqualTo(topic);
                assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-reason")).isEqualTo("malformed_json");
                await(good.type() + " processed after the poison on " + topic).atMost(WAIT)
                        .ignoreExceptions().until(() -> processed(good));
            }
            HttpResponse<String> metrics = get("/actuator/prometheus");
            for (EventEnvelope<?> good : goods) {
                assertThat(metrics.body()).contains("backstop_kafka_dead_letters_total{application=\"" + service
                        + "\",reason=\"malformed_json\",topic=\"" + good.topic().baseName() + "\"}");
            }
        }
    }

    /**
     * Whether the service has processed {@code event}. By default: its eventId is in the inbox; a
     * service that consumes a topic without the inbox (idempotent market data) says how to see it.
     */
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        try (Connection c = infra.postgres().connect();
             PreparedStatement s = c.prepareStatement(
                     "SELECT count(*) FROM " + infra.schema() + ".inbox_event WHERE event_id = ?")) {
            s.setObject(1, event.eventId());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    protected HttpResponse<String> post(String path, String json) throws Exception {
        return new HttpProbe(port).post(path, json);
    }

    protected HttpResponse<String> get(String path) throws Exception {
        return new HttpProbe(port).get(path);
    }
}
