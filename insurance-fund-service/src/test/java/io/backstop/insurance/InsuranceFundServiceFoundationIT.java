package io.backstop.insurance;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.events.auth.Role;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.testkit.AccessMatrix;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class InsuranceFundServiceFoundationIT extends ServiceFoundationContract {

    @Autowired
    PriceBoard prices;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;

    /**
     * One good event per consumed topic, each call its own: a shortfall is resolved once per shortfall id and an ADL
     * request settled once (a second event for either is rejected), so those get new ids every time. The ADL answer
     * answers a shortfall this call really raised and a request the fund is taken to have sent for it (the fund
     * refuses one for a shortfall it never resolved, or for a request it never sent).
     */
    @Override
    protected java.util.Map<String, AccessMatrix.Allowed> accessMatrix() {
        return java.util.Map.of(
                "GET /api/v1/fund", AccessMatrix.Allowed.roles(Role.OPERATOR),
                "GET /api/v1/fund/{group}", AccessMatrix.Allowed.roles(Role.OPERATOR),
                "POST /api/v1/fund/{group}/deposits", AccessMatrix.Allowed.roles(Role.ADMIN),
                "GET /api/v1/waterfall/{shortfallId}", AccessMatrix.Allowed.roles(Role.OPERATOR),
                "GET /api/v1/adl/{symbol}/queue", AccessMatrix.Allowed.roles(Role.OPERATOR),
                "GET /api/v1/adl/accounts/{accountId}", AccessMatrix.Allowed.ownAccountInPath("accountId",
                        Role.OPERATOR),
                "GET /api/v1/ledger/check", AccessMatrix.Allowed.roles(Role.OPERATOR));
    }

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (EventEnvelope<?> e : SampleEvents.freshForTopics(Topic.LIQUIDATION_SHORTFALLS, Topic.INSURANCE_CONTRIBUTIONS,
                Topic.ACCOUNT_POSITIONS, Topic.LIQUIDATION_EXECUTIONS, Topic.ADL_SETTLEMENTS, Topic.ORACLE_PRICES)) {
            Object payload = e.payload();
            if (payload instanceof LiquidationShortfallRaised s) {
                events.add(EventEnvelope.of(new LiquidationShortfallRaised(UUID.randomUUID(), s.liquidationId(),
                        s.marginCallEventId(), s.accountId(), s.symbol(), s.positionSide(), s.remainingQuantity(),
                        s.bankruptcyPrice(), s.markPrice(), s.deficit()), e.occurredAt(), null, null));
            } else if (payload instanceof AdlLegSettled a) {
                events.add(EventEnvelope.of(sent(new AdlLegSettled(raiseShortfall(), UUID.randomUUID(),
                        a.bankruptAccountId(), a.accountId(), a.symbol(), a.bankruptSide(), a.requested(), a.applied(),
                        a.price(), a.rank())), e.occurredAt(), null, null));
            } else {
                events.add(e);
            }
        }
        return events;
    }

    /**
     * A waterfall event the fund cannot book is dead-lettered naming the field: a shortfall or fee on a symbol no
     * fund group covers, a fee in an asset the funds do not hold, a second event for a shortfall already resolved or
     * an ADL request already settled (under another event id: the inbox cannot see it is the same), an ADL answer
     * for a shortfall the fund never resolved, and one for a shortfall it resolved naming a request it never sent,
     * which book nothing. The answers are sent
     * once the shortfall they answer is resolved: they are on another topic, in no order with it.
     */
    @org.junit.jupiter.api.Test
    void aWaterfallEventTheFundCannotBookIsDeadLetteredNamingTheField() throws Exception {
        java.util.Map<io.backstop.events.EventType, io.backstop.events.EventPayload> samples = SampleEvents.payloads();
        LiquidationShortfallRaised s = (LiquidationShortfallRaised) samples.get(
                io.backstop.events.EventType.LIQUIDATION_SHORTFALL_RAISED);
        io.backstop.events.liquidation.LiquidationFeeCollected f = (io.backstop.events.liquidation.LiquidationFeeCollected)
                samples.get(io.backstop.events.EventType.LIQUIDATION_FEE_COLLECTED);
        AdlLegSettled a = (AdlLegSettled) samples.get(io.backstop.events.EventType.ADL_LEG_SETTLED);
        java.time.Instant now = java.time.Instant.now();
        UUID shortfall = UUID.randomUUID();
        UUID request = UUID.randomUUID();
        LiquidationShortfallRaised raised = new LiquidationShortfallRaised(shortfall, s.liquidationId(),
                s.marginCallEventId(), s.accountId(), s.symbol(), s.positionSide(), s.remainingQuantity(),
                s.bankruptcyPrice(), s.markPrice(), s.deficit());
        AdlLegSettled settled = new AdlLegSettled(shortfall, request, a.bankruptAccountId(), a.accountId(),
                a.symbol(), a.bankruptSide(), a.requested(), a.applied(), a.price(), a.rank());
        // for the real shortfall, but naming a request the fund never sent
        EventEnvelope<AdlLegSettled> neverSent = EventEnvelope.of(new AdlLegSettled(shortfall, UUID.randomUUID(),
                a.bankruptAccountId(), a.accountId(), a.symbol(), a.bankruptSide(), a.requested(), a.applied(),
                a.price(), a.rank()), now, null, null);
        EventEnvelope<AdlLegSettled> unknown = EventEnvelope.of(new AdlLegSettled(UUID.randomUUID(), UUID.randomUUID(),
                a.bankruptAccountId(), a.accountId(), a.symbol(), a.bankruptSide(), a.requested(), a.applied(),
                a.price(), a.rank()), now, null, null);

        List<String> verdicts = deadLetterVerdicts(List.of(
                EventEnvelope.of(new LiquidationShortfallRaised(UUID.randomUUID(), s.liquidationId(),
                        s.marginCallEventId(), s.accountId(), "DOGEUSDT", s.positionSide(), s.remainingQuantity(),
                        s.bankruptcyPrice(), s.markPrice(), s.deficit()), now, null, null),
                EventEnvelope.of(new io.backstop.events.liquidation.LiquidationFeeCollected(f.liquidationId(),
                        f.tradeId(), f.accountId(), "DOGEUSDT", f.amount(), f.asset()), now, null, null),
                EventEnvelope.of(new io.backstop.events.liquidation.LiquidationFeeCollected(f.liquidationId(),
                        f.tradeId(), f.accountId(), f.symbol(), f.amount(), "BTC"), now, null, null),
                EventEnvelope.of(raised, now, null, null),
                EventEnvelope.of(raised, now, null, null)));
        org.assertj.core.api.Assertions.assertThat(verdicts).containsExactly("rejected_by_consumer payload.symbol",
                "rejected_by_consumer payload.symbol", "rejected_by_consumer payload.asset", "consumed",
                "rejected_by_consumer payload.shortfallId");

        sent(settled);
        List<String> answers = deadLetterVerdicts(List.of(unknown, neverSent, EventEnvelope.of(settled, now, null, null),
                EventEnvelope.of(settled, now, null, null)));
        org.assertj.core.api.Assertions.assertThat(answers).containsExactly("rejected_by_consumer payload.shortfallId",
                "rejected_by_consumer payload.requestId", "consumed", "rejected_by_consumer payload.requestId");
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT count(*) FROM ledger_transaction"
                + " WHERE cause_event_id = ?", Long.class, neverSent.eventId())).isZero();
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT count(*) FROM ledger_transaction"
                + " WHERE cause_event_id = ?", Long.class, unknown.eventId())).isZero();
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT count(*) FROM adl_settlement"
                + " WHERE request_id = ?", Long.class, unknown.payload().requestId())).isZero();
        assertLedgerClean();
    }

    /**
     * An execution of the fund's own order that names another symbol or the other side than the order is
     * dead-lettered naming that field, and books nothing (the order stays open, the fund's money and inventory do not
     * move); the order's real execution, after them, is booked as usual, conserving money. The order is a real one:
     * the fund takes a shortfall on BNB over and places its unwinding.
     */
    @org.junit.jupiter.api.Test
    void anExecutionNamingAnotherSymbolOrSideThanTheFundsOrderIsDeadLetteredAndBooksNothing() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        io.backstop.events.json.EventJson json = new io.backstop.events.json.EventJson();
        io.backstop.events.liquidation.LiquidationOrderPlaced order;
        try (io.backstop.testkit.KafkaProbe kafka = new io.backstop.testkit.KafkaProbe(infra.kafka().bootstrapServers())) {
            kafka.send(infra.topic(Topic.ORACLE_PRICES.baseName()), "BNBUSDT", json.encode(EventEnvelope.of(
                    new OraclePricePublished("BNBUSDT", new java.math.BigDecimal("600"), new java.math.BigDecimal("600"),
                            new java.math.BigDecimal("600"), java.math.BigDecimal.ZERO,
                            io.backstop.events.oracle.PriceStatus.OK, null, List.of(), now, now),
                    now, null, now.toEpochMilli())));
            org.assertj.core.api.Assertions.assertThat(post("/api/v1/fund/majors/deposits", "{\"amount\":\"100000\","
                    + "\"idempotencyKey\":\"bnb-" + UUID.randomUUID() + "\"}").statusCode()).isEqualTo(201);
            String account = "bnb-" + UUID.randomUUID();
            kafka.send(infra.topic(Topic.LIQUIDATION_SHORTFALLS.baseName()), "BNBUSDT", json.encode(EventEnvelope.of(
                    new LiquidationShortfallRaised(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), account,
                            "BNBUSDT", io.backstop.events.PositionSide.LONG, new java.math.BigDecimal("10"),
                            new java.math.BigDecimal("601"), new java.math.BigDecimal("600"), java.math.BigDecimal.ZERO),
                    now, null, null)));
            order = (io.backstop.events.liquidation.LiquidationOrderPlaced) json.decode(Topic.LIQUIDATION_ORDERS,
                    "BNBUSDT", kafka.read(infra.topic(Topic.LIQUIDATION_ORDERS.baseName()), 1,
                            java.time.Duration.ofSeconds(60), r -> json.decode(Topic.LIQUIDATION_ORDERS, r.key(),
                                    r.value()).payload() instanceof io.backstop.events.liquidation.LiquidationOrderPlaced o
                                    && o.owner() == io.backstop.events.liquidation.OrderOwner.INSURANCE_FUND
                                    && o.symbol().equals("BNBUSDT")).get(0).value()).payload();
        }
        org.assertj.core.api.Assertions.assertThat(order.side()).isEqualTo(io.backstop.events.Side.SELL);
        org.assertj.core.api.Assertions.assertThat(order.quantity()).isEqualByComparingTo("10");
        java.math.BigDecimal balance = fundBalance();
        long transactions = jdbc.queryForObject("SELECT count(*) FROM ledger_transaction", Long.class);

        List<String> verdicts = deadLetterVerdicts(List.of(
                execution(order, "ETHUSDT", io.backstop.events.Side.SELL),
                execution(order, "BNBUSDT", io.backstop.events.Side.BUY)));

        org.assertj.core.api.Assertions.assertThat(verdicts).containsExactly("rejected_by_consumer payload.symbol",
                "rejected_by_consumer payload.side");
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT status FROM fund_order WHERE id = ?",
                String.class, order.orderId())).isEqualTo("OPEN");
        org.assertj.core.api.Assertions.assertThat(fundBalance()).isEqualByComparingTo(balance);
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT count(*) FROM ledger_transaction",
                Long.class)).isEqualTo(transactions);

        // sold 10 at 598 what was taken over at 601: the fund's money moves by -30, and only by that
        org.assertj.core.api.Assertions.assertThat(deadLetterVerdicts(List.of(
                execution(order, "BNBUSDT", io.backstop.events.Side.SELL)))).containsExactly("consumed");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "SELECT status FROM fund_order WHERE id = ?", String.class, order.orderId()).equals("DONE"));
        org.assertj.core.api.Assertions.assertThat(fundBalance()).isEqualByComparingTo(
                balance.subtract(new java.math.BigDecimal("30")));
        assertLedgerClean();
    }

    /**
     * A fund deposit's audit row commits in the deposit's own transaction (the ledger transaction's xmin), once, with
     * outcome "committed"; a deposit to a fund that does not exist changes nothing and is recorded once answered.
     */
    @org.junit.jupiter.api.Test
    void aDepositsAuditRowCommitsWithItsLedgerTransaction() throws Exception {
        var paid = post("/api/v1/fund/majors/deposits", "{\"amount\":\"5\",\"idempotencyKey\":\"audit-"
                + UUID.randomUUID() + "\"}");
        org.assertj.core.api.Assertions.assertThat(paid.statusCode()).isEqualTo(201);
        List<java.util.Map<String, Object>> rows = jdbc.queryForList("SELECT outcome, status, xmin::text AS tx"
                + " FROM audit_event WHERE request_id = ?", paid.headers().firstValue("X-Request-Id").orElseThrow());
        org.assertj.core.api.Assertions.assertThat(rows).hasSize(1);
        org.assertj.core.api.Assertions.assertThat(rows.get(0).get("outcome")).isEqualTo("committed");
        org.assertj.core.api.Assertions.assertThat(rows.get(0).get("status")).isNull();
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT count(*) FROM ledger_transaction"
                + " WHERE xmin::text = ?", Integer.class, rows.get(0).get("tx"))).as("the deposit's ledger transaction")
                .isEqualTo(1);

        var unknown = post("/api/v1/fund/no-such-group/deposits", "{\"amount\":\"5\",\"idempotencyKey\":\"audit-"
                + UUID.randomUUID() + "\"}");
        org.assertj.core.api.Assertions.assertThat(unknown.statusCode()).isEqualTo(404);
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForList("SELECT outcome, status FROM audit_event"
                + " WHERE request_id = ?", unknown.headers().firstValue("X-Request-Id").orElseThrow()))
                .containsExactly(java.util.Map.of("outcome", "answered", "status", 404));
        assertLedgerClean();
    }

    private static EventEnvelope<?> execution(io.backstop.events.liquidation.LiquidationOrderPlaced order,
                                              String symbol, io.backstop.events.Side side) {
        return EventEnvelope.of(new io.backstop.events.liquidation.LiquidationOrderExecuted(order.orderId(),
                order.liquidationId(), symbol, side, List.of(new io.backstop.events.liquidation.ExecutionFill(
                "bnb-" + UUID.randomUUID(), new java.math.BigDecimal("598"), order.quantity())),
                java.math.BigDecimal.ZERO), java.time.Instant.now(), null, null);
    }

    /** Sends a shortfall as liquidation-service would, and waits until the fund has resolved it (its waterfall). */
    /**
     * Records {@code answer}'s request as one the fund sent, as it does when it appends a request to its outbox: the
     * answers here stand for margin's to requests whose planning is not what these tests are about (the flow IT
     * answers the fund's real requests).
     */
    private AdlLegSettled sent(AdlLegSettled answer) {
        jdbc.update("INSERT INTO adl_request (request_id, shortfall_id, account_id, bankrupt_account_id, symbol,"
                + " bankrupt_side, quantity, price, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                answer.requestId(), answer.shortfallId(), answer.accountId(), answer.bankruptAccountId(), answer.symbol(),
                answer.bankruptSide().name(), answer.requested(), answer.price());
        return answer;
    }

    private UUID raiseShortfall() {
        LiquidationShortfallRaised s = (LiquidationShortfallRaised) SampleEvents.payloads().get(
                io.backstop.events.EventType.LIQUIDATION_SHORTFALL_RAISED);
        LiquidationShortfallRaised raised = new LiquidationShortfallRaised(UUID.randomUUID(), s.liquidationId(),
                s.marginCallEventId(), s.accountId(), s.symbol(), s.positionSide(), s.remainingQuantity(),
                s.bankruptcyPrice(), s.markPrice(), s.deficit());
        try (io.backstop.testkit.KafkaProbe kafka = new io.backstop.testkit.KafkaProbe(infra.kafka().bootstrapServers())) {
            kafka.send(infra.topic(Topic.LIQUIDATION_SHORTFALLS.baseName()), raised.key(),
                    new io.backstop.events.json.EventJson().encode(EventEnvelope.of(raised, java.time.Instant.now(),
                            null, null)));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM waterfall WHERE shortfall_id = ?", Integer.class, raised.shortfallId()) == 1);
        return raised.shortfallId();
    }

    private java.math.BigDecimal fundBalance() throws Exception {
        return new java.math.BigDecimal(new io.backstop.events.json.EventJson().mapper()
                .readTree(get("/api/v1/fund/majors").body()).get("fund").get("balance").asString());
    }

    /** Every ledger transaction balanced, every stored balance what its postings add up to. */
    private void assertLedgerClean() throws Exception {
        String check = get("/api/v1/ledger/check").body();
        org.assertj.core.api.Assertions.assertThat(new io.backstop.events.json.EventJson().mapper().readTree(check)
                .get("clean").asBoolean()).as(check).isTrue();
    }

    @Override
    protected List<ValidRequest> validRequests() throws Exception {
        // the ADL queue is ranked at the mark: the valid request needs one
        java.time.Instant now = java.time.Instant.now();
        try (io.backstop.testkit.KafkaProbe kafka = new io.backstop.testkit.KafkaProbe(infra.kafka().bootstrapServers())) {
            kafka.send(infra.topic(Topic.ORACLE_PRICES.baseName()), "ETHUSDT", new io.backstop.events.json.EventJson()
                    .encode(EventEnvelope.of(new OraclePricePublished("ETHUSDT", new java.math.BigDecimal("3800"),
                            new java.math.BigDecimal("3800"), new java.math.BigDecimal("3800"), java.math.BigDecimal.ZERO,
                            io.backstop.events.oracle.PriceStatus.OK, null, List.of(), now, now), now, null,
                            now.toEpochMilli())));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> prices.mark("ETHUSDT").isPresent());
        java.util.concurrent.Callable<Object> ledger = () -> jdbc.queryForObject(
                "SELECT count(*) FROM ledger_transaction", Long.class);
        return List.of(
                ValidRequest.read("GET /api/v1/fund", "/api/v1/fund?history=5"),
                ValidRequest.read("GET /api/v1/fund/{group}", "/api/v1/fund/majors?history=5"),
                new ValidRequest("POST /api/v1/fund/{group}/deposits", "/api/v1/fund/majors/deposits",
                        "{\"amount\":\"1000\",\"idempotencyKey\":\"corpus-" + UUID.randomUUID() + "\"}",
                        java.util.Set.of(), ledger),
                ValidRequest.read("GET /api/v1/waterfall/{shortfallId}", "/api/v1/waterfall/" + UUID.randomUUID(), 404),
                ValidRequest.read("GET /api/v1/adl/{symbol}/queue", "/api/v1/adl/ETHUSDT/queue?side=LONG&limit=5"));
    }

    /**
     * Prices land on the board and snapshots in the ADL tables (both idempotent without the inbox); an
     * execution of an order that is not the fund's is counted as ignored.
     */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof OraclePricePublished price) {
            return prices.mark(price.symbol()).isPresent();
        }
        if (event.payload() instanceof AccountPositionsSnapshotted snapshot) {
            return jdbc.queryForObject("SELECT count(*) FROM adl_account WHERE account_id = ?", Integer.class,
                    snapshot.accountId()) == 1;
        }
        if (event.topic() == Topic.LIQUIDATION_EXECUTIONS) {
            return meters.find("backstop.events.consumed").tag("topic", "liquidation.executions")
                    .tag("outcome", "ignored").counter() != null;
        }
        return super.processed(event);
    }
}
