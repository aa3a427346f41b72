package io.backstop.kit;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.backstop.kit.outbox.Outbox;
import io.backstop.testkit.AccessMatrix;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"backstop.kafka.max-attempts=3", "backstop.kafka.max-retry-interval=400ms",
                "backstop.kafka.stalled-after=1s", "backstop.kafka.stall-limit=3s"})
@RealInfrastructure
@org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing
class KitIT extends ServiceFoundationContract {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    Outbox outbox;
    @Autowired
    io.backstop.kit.inbox.Inbox inbox;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;

    @Override
    protected java.util.Map<String, AccessMatrix.Allowed> accessMatrix() {
        return java.util.Map.of(
                "GET /api/test/held", AccessMatrix.Allowed.roles(io.backstop.events.auth.Role.OPERATOR),
                "GET /api/test/page", AccessMatrix.Allowed.roles(io.backstop.events.auth.Role.OPERATOR),
                "POST /api/test/orders", AccessMatrix.Allowed.roles(io.backstop.events.auth.Role.EXCHANGE),
                "POST /api/test/notes/{mode}", AccessMatrix.Allowed.roles(io.backstop.events.auth.Role.EXCHANGE));
    }

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        return List.of(tick("coinbase", "LINK", "20"));
    }

    /** The web tests' endpoints: an order echoed back (nothing stored, no field required) and a page. */
    @Override
    protected List<ValidRequest> validRequests() {
        return List.of(
                new ValidRequest("POST /api/test/orders", "/api/test/orders", "{\"clientId\":\"c1\",\"amount\":\"1.5\","
                        + "\"at\":\"2025-10-10T21:15:00Z\",\"count\":2}", java.util.Set.of("clientId", "amount", "at",
                        "count"), () -> ""),
                ValidRequest.read("GET /api/test/page", "/api/test/page?limit=5&after=" + java.util.UUID.randomUUID()));
    }

    @BeforeEach
    void probe() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
    }

    @AfterEach
    void close() {
        kafka.close();
    }

    /**
     * A committed state change and its audit row are one: the row is inserted in the transaction that commits the
     * change (PostgreSQL's xmin, the inserting transaction, is the state row's), once per call however many
     * transactions it runs (the first that commits carries it; one rolled back before it takes its row with it), with
     * outcome "committed" and no status. A transaction that fails at its commit after the row was inserted in it
     * leaves neither the state nor that row; that call, and one whose transaction rolled back, is recorded once
     * answered, with its status.
     */
    @Test
    void aCommittedWritesAuditRowIsInItsTransactionOnceAndAFailedOneIsRecordedAnswered() throws Exception {
        jdbc.execute("CREATE TABLE IF NOT EXISTS audit_test_note (id text PRIMARY KEY)");
        String exchange = io.backstop.testkit.TestTokens.of(io.backstop.events.auth.Role.EXCHANGE);
        var http = java.net.http.HttpClient.newHttpClient();
        java.util.Map<String, String> ids = new java.util.LinkedHashMap<>();
        java.util.Map<String, Integer> statuses = new java.util.LinkedHashMap<>();
        for (String mode : List.of("commit", "twice", "retry", "rollback", "failing-commit")) {
            String id = "audit-" + mode + "-" + UUID.randomUUID();
            ids.put(mode, id);
            statuses.put(mode, http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
                            + port + "/api/test/notes/" + mode)).header("Authorization", "Bearer " + exchange)
                    .header("X-Request-Id", id).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertThat(statuses).containsExactly(java.util.Map.entry("commit", 200), java.util.Map.entry("twice", 200),
                java.util.Map.entry("retry", 200), java.util.Map.entry("rollback", 409),
                java.util.Map.entry("failing-commit", 500));

        // committed: one row each, written by the transaction that wrote the (first committed) note
        for (String mode : List.of("commit", "twice", "retry")) {
            String id = ids.get(mode);
            List<java.util.Map<String, Object>> rows = jdbc.queryForList("SELECT outcome, status, xmin::text AS tx"
                    + " FROM audit_event WHERE request_id = ?", id);
            assertThat(rows).as(mode).hasSize(1);
            assertThat(rows.get(0).get("outcome")).as(mode).isEqualTo("committed");
            assertThat(rows.get(0).get("status")).as(mode).isNull();
            String carrier = mode.equals("retry") ? id + "-2" : id + "-1";
            assertThat(rows.get(0).get("tx")).as(mode + ": the audit row's transaction is the note's").isEqualTo(
                    jdbc.queryForObject("SELECT xmin::text FROM audit_test_note WHERE id = ?", String.class, carrier));
        }
        assertThat(jdbc.queryForObject("SELECT xmin::text FROM audit_test_note WHERE id = ?", String.class,
                ids.get("twice") + "-2")).as("the second transaction carries no row").isNotEqualTo(jdbc.queryForObject(
                "SELECT xmin::text FROM audit_event WHERE request_id = ?", String.class, ids.get("twice")));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_test_note WHERE id = ?", Integer.class,
                ids.get("retry") + "-1")).as("the rolled-back attempt").isZero();

        // not committed: no note, and one row recorded once answered, with the status
        assertThat(AuditTestController.seenInFailedCommit.get(ids.get("failing-commit")))
                .as("the row was in the failing transaction before its commit failed").isEqualTo(1);
        for (String mode : List.of("rollback", "failing-commit")) {
            String id = ids.get(mode);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_test_note WHERE id LIKE ?", Integer.class,
                    id + "-%")).as(mode + ": no state change").isZero();
            assertThat(jdbc.queryForList("SELECT outcome, status FROM audit_event WHERE request_id = ?", id))
                    .as(mode).containsExactly(java.util.Map.of("outcome", "answered", "status", statuses.get(mode)));
        }

        // what operators read
        var page = json.mapper().readTree(new io.backstop.testkit.HttpProbe(port).as(io.backstop.testkit.TestTokens.of(
                io.backstop.events.auth.Role.OPERATOR)).get("/api/v1/audit?subject=test-exchange&limit=1000").body());
        var committed = java.util.stream.StreamSupport.stream(page.get("entries").spliterator(), false)
                .filter(e -> e.get("requestId").asString().equals(ids.get("commit"))).findFirst().orElseThrow();
        assertThat(committed.get("outcome").asString()).isEqualTo("committed");
        assertThat(committed.get("status").isNull()).isTrue();
    }

    /**
     * A state-changing call is audited with who, what, the answer and the request id (the caller's, echoed, or one
     * made for it), readable by operators only; the audit refuses to be rewritten.
     */
    @Test
    void aWriteIsAuditedWithItsCallerAndRequestIdAndTheAuditIsAppendOnly() throws Exception {
        String exchange = io.backstop.testkit.TestTokens.of(io.backstop.events.auth.Role.EXCHANGE);
        var http = java.net.http.HttpClient.newHttpClient();
        var given = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port
                        + "/api/test/orders")).header("Authorization", "Bearer " + exchange)
                .header("Content-Type", "application/json").header("X-Request-Id", "req-42")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        var made = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port
                        + "/api/test/orders")).header("Authorization", "Bearer " + exchange)
                .header("Content-Type", "application/json").header("X-Request-Id", "bad id with spaces")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(given.headers().firstValue("X-Request-Id")).contains("req-42");
        String madeId = made.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(madeId).isNotEqualTo("bad id with spaces").matches("[0-9a-f-]{36}");
        io.backstop.testkit.HttpProbe probe = new io.backstop.testkit.HttpProbe(port);
        assertThat(probe.as(exchange).get("/api/v1/audit").statusCode()).isEqualTo(403);
        var page = json.mapper().readTree(probe.as(io.backstop.testkit.TestTokens.of(
                io.backstop.events.auth.Role.OPERATOR)).get("/api/v1/audit?subject=test-exchange&limit=1000").body());
        var entries = page.get("entries");
        var byId = new java.util.HashMap<String, tools.jackson.databind.JsonNode>();
        entries.forEach(e -> byId.put(e.get("requestId").asString(), e));
        assertThat(byId).containsKeys("req-42", madeId);
        var entry = byId.get("req-42");
        assertThat(entry.get("subject").asString()).isEqualTo("test-exchange");
        assertThat(entry.get("roles").asString()).isEqualTo("exchange");
        assertThat(entry.get("method").asString()).isEqualTo("POST");
        assertThat(entry.get("path").asString()).isEqualTo("/api/test/orders");
        assertThat(entry.get("outcome").asString()).as("nothing committed: recorded once answered").isEqualTo("answered");
        assertThat(entry.get("status").asInt()).isEqualTo(given.statusCode());
        try (var c = java.sql.DriverManager.getConnection(infra.jdbcUrl(), infra.postgres().user(),
                infra.postgres().password()); var st = c.createStatement()) {
            st.execute("SET search_path TO " + infra.schema());
            for (String rewrite : List.of("UPDATE audit_event SET subject = 'someone-else'", "DELETE FROM audit_event",
                    "TRUNCATE audit_event")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> st.execute(rewrite)).as(rewrite)
                        .hasMessageContaining("append-only");
            }
        }
    }

    @Test
    void aPoisonMessageGoesToTheDeadLetterTopicAndTheNextGoodOneIsStillProcessed() {
        String ticks = infra.topic("market.ticks");
        var poison = kafka.send(ticks, "BTC", "{\"eventId\": \"not json".getBytes(StandardCharsets.UTF_8));
        EventEnvelope<?> good = tick("binance", "BTC", "65000.5");
        kafka.send(ticks, "BTC", json.encode(good));

        List<ConsumerRecord<String, byte[]>> dead = kafka.read(ticks + ".dlq", 1, WAIT, r -> "BTC".equals(r.key()));
        assertThat(dead).hasSize(1);
        ConsumerRecord<String, byte[]> letter = dead.get(0);
        assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{\"eventId\": \"not json");
        assertThat(KafkaProbe.header(letter, "kafka_dlt-original-topic")).isEqualTo(ticks);
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.REASON_HEADER)).isEqualTo("malformed_json");
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.FIELD_HEADER)).isEqualTo("$");
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.DETAIL_HEADER)).contains(ticks);
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.SERVICE_HEADER)).isEqualTo("kit-test");
        assertThat(letter.headers().lastHeader("kafka_dlt-original-offset").value())
                .isEqualTo(java.nio.ByteBuffer.allocate(8).putLong(poison.offset()).array());

        OraclePricePublished price = pricesCausedBy(good.eventId(), 1).get(0);
        assertThat(price.indexPrice()).isEqualByComparingTo("65000.5");
        assertThat(metrics()).contains("backstop_kafka_dead_letters_total{application=\"kit-test\","
                + "reason=\"malformed_json\",topic=\"market.ticks\"}");
    }

    @Test
    void aContractViolationNamesTheFieldInTheDeadLetter() {
        String ticks = infra.topic("market.ticks");
        String negative = new String(json.encode(tick("okx", "ETH", "3800")), StandardCharsets.UTF_8)
                .replace("\"last\":\"3800\"", "\"last\":\"-3800\"");
        kafka.send(ticks, "ETH", negative.getBytes(StandardCharsets.UTF_8));

        ConsumerRecord<String, byte[]> letter = kafka.read(ticks + ".dlq", 1, WAIT,
                r -> "ETH".equals(r.key())).get(0);

        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.REASON_HEADER)).isEqualTo("invalid_value");
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.FIELD_HEADER)).isEqualTo("payload.last");
    }

    @Test
    void anEventTheConsumerRejectsIsDeadLetteredWithoutBlockingThePartition() {
        String ticks = infra.topic("market.ticks");
        EventEnvelope<?> rejected = tick("binance", "UNKNOWN", "1");
        EventEnvelope<?> next = tick("binance", "SOL", "150");
        kafka.send(ticks, "X", json.encode(rejected));
        kafka.send(ticks, "X", json.encode(next));

        ConsumerRecord<String, byte[]> letter = kafka.read(ticks + ".dlq", 1, WAIT, r -> "X".equals(r.key())).get(0);
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.REASON_HEADER)).isEqualTo("rejected_by_consumer");
        assertThat(json.decode(Topic.MARKET_TICKS, "dlq", letter.value()).eventId()).isEqualTo(rejected.eventId());
        assertThat(pricesCausedBy(next.eventId(), 1)).hasSize(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM inbox_event WHERE event_id = ?", Integer.class,
                rejected.eventId())).as("a rejected event leaves no trace in the inbox").isZero();
    }

    @Test
    void aPollWithRejectedAndUnreadableRecordsCommitsTheOthersOnceAndDeadLettersThemInRecordOrder() {
        String ticks = infra.topic("market.ticks");
        String key = "poll-" + UUID.randomUUID();
        EventEnvelope<?> good1 = tick("binance", "ADA", "0.5");
        EventEnvelope<?> rejected1 = tick("binance", "UNKNOWN", "1");
        EventEnvelope<?> good2 = tick("binance", "ADA", "0.6");
        EventEnvelope<?> rejected2 = tick("okx", "UNKNOWN", "2");
        EventEnvelope<?> good3 = tick("binance", "ADA", "0.7");
        // one partition (one key), most likely one poll: the rejected records are skipped inside its transaction
        kafka.sendAsync(ticks, key, json.encode(good1));
        kafka.sendAsync(ticks, key, json.encode(rejected1));
        kafka.sendAsync(ticks, key, json.encode(good2));
        kafka.sendAsync(ticks, key, "{\"eventId\": \"not json".getBytes(StandardCharsets.UTF_8));
        kafka.sendAsync(ticks, key, json.encode(rejected2));
        kafka.sendAsync(ticks, key, json.encode(good3));
        kafka.flush();

        List<ConsumerRecord<String, byte[]>> dead = kafka.read(ticks + ".dlq", 3, WAIT, r -> key.equals(r.key()));
        assertThat(dead).extracting(letter -> KafkaProbe.header(letter, DeadLetterPublisher.REASON_HEADER))
                .containsExactly("rejected_by_consumer", "malformed_json", "rejected_by_consumer");
        assertThat(json.decode(Topic.MARKET_TICKS, "dlq", dead.get(0).value()).eventId()).isEqualTo(rejected1.eventId());
        assertThat(json.decode(Topic.MARKET_TICKS, "dlq", dead.get(2).value()).eventId()).isEqualTo(rejected2.eventId());
        for (EventEnvelope<?> good : List.of(good1, good2, good3)) {
            assertThat(pricesCausedBy(good.eventId(), 2)).as("one price for each applied tick").hasSize(1);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM inbox_event WHERE event_id = ?", Integer.class,
                    good.eventId())).isOne();
        }
        for (EventEnvelope<?> rejected : List.of(rejected1, rejected2)) {
            assertThat(jdbc.queryForObject("SELECT count(*) FROM inbox_event WHERE event_id = ?", Integer.class,
                    rejected.eventId())).as("a rejected event leaves no trace in the inbox").isZero();
        }
    }

    @Test
    void whileAnEventIsAppliedItsIdIsInTheLoggingContextOfEveryLineTheHandlerLogs() {
        EventEnvelope<?> event = tick("kraken", "TRX", "0.3");
        kafka.send(infra.topic("market.ticks"), "TRX", json.encode(event));

        String topic = infra.topic("oracle.prices");
        List<ConsumerRecord<String, byte[]>> prices = kafka.read(topic, 1, WAIT, r -> event.eventId().equals(
                json.decode(Topic.ORACLE_PRICES, topic, r.value()).causationId()));
        assertThat(prices).hasSize(1);
        assertThat(KitTestApplication.EchoListener.loggedEventIds).contains(event.eventId().toString());
        // and its trace: the id every log line carries is the trace the price it decided continues
        String traceId = KitTestApplication.EchoListener.loggedTraceIds.get(event.eventId());
        assertThat(traceId).matches("[0-9a-f]{32}");
        var header = prices.get(0).headers().lastHeader(io.backstop.kit.tracing.EventTracing.HEADER);
        assertThat(header).as("the price's traceparent").isNotNull();
        assertThat(new String(header.value(), StandardCharsets.UTF_8)).startsWith("00-" + traceId + "-");
    }

    @Test
    void aRedeliveredEventIsAppliedOnce() {
        String ticks = infra.topic("market.ticks");
        EventEnvelope<?> event = tick("kraken", "DOGE", "0.2");
        kafka.send(ticks, "DOGE", json.encode(event));
        kafka.send(ticks, "DOGE", json.encode(event));
        EventEnvelope<?> after = tick("kraken", "DOGE", "0.21");
        kafka.send(ticks, "DOGE", json.encode(after));

        assertThat(pricesCausedBy(after.eventId(), 1)).hasSize(1);
        assertThat(pricesCausedBy(event.eventId(), 2)).as("one price for the tick delivered twice").hasSize(1);
        assertThat(metrics()).contains("backstop_events_consumed_total{application=\"kit-test\","
                + "outcome=\"duplicate\",topic=\"market.ticks\"}");
    }

    /** A failure of the infrastructure is retried past the attempts a faulty event gets, in order, until it passes. */
    @Test
    void anInfrastructureFailureIsRetriedInOrderUntilItSucceedsHoweverLong() {
        KitTestApplication.EchoListener.flakyFailuresLeft.set(6); // twice backstop.kafka.max-attempts
        String ticks = infra.topic("market.ticks");
        EventEnvelope<?> flaky = tick(KitTestApplication.EchoListener.FLAKY_VENUE, "ADA", "0.5");
        EventEnvelope<?> behind = tick("binance", "ADA", "0.51");
        kafka.send(ticks, "ADA", json.encode(flaky));
        kafka.send(ticks, "ADA", json.encode(behind));

        List<ConsumerRecord<String, byte[]>> prices = kafka.read(infra.topic("oracle.prices"), 2, WAIT,
                r -> "ADA".equals(r.key()));
        assertThat(prices).extracting(r -> json.decode(Topic.ORACLE_PRICES, "p", r.value()).causationId())
                .containsExactly(flaky.eventId(), behind.eventId());
        assertThat(KitTestApplication.EchoListener.flakyFailuresLeft.get()).isNegative();
        assertThat(kafka.read(ticks + ".dlq", 1, Duration.ofSeconds(2), r -> "ADA".equals(r.key())))
                .as("nothing of a passing failure dead-lettered").isEmpty();
    }

    /**
     * A consumer that keeps failing on a partition makes the service not ready once the stall lasts
     * stalled-after, naming the partition and the error, and not alive once it outlasts the stall limit while the
     * database answers (stuck, not waiting out an outage: a restart is the way out); both come back as soon as the
     * partition moves on.
     */
    @Test
    void aConsumerStalledOnAPartitionMakesTheServiceNotReadyThenNotAliveUntilItMovesOn() throws Exception {
        KitTestApplication.EchoListener.flakyFailuresLeft.set(1_000_000);
        String ticks = infra.topic("market.ticks");
        EventEnvelope<?> stuck = tick(KitTestApplication.EchoListener.FLAKY_VENUE, "DOT", "4.2");
        try {
            assertThat(get("/actuator/health/readiness").statusCode()).as("ready before").isEqualTo(200);
            kafka.send(ticks, "DOT", json.encode(stuck));

            org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> get("/actuator/health/readiness").statusCode() == 503);
            String readiness = get("/actuator/health/readiness").body();
            assertThat(readiness).contains("\"consumers\"").contains("OUT_OF_SERVICE").contains(ticks + "-")
                    .contains("TransientDataAccessResourceException: database unavailable");
            org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> get("/actuator/health/liveness").statusCode() == 503);
            assertThat(get("/actuator/health/liveness").body()).contains("\"consumersAlive\"").contains("DOWN");
        } finally {
            KitTestApplication.EchoListener.flakyFailuresLeft.set(0);
        }
        kafka.read(infra.topic("oracle.prices"), 1, WAIT, r -> "DOT".equals(r.key()));
        org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/actuator/health/readiness").statusCode() == 200
                        && get("/actuator/health/liveness").statusCode() == 200);
    }

    /**
     * An event the handler keeps failing on while the database answers is tried max-attempts times, then
     * dead-lettered as processing_failed; the events polled with it, before and after, are applied — the
     * failure is pinned to the record it comes from, never to the one that happened to open the poll.
     */
    @Test
    void anEventTheHandlerKeepsFailingOnIsDeadLetteredAfterItsAttemptsAndItsNeighboursApplied() {
        KitTestApplication.EchoListener.faultyAttempts.set(0);
        String ticks = infra.topic("market.ticks");
        EventEnvelope<?> before = tick("okx", "AVAX", "30.1");
        EventEnvelope<?> faulty = tick(KitTestApplication.EchoListener.FAULTY_VENUE, "AVAX", "30.2");
        EventEnvelope<?> after = tick("okx", "AVAX", "30.3");
        for (EventEnvelope<?> e : List.of(before, faulty, after)) {
            kafka.send(ticks, "AVAX", json.encode(e));
        }

        ConsumerRecord<String, byte[]> letter = kafka.read(ticks + ".dlq", 1, WAIT, r -> "AVAX".equals(r.key())).get(0);
        assertThat(json.decode(Topic.MARKET_TICKS, "dlq", letter.value()).eventId()).isEqualTo(faulty.eventId());
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.REASON_HEADER)).isEqualTo("processing_failed");
        assertThat(KafkaProbe.header(letter, DeadLetterPublisher.DETAIL_HEADER))
                .isEqualTo("IllegalStateException: a fault in the handler");
        List<ConsumerRecord<String, byte[]>> prices = kafka.read(infra.topic("oracle.prices"), 2, WAIT,
                r -> "AVAX".equals(r.key()));
        assertThat(prices).extracting(r -> json.decode(Topic.ORACLE_PRICES, "p", r.value()).causationId())
                .containsExactly(before.eventId(), after.eventId());
        assertThat(KitTestApplication.EchoListener.faultyAttempts.get()).as("attempts at the faulty event")
                .isGreaterThanOrEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM inbox_event WHERE event_id = ?", Integer.class,
                faulty.eventId())).as("the faulty event left no trace").isZero();
        assertThat(metrics()).contains("backstop_kafka_dead_letters_total{application=\"kit-test\","
                + "reason=\"processing_failed\",topic=\"market.ticks\"}");
        assertThat(kafka.read(ticks + ".dlq", 2, Duration.ofSeconds(2), r -> "AVAX".equals(r.key())))
                .as("only the faulty event dead-lettered").hasSize(1);
    }

    /** The outbox keeps the trace of the work that decided an event, and the relay sends it as the record's header. */
    @Test
    void anEventDecidedInASpanIsPublishedWithItsTraceparentAndOneDecidedOutsideWithout() {
        try (io.backstop.kit.tracing.RecordingTracing recording = new io.backstop.kit.tracing.RecordingTracing()) {
            Outbox traced = new Outbox(jdbc, json, recording.tracing);
            EventEnvelope<?> decided = tick("okx", "SOL", "150");
            EventEnvelope<?> untraced = tick("okx", "SOL", "151");
            io.micrometer.tracing.Span span = recording.tracer.nextSpan().name("decide").start();
            try (var inScope = recording.tracer.withSpan(span)) {
                tx.executeWithoutResult(status -> traced.append(decided));
            } finally {
                span.end();
            }
            tx.executeWithoutResult(status -> traced.append(untraced));

            List<ConsumerRecord<String, byte[]>> published = kafka.read(infra.topic("market.ticks"), 2, WAIT,
                    r -> "SOL".equals(r.key()));
            assertThat(published).hasSize(2);
            var first = published.get(0).headers().lastHeader(io.backstop.kit.tracing.EventTracing.HEADER);
            assertThat(json.decode(Topic.MARKET_TICKS, "t", published.get(0).value()).eventId())
                    .isEqualTo(decided.eventId());
            assertThat(new String(first.value(), StandardCharsets.UTF_8))
                    .isEqualTo("00-" + span.context().traceId() + "-" + span.context().spanId() + "-01");
            assertThat(published.get(1).headers().lastHeader(io.backstop.kit.tracing.EventTracing.HEADER)).isNull();
        }
    }

    /**
     * One outbox row a transaction: the relay publishes a transaction's events in append order, a row of more events
     * than a round's batch (500) whole and the next row in a round of its own, and a row of one event (a bulk load
     * copies those; an older version left them) before any transaction's row.
     */
    @Test
    void aTransactionsEventsArePublishedInAppendOrderAndOneEventRowsBeforeThem() {
        List<EventEnvelope<?>> appended = java.util.stream.IntStream.range(0, 1_200)
                .<EventEnvelope<?>>mapToObj(i -> tick("gemini", "ATOM", "30." + i)).toList();
        EventEnvelope<?> copied = tick("gemini", "ATOM", "29.9");
        tx.executeWithoutResult(status -> {
            outbox.appendAll(appended.subList(0, 700));
            jdbc.update("INSERT INTO outbox_event (event_id, topic, record_key, event_type, payload)"
                    + " VALUES (?, 'market.ticks', 'ATOM', ?, ?)", copied.eventId(), copied.type().wireName(),
                    json.encode(copied));
            outbox.appendAll(appended.subList(700, 1_200));
            assertThat(jdbc.queryForObject("SELECT sum(event_count) FROM outbox_batch", Integer.class))
                    .as("two rows for the two appends").isEqualTo(1_200);
        });

        List<ConsumerRecord<String, byte[]>> published = kafka.read(infra.topic("market.ticks"), 1_201, WAIT,
                r -> "ATOM".equals(r.key()));

        List<UUID> expected = new java.util.ArrayList<>();
        expected.add(copied.eventId());
        appended.forEach(e -> expected.add(e.eventId()));
        assertThat(published).extracting(r -> json.decode(Topic.MARKET_TICKS, "t", r.value()).eventId())
                .containsExactlyElementsOf(expected);
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "SELECT (SELECT count(*) FROM outbox_event) + (SELECT count(*) FROM outbox_batch)", Integer.class))
                .isZero());
    }

    /**
     * One relay a service, however many instances: two instances' relays (polling once an hour, so only a wake-up can
     * make either look) on this service's schema. The one holding the lock publishes what the other instance's
     * transactions append, woken by their notification; the other takes over at once when the leader stops, and a
     * leader whose session is killed takes the lock again on a new one. Each event is published once.
     */
    @Test
    void oneInstancesRelayPublishesEveryInstancesEventsAndAStandbyTakesOverAtOnce() throws Exception {
        String lockName = backstop.getDb().getSchema() + ".outbox-relay";
        String channel = backstop.getDb().getSchema() + "_outbox";
        contextRelay.stop(); // the two instances below are the only relays while this test runs
        Instance a = new Instance("a", lockName, channel);
        Instance b = new Instance("b", lockName, channel);
        try {
            a.start();
            org.awaitility.Awaitility.await().atMost(WAIT).until(a.relay::leads);
            b.start();
            EventEnvelope<?> fromB = tick("okx", "NEAR", "5.1");
            tx.executeWithoutResult(status -> b.outbox.append(fromB));
            assertThat(published(fromB)).as("a publishes b's event, woken by b's notification").isTrue();
            EventEnvelope<?> fromA = tick("okx", "NEAR", "5.2");
            tx.executeWithoutResult(status -> a.outbox.append(fromA));
            assertThat(published(fromA)).isTrue();
            assertThat(b.relay.leads()).as("b stands by while a leads").isFalse();
            org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(lockWaiters(lockName))
                    .as("b waits for the lock in PostgreSQL, not polling").isEqualTo(1));

            assertThat(terminateLockHolder(lockName)).as("the leader's session holds the lock").isEqualTo(1);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(b.relay::leads);
            EventEnvelope<?> lostUnderA = tick("okx", "NEAR", "5.3");
            tx.executeWithoutResult(status -> a.outbox.append(lostUnderA)); // a still believes it leads
            assertThat(published(lostUnderA)).as("b publishes what a appended before it noticed its loss").isTrue();
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !a.relay.leads());

            b.stop();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(a.relay::leads);
            EventEnvelope<?> afterStop = tick("okx", "NEAR", "5.4");
            tx.executeWithoutResult(status -> b.outbox.append(afterStop));
            assertThat(published(afterStop)).as("a publishes b's event after taking over").isTrue();

            Instance c = new Instance("c", lockName, channel);
            c.start();
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> lockWaiters(lockName) == 1);
            c.stop();
            assertThat(lockWaiters(lockName)).as("a stopped standby's wait is cancelled").isZero();
            assertThat(c.relay.isRunning()).isFalse();

            List<EventEnvelope<?>> all = List.of(fromB, fromA, lostUnderA, afterStop);
            assertThat(publishedAmong(all, Duration.ofSeconds(3), Integer.MAX_VALUE)).as("each once")
                    .containsExactlyInAnyOrderElementsOf(all.stream().map(EventEnvelope::eventId).toList());
            org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(jdbc.queryForObject(
                    "SELECT count(*) FROM outbox_batch", Integer.class)).as("what the app's listeners appended too")
                    .isZero());
        } finally {
            a.stop();
            b.stop();
            contextRelay.start();
        }
        org.awaitility.Awaitility.await().atMost(WAIT).until(contextRelay::leads);
        assertThat(metrics().lines().filter(l -> l.startsWith("backstop_outbox_leading")))
                .as("the instance's relay says it leads").singleElement().asString().endsWith(" 1.0");
    }

    /** Terminates the session holding the relay lock; returns how many there were. */
    private int terminateLockHolder(String lockName) {
        long key = lockName.hashCode();
        return jdbc.queryForObject("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory'"
                + " AND granted AND classid::bigint = ? AND objid::bigint = ?", Integer.class, key >>> 32,
                key & 0xFFFF_FFFFL);
    }

    /** Sessions waiting for the relay lock. */
    private int lockWaiters(String lockName) {
        long key = lockName.hashCode();
        return jdbc.queryForObject("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                + " AND classid::bigint = ? AND objid::bigint = ?", Integer.class, key >>> 32, key & 0xFFFF_FFFFL);
    }

    @Autowired
    io.backstop.kit.outbox.OutboxRelay contextRelay;
    @Autowired
    BackstopProperties backstop;
    @Autowired
    javax.sql.DataSource dataSource;

    /** An instance of the service as far as its outbox goes: its outbox, relay and listening, as the kit wires them. */
    private final class Instance {
        final io.backstop.kit.outbox.OutboxRelay relay;
        final io.backstop.kit.outbox.RelayNotifications notifications;
        final Outbox outbox;

        Instance(String name, String lockName, String channel) {
            var factory = new org.springframework.kafka.core.DefaultKafkaProducerFactory<String, byte[]>(
                    java.util.Map.of(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            infra.kafka().bootstrapServers()),
                    new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer());
            factory.setTransactionIdPrefix("kit-it-" + name + "-" + UUID.randomUUID() + "-");
            relay = new io.backstop.kit.outbox.OutboxRelay(dataSource,
                    new org.springframework.kafka.core.KafkaTemplate<>(factory), backstop.getKafka().getTopicPrefix(),
                    lockName, channel, 500, Duration.ofHours(1), java.time.Clock.systemUTC(),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            notifications = new io.backstop.kit.outbox.RelayNotifications(dataSource, channel, relay);
            outbox = new Outbox(jdbc, json);
            outbox.afterCommit(relay::appended);
            outbox.notifyRelay(channel, () -> !relay.leads());
        }

        void start() {
            relay.start();
            notifications.start();
        }

        void stop() {
            relay.stop();
            notifications.stop();
        }
    }

    /** Whether {@code event} arrived on the ticks' topic within 10 s. */
    private boolean published(EventEnvelope<?> event) {
        return !publishedAmong(List.of(event), Duration.ofSeconds(10), 1).isEmpty();
    }

    /** The eventIds among {@code events} read from the ticks' topic, as often as each was published. */
    private List<UUID> publishedAmong(List<EventEnvelope<?>> events, Duration wait, int enough) {
        String topic = infra.topic("market.ticks");
        java.util.Set<UUID> ids = events.stream().map(EventEnvelope::eventId)
                .collect(java.util.stream.Collectors.toSet());
        return kafka.readUntil(topic, wait, r -> ids.contains(eventId(topic, r)), found -> found.size() >= enough)
                .stream().map(r -> eventId(topic, r)).toList();
    }

    /** The record's eventId, or null for one that is not an event (other tests publish malformed records). */
    private UUID eventId(String topic, ConsumerRecord<String, byte[]> record) {
        try {
            return json.decode(Topic.MARKET_TICKS, topic, record.value()).eventId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Test
    void eventsAppendedInARolledBackTransactionAreNeverPublished() {
        EventEnvelope<?> kept = tick("bybit", "XRP", "2.5");
        EventEnvelope<?> dropped = tick("bybit", "XRP", "2.4");
        tx.executeWithoutResult(status -> {
            outbox.append(dropped);
            status.setRollbackOnly();
        });
        tx.executeWithoutResult(status -> outbox.append(kept));

        List<ConsumerRecord<String, byte[]>> published = kafka.read(infra.topic("market.ticks"), 2, Duration.ofSeconds(5),
                r -> "XRP".equals(r.key()));
        assertThat(published).extracting(r -> json.decode(Topic.MARKET_TICKS, "t", r.value()).eventId())
                .containsExactly(kept.eventId());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox_batch", Integer.class)).isZero();
    }

    @Test
    void aPollsDeliveriesAreRecordedInOneStatementAndOnlyFirstDeliveriesAreReturned() {
        UUID seen = UUID.randomUUID();
        UUID fresh = UUID.randomUUID();
        UUID twice = UUID.randomUUID();
        tx.executeWithoutResult(status -> inbox.recordFirstDeliveries(
                List.of(new io.backstop.kit.inbox.Inbox.Delivery(seen, "t", 0, 1))));

        java.util.Set<UUID> first = tx.execute(status -> inbox.recordFirstDeliveries(List.of(
                new io.backstop.kit.inbox.Inbox.Delivery(seen, "t", 0, 1),
                new io.backstop.kit.inbox.Inbox.Delivery(fresh, "t", 0, 2),
                new io.backstop.kit.inbox.Inbox.Delivery(twice, "t", 1, 7),
                new io.backstop.kit.inbox.Inbox.Delivery(twice, "t", 1, 7))));

        assertThat(first).containsExactlyInAnyOrder(fresh, twice);
        assertThat(inbox.processedAmong(List.of(seen, fresh, twice))).containsExactlyInAnyOrder(seen, fresh, twice);
        // rolled back with its transaction: nothing recorded
        UUID rolledBack = UUID.randomUUID();
        tx.executeWithoutResult(status -> {
            inbox.recordFirstDeliveries(List.of(new io.backstop.kit.inbox.Inbox.Delivery(rolledBack, "t", 0, 3)));
            status.setRollbackOnly();
        });
        assertThat(inbox.contains(rolledBack)).isFalse();
    }

    private List<OraclePricePublished> pricesCausedBy(UUID cause, int atLeast) {
        String topic = infra.topic("oracle.prices");
        return kafka.read(topic, atLeast, atLeast == 1 ? WAIT : Duration.ofSeconds(5), r -> cause.equals(
                        json.decode(Topic.ORACLE_PRICES, topic, r.value()).causationId()))
                .stream().map(r -> (OraclePricePublished) json.decode(Topic.ORACLE_PRICES, topic, r.value()).payload())
                .toList();
    }

    private static EventEnvelope<?> tick(String venue, String symbol, String last) {
        return EventEnvelope.of(new VenueTickObserved(venue, symbol, null, null, new BigDecimal(last),
                Instant.parse("2025-10-10T21:00:00Z")), Instant.parse("2025-10-10T21:00:00.001Z"), null, null);
    }

    private String metrics() {
        try {
            return get("/actuator/prometheus").body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
