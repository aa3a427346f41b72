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

    @Value("${backstop.web.max-body:64KB}")
    private String maxBody;

    @Value("${backstop.web.max-string-length:256}")
    private int maxStringLength;

    @Value("${backstop.kafka.max-string-length:1024}")
    private int maxEventStringLength;

    private final EventJson json = new EventJson();

    /** One valid event for every topic the service consumes. */
    protected abstract List<EventEnvelope<?>> goodEventsForEachConsumedTopic();

    /**
     * Who may call each of the service's own operations ({@code "METHOD /path/{template}"}, as its OpenAPI document
     * names them; the kit's are {@link AccessMatrix#kit()}). Written from docs/security.md, not from the service's
     * rules: the matrix test checks the service against it, and fails on an operation it does not name.
     */
    protected abstract java.util.Map<String, AccessMatrix.Allowed> accessMatrix();

    /**
     * The authorization matrix, against the running service: every operation of its OpenAPI document has a row, and
     * each caller (no token, each role, a trader on its own and on another account) is answered as the row says.
     */
    @Test
    void everyEndpointAnswersEachCallerAsTheAccessMatrixSays() throws Exception {
        tools.jackson.databind.ObjectMapper mapper = tools.jackson.databind.json.JsonMapper.builder().build();
        java.util.Set<String> operations = AccessMatrix.operations(mapper.readTree(get("/v3/api-docs").body()));
        java.util.Map<String, AccessMatrix.Allowed> matrix = new java.util.LinkedHashMap<>();
        AccessMatrix.kit().forEach((operation, allowed) -> {
            if (operations.contains(operation)) {
                matrix.put(operation, allowed);
            }
        });
        matrix.putAll(accessMatrix());
        assertThat(new java.util.TreeSet<>(matrix.keySet()))
                .as("a row in the access matrix for every operation of the OpenAPI document, and no other")
                .isEqualTo(operations);
        List<AccessMatrix.Call> calls = new ArrayList<>();
        List<AccessMatrix.Call> wrong = AccessMatrix.check(new HttpProbe(port), matrix, calls);
        org.slf4j.LoggerFactory.getLogger(ServiceFoundationContract.class).info(
                "access matrix of {}: {} calls on {} operations", service, calls.size(), matrix.size());
        assertThat(wrong).as("calls not answered as the matrix says (expected 0 = neither 401 nor 403)").isEmpty();
        // actuator: health open for probes, everything else for operators
        HttpProbe probe = new HttpProbe(port);
        assertThat(probe.anonymous().get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(probe.anonymous().get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        assertThat(probe.anonymous().get("/actuator/prometheus").statusCode()).isEqualTo(401);
        assertThat(probe.as(TestTokens.trader("alice")).get("/actuator/prometheus").statusCode()).isEqualTo(403);
        assertThat(probe.as(TestTokens.of(io.backstop.events.auth.Role.OPERATOR)).get("/actuator/prometheus")
                .statusCode()).isEqualTo(200);
        // an unknown path is a 404 for everyone, not a 403 that would say it exists
        assertThat(probe.anonymous().get("/api/v1/no-such-resource").statusCode()).isEqualTo(404);
    }

    /**
     * Only a token the platform's issuer signed, for the platform's audience, still valid: a forged, an expired, a
     * wrong-issuer and a wrong-audience token are each a 401 problem+json that says why, with RFC 6750's header.
     */
    @Test
    void aForgedExpiredWrongIssuerOrWrongAudienceTokenIsRefusedWith401() throws Exception {
        io.backstop.events.auth.LocalIssuer issuer = TestTokens.issuer();
        List<io.backstop.events.auth.Role> operator = List.of(io.backstop.events.auth.Role.OPERATOR);
        java.util.Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("forged (another key, the same issuer name)",
                io.backstop.events.auth.LocalIssuer.inMemory(issuer.issuer()).mint("mallory", operator, WAIT));
        refused.put("expired an hour ago", issuer.withClock(java.time.Clock.offset(java.time.Clock.systemUTC(),
                Duration.ofHours(-2))).mint("operator", operator, Duration.ofHours(1)));
        refused.put("from another issuer", issuer.withIssuer("https://idp.elsewhere.example").mint("operator", operator,
                WAIT));
        refused.put("for another audience", issuer.withAudience("another-system").mint("operator", operator, WAIT));
        refused.put("not a JWT", "not-a-token");
        HttpProbe probe = new HttpProbe(port);
        for (java.util.Map.Entry<String, String> token : refused.entrySet()) {
            HttpResponse<String> answer = probe.as(token.getValue()).get("/actuator/prometheus");
            org.slf4j.LoggerFactory.getLogger(ServiceFoundationContract.class).info("{}: a token {} -> {} {}", service,
                    token.getKey(), answer.statusCode(), answer.body());
            assertThat(answer.statusCode()).as(token.getKey()).isEqualTo(401);
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).as(token.getKey())
                    .startsWith("application/problem+json");
            assertThat(answer.headers().firstValue("WWW-Authenticate").orElse("")).as(token.getKey())
                    .startsWith("Bearer").contains("invalid_token");
            assertThat(answer.body()).as(token.getKey()).doesNotContain(token.getValue(), "Exception", "java.");
        }
        assertThat(probe.as(TestTokens.of(io.backstop.events.auth.Role.OPERATOR)).get("/actuator/prometheus")
                .statusCode()).as("the same request with a valid token").isEqualTo(200);
    }

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
     * The poison corpus, on every topic the service consumes: each case derived from the topic's good event, sent
     * with a fresh event id and key, must land on the dead-letter topic with its reason and the field it names (in
     * the headers an operator reads), and the good event sent after all of them is still processed: the partition
     * moves on and the service stays ready. Cases: malformed JSON, a decimal written as a JSON number, an absurd
     * decimal, an unknown event type, a version newer than the service reads, a missing event id, an identifier
     * one character over {@code backstop.kafka.max-string-length}, and each decimal of the payload negated and
     * zero wherever the codec refuses that (a decimal that may be negative or zero, a PnL, is no poison there).
     * The good event is then sent again with the same event id: it is processed once and not dead-lettered (a
     * record after it, with its key, shows the duplicate was consumed). (Every decoding rule itself is tested in
     * risk-events' EventJsonContractTest; this checks every service is wired to it.)
     */
    @Test
    void aPoisonCorpusOnEveryConsumedTopicIsDeadLetteredNamingTheFieldAndTheNextGoodEventIsStillProcessed()
            throws Exception {
        List<EventEnvelope<?>> goods = goodEventsForEachConsumedTopic();
        tools.jackson.databind.ObjectMapper mapper = tools.jackson.databind.json.JsonMapper.builder().build();
        int sent = 0;
        int decimals = 0;
        int refusedNegatives = 0;
        int refusedZeros = 0;
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            for (EventEnvelope<?> good : goods) {
                String topic = infra.topic(good.topic().baseName());
                List<Poison> corpus = corpus(mapper, good, topic);
                for (Poison p : corpus) {
                    kafka.send(topic, p.key(), p.value());
                }
                byte[] encoded = json.encode(good);
                kafka.send(topic, good.key(), encoded);
                kafka.send(topic, good.key(), encoded);
                byte[] after = ("{\"after the duplicate\":\"" + java.util.UUID.randomUUID() + "\"").getBytes(StandardCharsets.UTF_8);
                kafka.send(topic, good.key(), after);
                checkDeadLetters(kafka, topic, corpus, good, after);
                await(good.type() + " processed once after the corpus and its duplicate on " + topic).atMost(WAIT)
                        .ignoreExceptions().until(() -> processed(good));
                sent += corpus.size();
                decimals += decimalFields(payloadOf(mapper, good)).size();
                refusedNegatives += (int) corpus.stream().filter(p -> p.name().startsWith("negative ")).count();
                refusedZeros += (int) corpus.stream().filter(p -> p.name().startsWith("zero ")).count();
            }
        }
        assertThat(get("/actuator/health/readiness").statusCode()).as("ready after the corpus").isEqualTo(200);
        if (decimals > 0) {
            assertThat(refusedNegatives).as("negative decimals the codec refuses, among %d decimal fields of %s's"
                    + " topics", decimals, service).isPositive();
        }
        org.slf4j.LoggerFactory.getLogger(ServiceFoundationContract.class).info(
                "Kafka poison corpus: {} poison records on {} topics of {} ({} negative and {} zero decimals refused,"
                        + " of {} decimal fields), each topic's good event sent twice", sent, goods.size(), service,
                refusedNegatives, refusedZeros, decimals);
    }

    /**
     * Reads {@code topic}'s dead letters once for the whole corpus: every poison there with its reason and field,
     * the record sent after the good event's duplicate there too (so the duplicate has been consumed), and no
     * dead letter carrying the good event's id.
     */
    private void checkDeadLetters(KafkaProbe kafka, String topic, List<Poison> corpus, EventEnvelope<?> good,
                                  byte[] after) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        corpus.forEach(p -> keys.add(p.key()));
        String goodId = good.eventId().toString();
        java.util.function.Predicate<ConsumerRecord<String, byte[]>> carriesGood = r -> r.value() != null
                && new String(r.value(), StandardCharsets.UTF_8).contains(goodId);
        java.util.function.Predicate<ConsumerRecord<String, byte[]>> isAfter = r -> java.util.Arrays.equals(r.value(),
                after);
        List<ConsumerRecord<String, byte[]>> dead = kafka.read(topic + ".dlq", corpus.size() + 1, WAIT,
                r -> keys.contains(r.key()) || isAfter.test(r) || carriesGood.test(r));
        assertThat(dead.stream().filter(carriesGood).map(r -> KafkaProbe.header(r, "backstop-dlq-reason") + ": "
                + KafkaProbe.header(r, "backstop-dlq-detail")))
                .as("dead letters of %s (sent twice, the second a duplicate) on %s", good.type(), topic).isEmpty();
        for (Poison p : corpus) {
            ConsumerRecord<String, byte[]> letter = dead.stream().filter(r -> p.key().equals(r.key())).findFirst()
                    .orElse(null);
            assertThat(letter).as("%s on %s dead-lettered", p.name(), topic).isNotNull();
            assertThat(KafkaProbe.header(letter, "backstop-dlq-reason")).as("reason of %s on %s", p.name(), topic)
                    .isEqualTo(p.reason());
            assertThat(KafkaProbe.header(letter, "backstop-dlq-field")).as("field of %s on %s", p.name(), topic)
                    .isEqualTo(p.field());
        }
        assertThat(dead).as("the record after %s's duplicate on %s, dead-lettered", good.type(), topic)
                .anyMatch(isAfter);
    }

    /**
     * Sends {@code events} in order, each with its key, as an outside producer would, and tells what became of
     * each: {@code "<reason> <field>"} from its dead letter's headers, or {@code "consumed"} when the service took
     * it without one (applied or ignored by its own rule: a record sent after it with the same key was
     * dead-lettered, so it had been read). For a service's own rules on names it does not know, events out of
     * order or from the future, which no generic corpus can derive.
     */
    protected List<String> deadLetterVerdicts(List<EventEnvelope<?>> events) {
        java.util.Map<String, byte[]> after = new java.util.LinkedHashMap<>();
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            for (EventEnvelope<?> event : events) {
                kafka.send(infra.topic(event.topic().baseName()), event.key(), json.encode(event));
            }
            for (EventEnvelope<?> event : events) {
                String key = infra.topic(event.topic().baseName()) + "/" + event.key();
                if (!after.containsKey(key)) {
                    byte[] marker = ("{\"after\":\"" + java.util.UUID.randomUUID() + "\"").getBytes(StandardCharsets.UTF_8);
                    kafka.send(infra.topic(event.topic().baseName()), event.key(), marker);
                    after.put(key, marker);
                }
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            events.forEach(e -> ids.add(e.eventId().toString()));
            List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
            for (String dlq : events.stream().map(e -> infra.topic(e.topic().baseName()) + ".dlq").distinct().toList()) {
                long markers = after.keySet().stream().filter(k -> dlq.equals(k.substring(0, k.indexOf('/')) + ".dlq"))
                        .count();
                java.util.function.Predicate<ConsumerRecord<String, byte[]>> marker = r -> after.values().stream()
                        .anyMatch(m -> java.util.Arrays.equals(m, r.value()));
                List<ConsumerRecord<String, byte[]>> read = kafka.readUntil(dlq, WAIT,
                        r -> marker.test(r) || carriesAny(r, ids), found -> found.stream().filter(marker).count() == markers);
                assertThat(read.stream().filter(marker).count())
                        .as("the records sent after the events on %s, dead-lettered", dlq).isEqualTo(markers);
                dead.addAll(read);
            }
            List<String> verdicts = new ArrayList<>();
            for (EventEnvelope<?> event : events) {
                verdicts.add(dead.stream().filter(r -> carriesAny(r, java.util.Set.of(event.eventId().toString())))
                        .findFirst().map(r -> KafkaProbe.header(r, "backstop-dlq-reason") + " "
                                + KafkaProbe.header(r, "backstop-dlq-field")).orElse("consumed"));
            }
            return verdicts;
        }
    }

    private static boolean carriesAny(ConsumerRecord<String, byte[]> record, java.util.Set<String> eventIds) {
        String value = record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8);
        return eventIds.stream().anyMatch(value::contains);
    }

    /**
     * A valid request to one operation of the service's REST API, for the bad-input corpus to break:
     * {@code operation} as the OpenAPI document names it ({@code "POST /api/v1/accounts/{id}/deposits"}),
     * the concrete path (and query), the JSON body or null, the body fields that may be left out, and how to
     * see whether anything was applied (compared before and after the corpus); the status the valid request
     * is answered with after the corpus (0: any 2xx).
     */
    public record ValidRequest(String operation, String path, java.util.function.Supplier<String> body,
                               java.util.Set<String> optionalFields, java.util.concurrent.Callable<Object> state,
                               int status) {

        /** A write, answered with a 2xx status when it is valid. */
        public ValidRequest(String operation, String path, String body, java.util.Set<String> optionalFields,
                            java.util.concurrent.Callable<Object> state) {
            this(operation, path, () -> body, optionalFields, state, 0);
        }

        /** A write whose body is made afresh for each use (it carries the time it was sent at, say). */
        public static ValidRequest fresh(String operation, String path, java.util.function.Supplier<String> body,
                                         java.util.Set<String> optionalFields,
                                         java.util.concurrent.Callable<Object> state) {
            return new ValidRequest(operation, path, body, optionalFields, state, 0);
        }

        /** The operation's HTTP method. */
        public String method() {
            return operation.substring(0, operation.indexOf(' '));
        }

        /** A read whose bad variants cannot change anything, answered 200 when it is valid. */
        public static ValidRequest read(String operation, String path) {
            return read(operation, path, 200);
        }

        /** A read answered {@code status} when it is valid (a 404 for an id that names nothing yet). */
        public static ValidRequest read(String operation, String path, int status) {
            return new ValidRequest(operation, path, () -> null, java.util.Set.of(), () -> "", status);
        }
    }

    /**
     * One valid request for every operation of the API that takes input a client can get wrong (a body, a
     * query parameter, a typed path parameter); none for a service without any. The corpus test fails when an
     * operation has none, so a new endpoint is covered from its first day.
     */
    protected List<ValidRequest> validRequests() throws Exception {
        return List.of();
    }

    /**
     * The REST bad-input corpus on every operation with input: each field of each body broken in each way its
     * type allows (missing, a wrong JSON type, a decimal as a JSON number, an absurd or unreadable decimal, a
     * value outside its enum, a string over the limit, an unreadable instant or UUID), each query and typed path
     * parameter likewise, a malformed body and one over the size limit. Every case is answered as the README
     * promises: a 400 problem+json naming the field (and its reason where one applies), or a 413; nothing sent
     * is echoed back and nothing is applied; the valid request still succeeds afterwards, and the service is
     * ready.
     */
    @Test
    void aBadInputCorpusOnEveryEndpointIsRefusedNamingTheFieldEchoingNothingAndApplyingNothing() throws Exception {
        tools.jackson.databind.ObjectMapper mapper = tools.jackson.databind.json.JsonMapper.builder().build();
        HttpResponse<String> docs = get("/v3/api-docs");
        assertThat(docs.statusCode()).isEqualTo(200);
        RestInputCorpus corpus = new RestInputCorpus(mapper, mapper.readTree(docs.body()),
                org.springframework.util.unit.DataSize.parse(maxBody).toBytes(), maxStringLength);
        List<ValidRequest> valid = new ArrayList<>(validRequests());
        // the kit's own operation with input, on every service
        valid.add(ValidRequest.read("GET /api/v1/audit", "/api/v1/audit?after=0&subject=someone&limit=10"));
        java.util.Set<String> covered = new java.util.TreeSet<>();
        valid.forEach(r -> covered.add(r.operation()));
        assertThat(covered).as("a valid request for every operation with input, and no other")
                .isEqualTo(corpus.operationsWithInput());
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        int sent = 0;
        for (ValidRequest request : valid) {
            Object before = request.state().call();
            for (RestInputCorpus.Case c : corpus.cases(request.operation(), request.path(), request.body().get(),
                    request.optionalFields())) {
                sent++;
                HttpResponse<String> answer = new HttpProbe(port).send(c.method(), c.path(), c.body());
                String what = request.operation() + " with " + c.name();
                soft.assertThat(answer.statusCode()).as("status of %s (%s)", what, answer.body()).isEqualTo(c.status());
                soft.assertThat(answer.headers().firstValue("Content-Type").orElse("")).as("type of %s", what)
                        .startsWith("application/problem+json");
                soft.assertThat(answer.body().length()).as("size of the answer to %s", what).isLessThan(1_000);
                soft.assertThat(answer.body()).as("answer to %s", what).doesNotContain("yyyyyyyyyy", "xxxxxxxxxx",
                        "Exception", "java.", "io.backstop");
                if (c.field() != null && answer.statusCode() == 400) {
                    tools.jackson.databind.JsonNode problem = mapper.readTree(answer.body());
                    soft.assertThat(problem.path("field").asString()).as("field named by the answer to %s (%s)", what,
                            answer.body()).isEqualTo(c.field());
                    if (c.reason() != null) {
                        soft.assertThat(problem.path("reason").asString()).as("reason of the answer to %s", what)
                                .isEqualTo(c.reason());
                    } else {
                        soft.assertThat(problem.path("reason").asString()).as("reason of the answer to %s", what)
                                .isNotEmpty();
                    }
                }
            }
            soft.assertThat(request.state().call()).as("state after the corpus on %s", request.operation())
                    .isEqualTo(before);
            HttpResponse<String> ok = new HttpProbe(port).send(request.method(), request.path(), request.body().get());
            soft.assertThat(ok.statusCode()).as("the valid %s after the corpus (%s)", request.operation(), ok.body())
                    .isBetween(request.status() == 0 ? 200 : request.status(),
                            request.status() == 0 ? 299 : request.status());
        }
        soft.assertThat(get("/actuator/health/readiness").statusCode()).as("ready after the corpus").isEqualTo(200);
        org.slf4j.LoggerFactory.getLogger(ServiceFoundationContract.class).info(
                "REST bad-input corpus: {} bad requests on {} operations of {}", sent, valid.size(), service);
        soft.assertAll();
    }

    /** One poison record: what it is, the key it is sent with, its bytes, and the reason and field it must name. */
    protected record Poison(String name, String key, byte[] value, String reason, String field) {
    }

    private List<Poison> corpus(tools.jackson.databind.ObjectMapper mapper, EventEnvelope<?> good, String topic) {
        List<Poison> corpus = new ArrayList<>();
        String tag = good.topic().baseName() + "-" + java.util.UUID.randomUUID();
        corpus.add(new Poison("malformed json", "poison-malformed-" + tag,
                "{\"type\":".getBytes(StandardCharsets.UTF_8), "malformed_json", "$"));
        tools.jackson.databind.node.ObjectNode tree = (tools.jackson.databind.node.ObjectNode) mapper.readTree(
                json.encode(good));
        tools.jackson.databind.node.ObjectNode payload = (tools.jackson.databind.node.ObjectNode) tree.get("payload");
        List<String> decimals = decimalFields(payload);
        if (!decimals.isEmpty()) {
            String decimal = decimals.get(0);
            corpus.add(mutated(mapper, tree, "decimal as a JSON number", "poison-number-" + tag, "wrong_type",
                    "payload." + decimal, t -> payloadOf(t)
                            .put(decimal, new java.math.BigDecimal(payload.get(decimal).asString()).doubleValue())));
            corpus.add(mutated(mapper, tree, "absurd decimal", "poison-absurd-" + tag, "invalid_value",
                    "payload." + decimal, t -> payloadOf(t).put(decimal, "1e99999")));
        }
        corpus.add(mutated(mapper, tree, "unknown type", "poison-type-" + tag, "unknown_type", "type",
                t -> t.put("type", "PriceManipulated")));
        corpus.add(mutated(mapper, tree, "newer version", "poison-version-" + tag, "unsupported_version", "version",
                t -> t.put("version", 99)));
        corpus.add(mutated(mapper, tree, "missing event id", "poison-id-" + tag, "missing_field", "eventId",
                t -> t.remove("eventId")));
        String identifier = identifierField(payload);
        assertThat(identifier).as("an identifier in %s's payload, for the oversized case", good.type()).isNotNull();
        corpus.add(mutated(mapper, tree, "oversized " + identifier, "poison-oversized-" + tag, "invalid_value",
                "payload." + identifier, t -> payloadOf(t).put(identifier, "x".repeat(maxEventStringLength + 1))));
        for (String decimal : decimals) {
            String value = payload.get(decimal).asString();
            String negated = value.startsWith("-") ? value.substring(1) : "-" + value;
            refused(mapper, tree, good, topic, "negative " + decimal, "poison-negative-" + decimal + "-" + tag,
                    t -> payloadOf(t).put(decimal, negated)).ifPresent(corpus::add);
            refused(mapper, tree, good, topic, "zero " + decimal, "poison-zero-" + decimal + "-" + tag,
                    t -> payloadOf(t).put(decimal, "0")).ifPresent(corpus::add);
        }
        return corpus;
    }

    /**
     * The case {@code change} makes of the good event, when the codec itself refuses it (decoded here with the
     * service's own rules, named as the service must name it); empty when the codec reads it: the change is a
     * valid event then (a PnL may be negative), not poison.
     */
    private java.util.Optional<Poison> refused(tools.jackson.databind.ObjectMapper mapper,
                                               tools.jackson.databind.node.ObjectNode good, EventEnvelope<?> event,
                                               String topic, String name, String key,
                                               java.util.function.Consumer<tools.jackson.databind.node.ObjectNode> change) {
        Poison candidate = mutated(mapper, good, name, key, null, null, change);
        try {
            json.decode(event.topic(), topic, candidate.value(), maxEventStringLength);
            return java.util.Optional.empty();
        } catch (io.backstop.events.ContractViolation v) {
            return java.util.Optional.of(new Poison(name, key, candidate.value(), v.reason().tag(), v.field()));
        }
    }

    /** The payload's fields that hold a decimal written as a string, in order. */
    private static List<String> decimalFields(tools.jackson.databind.node.ObjectNode payload) {
        return payload.properties().stream()
                .filter(e -> e.getValue().isString() && e.getValue().asString().matches("-?\\d+(\\.\\d+)?"))
                .map(java.util.Map.Entry::getKey).toList();
    }

    /** The payload's first string field that is an identifier: no decimal, UUID or instant. */
    private static String identifierField(tools.jackson.databind.node.ObjectNode payload) {
        return payload.properties().stream()
                .filter(e -> e.getValue().isString() && isIdentifier(e.getValue().asString()))
                .map(java.util.Map.Entry::getKey).findFirst().orElse(null);
    }

    private static boolean isIdentifier(String value) {
        if (value.matches("-?\\d+(\\.\\d+)?")) {
            return false;
        }
        try {
            java.util.UUID.fromString(value);
            return false;
        } catch (IllegalArgumentException notAUuid) {
            try {
                java.time.Instant.parse(value);
                return false;
            } catch (java.time.format.DateTimeParseException notAnInstant) {
                return true;
            }
        }
    }

    private tools.jackson.databind.node.ObjectNode payloadOf(tools.jackson.databind.ObjectMapper mapper,
                                                             EventEnvelope<?> event) {
        return payloadOf((tools.jackson.databind.node.ObjectNode) mapper.readTree(json.encode(event)));
    }

    private static tools.jackson.databind.node.ObjectNode payloadOf(tools.jackson.databind.node.ObjectNode event) {
        return (tools.jackson.databind.node.ObjectNode) event.get("payload");
    }

    private static Poison mutated(tools.jackson.databind.ObjectMapper mapper, tools.jackson.databind.node.ObjectNode good,
                                  String name, String key, String reason, String field,
                                  java.util.function.Consumer<tools.jackson.databind.node.ObjectNode> change) {
        tools.jackson.databind.node.ObjectNode copy = good.deepCopy();
        copy.put("eventId", java.util.UUID.randomUUID().toString());
        change.accept(copy);
        return new Poison(name, key, mapper.writeValueAsBytes(copy), reason, field);
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
