package io.backstop.liquidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.LiquidationReported;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.liquidation.engine.LiquidationStore;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Margin calls through to fills, the feed, fees and shortfalls, with real Kafka and PostgreSQL and a
 * test double of the exchange filling the orders against a configured book.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.liquidation.fee-rate=0.001", "backstop.liquidation.max-rounds=2",
        "backstop.liquidation.slice-cooldown=2s", "backstop.liquidation.order-timeout=2s"})
@RealInfrastructure
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiquidationFlowIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    @Autowired
    TestInfrastructure infra;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    LiquidationStore store;
    @Autowired
    PriceBoard board;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;
    private TestExchange exchange;

    @BeforeAll
    void start() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
        exchange = new TestExchange(infra.kafka().bootstrapServers(), infra.topicPrefix());
    }

    @AfterAll
    void stop() {
        exchange.close();
        kafka.close();
    }

    @BeforeEach
    void marks() {
        sendPrice("BTCUSDT", "60000");
    }

    /**
     * An order the exchange never received: after the order timeout liquidation-service asks the exchange what
     * became of it; the exchange answers with a cancel of the whole quantity, and the liquidation goes on from that
     * answer like from any IOC order that found no liquidity — its next order is filled.
     */
    @Test
    void anOrderTheExchangeNeverReceivedIsAskedAboutAndTheLiquidationGoesOnFromTheAnswer() throws Exception {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String account = "lost-order-" + UUID.randomUUID();
        exchange.loseOrdersOf(account);
        double nextRounds = meters.counter("backstop.liquidation.rounds.at.intake", "round", "next").count();
        kafka.send(infra.topic("margin.calls"), account, json.encode(call(account, "2", "61000", "400", "550")));
        LiquidationOrderPlaced lost = (LiquidationOrderPlaced) json.decode(Topic.LIQUIDATION_ORDERS, account,
                kafka.read(infra.topic("liquidation.orders"), 1, WAIT, r -> json.decode(Topic.LIQUIDATION_ORDERS,
                        r.key(), r.value()).payload() instanceof LiquidationOrderPlaced o
                        && o.accountId().equals(account)).get(0).value()).payload();
        exchange.stopLosingOrdersOf(account);

        LiquidationOrderStatusRequested asked = await().atMost(WAIT).until(() -> exchange.statusRequests().stream()
                .filter(q -> q.orderId().equals(lost.orderId())).findFirst().orElse(null), q -> q != null);
        assertThat(asked.attempt()).isEqualTo(1);
        assertThat(asked.owner()).isEqualTo(OrderOwner.ACCOUNT);
        assertThat(asked.liquidationId()).isEqualTo(lost.liquidationId());
        assertThat(asked.side()).isEqualTo(lost.side());
        assertThat(asked.quantity()).isEqualByComparingTo(lost.quantity());

        PositionLiquidated fill = (PositionLiquidated) json.decode(Topic.LIQUIDATION_FILLS, account,
                kafka.read(infra.topic("liquidation.fills"), 1, WAIT, r -> account.equals(r.key())
                        && json.decode(Topic.LIQUIDATION_FILLS, r.key(), r.value()).payload()
                        instanceof PositionLiquidated).get(0).value()).payload();
        assertThat(fill.orderId()).as("filled by the next order").isNotEqualTo(lost.orderId());
        // the next round was due in the transaction that applied the answer, with nothing waiting: taken there
        assertThat(meters.counter("backstop.liquidation.rounds.at.intake", "round", "next").count())
                .isGreaterThan(nextRounds);
        assertThat(fill.liquidationId()).isEqualTo(lost.liquidationId());
        Map<String, Object> row = jdbc.queryForMap("SELECT status, filled_quantity, cancelled_quantity,"
                + " status_requests FROM liquidation_order WHERE id = ?", lost.orderId());
        assertThat(row.get("status")).isEqualTo("DONE");
        assertThat((BigDecimal) row.get("filled_quantity")).isEqualByComparingTo("0");
        assertThat((BigDecimal) row.get("cancelled_quantity")).isEqualByComparingTo(lost.quantity());
        assertThat((Integer) row.get("status_requests")).isGreaterThanOrEqualTo(1);
        assertThat(new io.backstop.testkit.HttpProbe(port).get("/actuator/prometheus").body())
                .containsPattern("backstop_liquidation_orders_status_requests_total\\{[^}]*\\} [1-9]");
    }

    /**
     * With nothing waiting for the liquidator, a call's first round is taken in the transaction that takes the call in:
     * the liquidation is written once, ACTIVE with its order, by the same transaction as the call's inbox row (their
     * {@code xmin}), and the round is counted. The order is lost so that no execution updates the row before it is
     * read (the order timeout, 2 s, is the first thing that would).
     */
    @Test
    void aCallsFirstRoundIsTakenInTheTransactionThatTakesTheCallIn() {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String account = "first-round-" + UUID.randomUUID();
        exchange.loseOrdersOf(account);
        double before = meters.counter("backstop.liquidation.rounds.at.intake", "round", "first").count();
        EventEnvelope<MarginCallIssued> call = call(account, "2", "61000", "400", "550");
        kafka.send(infra.topic("margin.calls"), account, json.encode(call));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> rows(account) > 0);

        Map<String, Object> row = jdbc.queryForMap("SELECT l.status, l.round, l.xmin::text AS liquidation_tx,"
                + " i.xmin::text AS call_tx, (SELECT count(*) FROM liquidation_order o WHERE o.liquidation_id = l.id)"
                + " AS orders FROM liquidation l JOIN inbox_event i ON i.event_id = l.margin_call_id"
                + " WHERE l.account_id = ?", account);
        assertThat(row.get("status")).isEqualTo("ACTIVE");
        assertThat(row.get("round")).isEqualTo(1);
        assertThat(row.get("orders")).isEqualTo(1L);
        assertThat(row.get("liquidation_tx")).as("written by the call's own transaction, and not since")
                .isEqualTo(row.get("call_tx"));
        assertThat(meters.counter("backstop.liquidation.rounds.at.intake", "round", "first").count())
                .isGreaterThan(before);
        // and its order went out with it
        kafka.read(infra.topic("liquidation.orders"), 1, WAIT, r -> json.decode(Topic.LIQUIDATION_ORDERS, r.key(),
                r.value()).payload() instanceof LiquidationOrderPlaced o && o.accountId().equals(account));
    }

    @Test
    void aMarginCallBecomesAPartialOrderWhoseFillCarriesPnlFeeAndFeed() throws Exception {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String account = "partial-" + UUID.randomUUID();
        // 2 BTC long entered at 61,000, marked 60,000: equity 400 against maintenance 550 (tier 2)
        EventEnvelope<MarginCallIssued> call = call(account, "2", "61000", "400", "550");
        kafka.send(infra.topic("margin.calls"), account, json.encode(call));

        LiquidationOrderPlaced order = await().atMost(WAIT).until(() -> exchange.orders().stream()
                .filter(o -> o.accountId().equals(account)).findFirst().orElse(null), o -> o != null);
        assertThat(order.side()).isEqualTo(Side.SELL);
        assertThat(order.limitPrice()).isEqualByComparingTo("59800");        // 60,000 - 400 / 2
        assertThat(order.quantity()).isGreaterThan(BigDecimal.ZERO).isLessThan(new BigDecimal("2"));
        assertThat(order.marginCallEventId()).isEqualTo(call.eventId());

        PositionLiquidated fill = (PositionLiquidated) json.decode(Topic.LIQUIDATION_FILLS, account,
                kafka.read(infra.topic("liquidation.fills"), 1, WAIT, r -> account.equals(r.key())).get(0).value())
                .payload();
        assertThat(fill.price()).isEqualByComparingTo("59990");
        assertThat(fill.quantity()).isEqualByComparingTo(order.quantity());
        assertThat(fill.realizedPnl()).isEqualByComparingTo(order.quantity().multiply(new BigDecimal("-1010")));
        BigDecimal fee = order.quantity().multiply(new BigDecimal("59.99")).setScale(8, RoundingMode.DOWN);
        assertThat(fill.fee()).isEqualByComparingTo(fee);                     // 0.1%, below the cap
        assertThat(fill.bankruptcyPrice()).isEqualByComparingTo("59800");

        List<ConsumerRecord<String, byte[]>> feed = kafka.read(infra.topic("liquidation.events"), 1, WAIT,
                r -> ((LiquidationReported) json.decode(Topic.LIQUIDATION_EVENTS, r.key(), r.value()).payload())
                        .tradeId().equals(fill.tradeId()));
        assertThat(feed).hasSize(1);
        LiquidationFeeCollected contribution = (LiquidationFeeCollected) json.decode(Topic.INSURANCE_CONTRIBUTIONS,
                "k", kafka.read(infra.topic("insurance.contributions"), 1, WAIT, r -> ((LiquidationFeeCollected) json
                        .decode(Topic.INSURANCE_CONTRIBUTIONS, r.key(), r.value()).payload()).accountId().equals(account))
                        .get(0).value()).payload();
        assertThat(contribution.amount()).isEqualByComparingTo(fee);

        await().atMost(WAIT).until(() -> status(account).equals("COMPLETED"));
        // the end of the lease follows the liquidation's fills on the account's partition, naming them in order
        LiquidationEnded ended = end(account);
        int made = jdbc.queryForObject("SELECT count(*) FROM liquidation_fill WHERE account_id = ?", Integer.class,
                account);
        List<Object> onFills = kafka.read(infra.topic("liquidation.fills"), made + 1, WAIT, r -> account.equals(r.key()))
                .stream().map(r -> (Object) json.decode(Topic.LIQUIDATION_FILLS, r.key(), r.value()).payload()).toList();
        assertThat(onFills).hasSize(made + 1).last().isEqualTo(ended);
        assertThat(ended.outcome()).isEqualTo(LiquidationOutcome.COMPLETED);
        assertThat(ended.marginCallId()).isEqualTo(call.eventId());
        assertThat(ended.scope()).isEqualTo("CROSS");
        assertThat(ended.fills()).containsExactlyElementsOf(onFills.subList(0, made).stream()
                .map(f -> ((PositionLiquidated) f).tradeId()).toList()).contains(fill.tradeId());
        assertThat(ended.shortfalls()).isEmpty();
        // the history pages through the fills from PostgreSQL
        tools.jackson.databind.JsonNode page = json.mapper().readTree(new io.backstop.testkit.HttpProbe(port)
                .get("/api/v1/liquidations?accountId=" + account + "&limit=1").body());
        assertThat(page.get("liquidations").get(0).get("tradeId").asString()).isEqualTo(fill.tradeId());
        assertThat(page.get("liquidations").get(0).get("fee").asString()).isEqualTo(fee.toPlainString());
        int fills = jdbc.queryForObject("SELECT count(*) FROM liquidation_fill WHERE account_id = ?", Integer.class,
                account);
        assertThat(page.get("next").isNull()).isEqualTo(fills == 0);
        // what operators watch
        String metrics = new io.backstop.testkit.HttpProbe(port).get("/actuator/prometheus").body();
        assertThat(metrics).contains("backstop_liquidation_queue_depth", "backstop_liquidation_queue_oldest_seconds",
                "backstop_liquidation_orders_open_oldest_seconds", "backstop_liquidation_fills_total",
                "backstop_liquidation_outcomes_total{application=\"liquidation-service\",outcome=\"completed\"}");
        // every fill: fee + remainder = what it left above bankruptcy, exactly
        jdbc.query("SELECT quantity, price, fee, remainder, bankruptcy_price FROM liquidation_fill WHERE account_id = ?",
                rs -> {
                    BigDecimal surplus = rs.getBigDecimal(1).multiply(rs.getBigDecimal(2).subtract(rs.getBigDecimal(5)));
                    assertThat(rs.getBigDecimal(3).add(rs.getBigDecimal(4))).isEqualByComparingTo(surplus);
                }, account);
    }

    @Test
    void aCallWhoseAccountRecoveredBeforeItsTurnIsCancelledWithTheNumbers() {
        sendPrice("BTCUSDT", "61000");
        await().atMost(WAIT).until(() -> new BigDecimal("61000").compareTo(board.marks().getOrDefault("BTCUSDT",
                BigDecimal.ZERO)) == 0);
        String account = "recovered-" + UUID.randomUUID();
        kafka.send(infra.topic("margin.calls"), account, json.encode(call(account, "2", "61000", "400", "550")));

        await().atMost(WAIT).until(() -> status(account).equals("CANCELLED_RECOVERED"));
        // at 61,000: equity 400 + 2 x 1,000 = 2,400 against 122,000 x 0.005 - 50 = 560
        String outcome = jdbc.queryForObject("SELECT outcome::text FROM liquidation WHERE account_id = ?",
                String.class, account);
        assertThat(outcome).contains("\"equity\": \"2400\"").contains("\"maintenanceMargin\": \"560");
        assertThat(exchange.orders()).noneMatch(o -> o.accountId().equals(account));
        assertThat(end(account)).satisfies(ended -> {
            assertThat(ended.outcome()).isEqualTo(LiquidationOutcome.CANCELLED_RECOVERED);
            assertThat(ended.fills()).isEmpty();
        });
    }

    @Test
    void aLargeCloseGoesOutInSlicesACooldownApart() {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String account = "slices-" + UUID.randomUUID();
        // 10 BTC (600,000, tier 3: maintenance 2,950), equity 1,000: closed fully, in 20% slices of 2 BTC
        kafka.send(infra.topic("margin.calls"), account, json.encode(call(account, "10", "61000", "1000", "2950")));

        await().atMost(WAIT).until(() -> status(account).equals("COMPLETED"));
        List<LiquidationOrderPlaced> slices = exchange.orders().stream().filter(o -> o.accountId().equals(account))
                .sorted(java.util.Comparator.comparing(LiquidationOrderPlaced::slice)).toList();
        assertThat(slices).extracting(LiquidationOrderPlaced::slice).containsExactly(1, 2, 3, 4, 5);
        assertThat(slices).allSatisfy(o -> {
            assertThat(o.quantity()).isEqualByComparingTo("2");
            assertThat(o.limitPrice()).isEqualByComparingTo("59900");
        });
        for (int i = 1; i < slices.size(); i++) {
            Duration gap = Duration.between(exchange.arrival(slices.get(i - 1).orderId()),
                    exchange.arrival(slices.get(i).orderId()));
            assertThat(gap).as("cooldown before slice %d", i + 1).isGreaterThan(Duration.ofMillis(1500));
        }
    }

    /**
     * The tick to order SLO's timer: the call's first order is timed from the call's priceTime once, however often
     * the call is delivered, and its later slices are not; the histogram has the SLO's bucket at exactly 1 s. Each
     * slice's wait for the exchange's answer is timed (order to execution).
     */
    @Test
    void aCallsFirstOrderIsTimedFromItsTickOnceAndNeitherItsRedeliveryNorItsLaterSlicesAre() throws Exception {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        io.micrometer.core.instrument.Timer timer = meters.get("backstop.liquidation.tick.to.order").timer();
        io.micrometer.core.instrument.Timer answered = meters.get("backstop.liquidation.order.to.execution").timer();
        long answeredBefore = answered.count();
        long countBefore = timer.count();
        double millisBefore = timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
        String account = "timed-" + UUID.randomUUID();
        // 10 BTC, equity 1,000 against 2,950: closed fully in 5 slices a cooldown apart
        EventEnvelope<MarginCallIssued> untimed = call(account, "10", "61000", "1000", "2950");
        MarginCallIssued p = untimed.payload();
        EventEnvelope<MarginCallIssued> call = EventEnvelope.of(new MarginCallIssued(p.accountId(), p.equity(),
                p.maintenanceMargin(), p.initialMargin(), p.collateral(), p.positions(), p.priceSequences(),
                Instant.now().minusMillis(400).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)), untimed.occurredAt(),
                null, null);
        kafka.sendAsync(infra.topic("margin.calls"), account, json.encode(call));
        kafka.sendAsync(infra.topic("margin.calls"), account, json.encode(call));
        kafka.flush();

        await().atMost(WAIT).until(() -> status(account).equals("COMPLETED"));
        assertThat(exchange.orders().stream().filter(o -> o.accountId().equals(account))
                .map(LiquidationOrderPlaced::slice)).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(rows(account)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT price_time FROM liquidation WHERE account_id = ?",
                java.sql.Timestamp.class, account).toInstant()).isEqualTo(call.payload().priceTime());
        assertThat(timer.count() - countBefore).isEqualTo(1);
        assertThat(answered.count() - answeredBefore).as("each slice's wait for the exchange, timed")
                .isGreaterThanOrEqualTo(5);
        assertThat(timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS) - millisBefore)
                .isGreaterThanOrEqualTo(400);
        String metrics = new io.backstop.testkit.HttpProbe(port).get("/actuator/prometheus").body();
        assertThat(metrics).contains(
                "backstop_liquidation_tick_to_order_seconds_bucket{application=\"liquidation-service\",le=\"1.0\"}",
                "backstop_liquidation_tick_to_order_seconds_count{application=\"liquidation-service\"}",
                "backstop_liquidation_order_to_execution_seconds_bucket{application=\"liquidation-service\",le=");
    }

    @Test
    void aThinBookLeavesAShortfallWithTheExactRemainder() {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59950", "0.5"), new TestExchange.Level("59000", "50")),
                List.of());
        String account = "thin-" + UUID.randomUUID();
        // equity 150 against 550: below half the maintenance -> everything is closed; bankruptcy 59,925
        kafka.send(infra.topic("margin.calls"), account, json.encode(call(account, "2", "61000", "150", "550")));

        LiquidationShortfallRaised shortfall = shortfallOf(account);

        // 0.5 sold at 59,950 (fee capped at 0.5 x 25 = 12.5): equity 150 - 12.5 - 25 = 112.5 behind 1.5 BTC,
        // whose bankruptcy price is still 60,000 - 112.5 / 1.5 = 59,925; the 59,000 bids are beyond it
        assertThat(shortfall.remainingQuantity()).isEqualByComparingTo("1.5");
        assertThat(shortfall.positionSide()).isEqualTo(PositionSide.LONG);
        assertThat(shortfall.bankruptcyPrice()).isEqualByComparingTo("59925");
        assertThat(shortfall.markPrice()).isEqualByComparingTo("60000");
        assertThat(shortfall.deficit()).isEqualByComparingTo("0");
        assertThat(jdbc.queryForObject("SELECT fee FROM liquidation_fill WHERE account_id = ?", BigDecimal.class,
                account)).isEqualByComparingTo("12.5");
        assertThat(status(account)).isEqualTo("SHORTFALL");
        LiquidationEnded ended = end(account);
        assertThat(ended.outcome()).isEqualTo(LiquidationOutcome.SHORTFALL);
        assertThat(ended.fills()).hasSize(1);
        assertThat(ended.shortfalls()).singleElement().satisfies(h -> {
            assertThat(h.shortfallId()).isEqualTo(shortfall.shortfallId());
            assertThat(h.quantity()).isEqualByComparingTo("1.5");
            assertThat(h.deficit()).isEqualByComparingTo("0");
        });
    }

    /** The account's first LiquidationEnded on liquidation.fills. */
    private LiquidationEnded end(String account) {
        return (LiquidationEnded) json.decode(Topic.LIQUIDATION_FILLS, account, kafka.read(infra.topic(
                "liquidation.fills"), 1, WAIT, r -> account.equals(r.key()) && json.decode(Topic.LIQUIDATION_FILLS,
                r.key(), r.value()).payload() instanceof LiquidationEnded).get(0).value()).payload();
    }

    @Test
    void aCallForAScopeWhoseLiquidationEndedInAShortfallIsLiquidatedOnThePositionsItStates() {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59950", "0.5"), new TestExchange.Level("59000", "50")),
                List.of());
        String account = "again-" + UUID.randomUUID();
        kafka.send(infra.topic("margin.calls"), account, json.encode(call(account, "2", "61000", "150", "550")));
        assertThat(shortfallOf(account).remainingQuantity()).isEqualByComparingTo("1.5");

        // margin-service calls the scope again only once it applied the end and the waterfall's outcome (its lease):
        // the call's 1 BTC is a position opened since, and it is closed as stated, at once
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        EventEnvelope<MarginCallIssued> next = call(account, "1", "61000", "100", "300");
        kafka.send(infra.topic("margin.calls"), account, json.encode(next));
        await().atMost(WAIT).until(() -> "COMPLETED".equals(jdbc.queryForObject("SELECT status FROM liquidation"
                + " WHERE margin_call_id = ?", String.class, next.eventId())));
        assertThat(jdbc.queryForObject("SELECT sum(f.quantity) FROM liquidation_fill f JOIN liquidation l"
                + " ON l.id = f.liquidation_id WHERE l.margin_call_id = ?", BigDecimal.class, next.eventId()))
                .isEqualByComparingTo("1");
    }

    private LiquidationShortfallRaised shortfallOf(String account) {
        return (LiquidationShortfallRaised) json.decode(Topic.LIQUIDATION_SHORTFALLS, "BTCUSDT",
                kafka.read(infra.topic("liquidation.shortfalls"), 1, WAIT, r -> ((LiquidationShortfallRaised)
                        json.decode(Topic.LIQUIDATION_SHORTFALLS, r.key(), r.value()).payload()).accountId()
                        .equals(account)).get(0).value()).payload();
    }

    @Test
    void aMarginCallDeliveredTwiceOrWhileLiquidatingGivesOneLiquidation() {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String account = "twice-" + UUID.randomUUID();
        EventEnvelope<MarginCallIssued> call = call(account, "2", "61000", "400", "550");
        EventEnvelope<MarginCallIssued> again = call(account, "2", "61000", "390", "550");
        kafka.sendAsync(infra.topic("margin.calls"), account, json.encode(call));
        kafka.sendAsync(infra.topic("margin.calls"), account, json.encode(call));
        kafka.sendAsync(infra.topic("margin.calls"), account, json.encode(again));
        kafka.flush();

        await().atMost(WAIT).until(() -> rows(account) == 2 && !status(account).equals("QUEUED")
                && !status(account).equals("ACTIVE"));
        Map<String, Object> skipped = jdbc.queryForMap("SELECT margin_call_id, outcome::text AS outcome"
                + " FROM liquidation WHERE account_id = ? AND status = 'SKIPPED_IN_PROGRESS'", account);
        assertThat(skipped.get("margin_call_id")).isEqualTo(again.eventId());
        assertThat((String) skipped.get("outcome")).contains("already in progress");
        assertThat(exchange.orders().stream().filter(o -> o.accountId().equals(account))
                .map(LiquidationOrderPlaced::liquidationId).distinct()).hasSize(1);
    }

    @Test
    void aCallOnAnUnknownSymbolGoesToTheDeadLetterTopicAndTheRestOfItsPollIsTakenIn() {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String first = "mixed-a-" + UUID.randomUUID();
        String last = "mixed-c-" + UUID.randomUUID();
        EventEnvelope<MarginCallIssued> unknown = call("mixed-b-" + UUID.randomUUID(), "2", "61000", "400", "550",
                "DOGEUSDT");
        // one partition (same key), one poll: good, rejected, good
        kafka.sendAsync(infra.topic("margin.calls"), "mixed", json.encode(call(first, "2", "61000", "400", "550")));
        kafka.sendAsync(infra.topic("margin.calls"), "mixed", json.encode(unknown));
        kafka.sendAsync(infra.topic("margin.calls"), "mixed", json.encode(call(last, "2", "61000", "400", "550")));
        kafka.flush();

        List<ConsumerRecord<String, byte[]>> dead = kafka.read(infra.topic("margin.calls") + ".dlq", 1, WAIT,
                r -> "mixed".equals(r.key()));
        assertThat(dead).hasSize(1);
        assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-reason")).isEqualTo("rejected_by_consumer");
        assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-field")).isEqualTo("payload.positions[0].symbol");
        assertThat(json.decode(Topic.MARGIN_CALLS, "mixed", dead.get(0).value()).eventId()).isEqualTo(unknown.eventId());
        await().atMost(WAIT).until(() -> rows(first) == 1 && rows(last) == 1);
    }

    @Test
    void theFeedDeliversEveryOneOfAThousandLiquidationsToAnSseClient() throws Exception {
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "1000")), List.of());
        AtomicInteger received = new AtomicInteger();
        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/liquidations/stream")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("event:liquidation")) {
                        received.incrementAndGet();
                    }
                }
            } catch (Exception ignored) {
                // the stream ends with the test
            }
        });
        reader.setDaemon(true);
        reader.start();
        await().atMost(WAIT).until(() -> jdbc.queryForObject("SELECT count(*) FROM liquidation WHERE status = 'QUEUED'"
                + " OR status = 'ACTIVE'", Integer.class) == 0);
        int before = received.get();

        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            String account = "burst-" + i + "-" + UUID.randomUUID();
            // 0.1 BTC, equity 10 against 24: closed fully in one fill at 59,990 (bankruptcy 59,900)
            kafka.sendAsync(infra.topic("margin.calls"), account, json.encode(call(account, "0.1", "61000", "10", "24")));
        }
        kafka.flush();

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> {
            System.out.printf("burst at %.2f s: %d streamed, %d calls in, %d fills, %s%n",
                    (System.nanoTime() - start) / 1e9, received.get() - before,
                    jdbc.queryForObject("SELECT count(*) FROM liquidation WHERE account_id LIKE 'burst-%'", Integer.class),
                    jdbc.queryForObject("SELECT count(*) FROM liquidation_fill WHERE account_id LIKE 'burst-%'",
                            Integer.class), store.countByStatus());
            return received.get() - before >= 1000;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("1,000 margin calls liquidated and streamed in %.1f s: %.0f calls/s%n", seconds,
                1000 / seconds);
        Thread.sleep(1000);
        assertThat(received.get() - before).isEqualTo(1000);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM liquidation_fill WHERE account_id LIKE 'burst-%'",
                Integer.class)).isEqualTo(1000);
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void theHistoryPagesThroughFillsInTimeThenTradeOrderWithEveryFilter() throws Exception {
        String account = "hist-" + UUID.randomUUID();
        UUID liquidation = UUID.randomUUID();
        jdbc.update("INSERT INTO liquidation (id, margin_call_id, account_id, scope, status, health, notional, state,"
                + " created_at, updated_at) VALUES (?, ?, ?, 'cross', 'COMPLETED', 0, 0, '{}'::jsonb, now(), now())",
                liquidation, UUID.randomUUID(), account);
        Instant t = Instant.parse("2025-10-10T21:15:00Z");
        // two fills share a time: the trade id orders them, and a page boundary between them loses neither
        Object[][] fills = {{"h-3", t, "BTCUSDT"}, {"h-1", t.plusSeconds(1), "ETHUSDT"}, {"h-2", t.plusSeconds(1), "BTCUSDT"},
                {"h-4", t.plusSeconds(2), "BTCUSDT"}, {"h-5", t.plusSeconds(3), "BTCUSDT"}};
        for (Object[] f : fills) {
            jdbc.update("INSERT INTO liquidation_fill (trade_id, liquidation_id, order_id, account_id, symbol, side,"
                    + " quantity, price, realized_pnl, fee, remainder, bankruptcy_price, executed_at)"
                    + " VALUES (?, ?, ?, ?, ?, 'SELL', 0.5, 60000.25, -10, 1.5, 0, 59000, ?)", account + f[0], liquidation,
                    UUID.randomUUID(), account, f[2], java.sql.Timestamp.from((Instant) f[1]));
        }
        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        do {
            tools.jackson.databind.JsonNode page = json.mapper().readTree(new io.backstop.testkit.HttpProbe(port).get(
                    "/api/v1/liquidations?accountId=" + account + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .body());
            page.get("liquidations").forEach(f -> seen.add(f.get("tradeId").asString().substring(account.length())));
            cursor = page.get("next").isNull() ? null : page.get("next").asString();
        } while (cursor != null);
        assertThat(seen).containsExactly("h-3", "h-1", "h-2", "h-4", "h-5");

        tools.jackson.databind.JsonNode filtered = json.mapper().readTree(new io.backstop.testkit.HttpProbe(port).get(
                "/api/v1/liquidations?accountId=" + account + "&symbol=BTCUSDT&from=" + t.plusSeconds(1) + "&to="
                        + t.plusSeconds(3)).body());
        assertThat(filtered.get("liquidations")).extracting(f -> f.get("tradeId").asString())
                .as("symbol, from inclusive, to exclusive").containsExactly(account + "h-2", account + "h-4");
        assertThat(filtered.get("liquidations").get(0).get("price").asString()).isEqualTo("60000.25");
        assertThat(filtered.get("next").isNull()).isTrue();
    }

    private String status(String account) {
        List<String> statuses = jdbc.queryForList("SELECT status FROM liquidation WHERE account_id = ?"
                + " AND status <> 'SKIPPED_IN_PROGRESS'", String.class, account);
        return statuses.isEmpty() ? "" : statuses.get(0);
    }

    private int rows(String account) {
        return jdbc.queryForObject("SELECT count(*) FROM liquidation WHERE account_id = ?", Integer.class, account);
    }

    private EventEnvelope<MarginCallIssued> call(String account, String size, String entry, String equity,
                                                 String maintenance) {
        return call(account, size, entry, equity, maintenance, "BTCUSDT");
    }

    private EventEnvelope<MarginCallIssued> call(String account, String size, String entry, String equity,
                                                 String maintenance, String symbol) {
        BigDecimal q = new BigDecimal(size);
        BigDecimal mark = new BigDecimal("60000");
        BigDecimal upnl = q.multiply(mark.subtract(new BigDecimal(entry)));
        BigDecimal collateral = new BigDecimal(equity).subtract(upnl);
        return EventEnvelope.of(new MarginCallIssued(account, new BigDecimal(equity), new BigDecimal(maintenance),
                q.multiply(mark).divide(new BigDecimal("100")),
                List.of(new CollateralValue("USDT", collateral, BigDecimal.ONE, BigDecimal.ZERO, collateral)),
                List.of(new PositionMark(symbol, q, new BigDecimal(entry), mark, q.multiply(mark), upnl,
                        new BigDecimal(maintenance), MarginMode.CROSS, null, null)),
                Map.of(symbol, 1L)), Instant.now(), null, null);
    }

    private void sendPrice(String symbol, String price) {
        BigDecimal p = new BigDecimal(price);
        Instant now = Instant.now();
        kafka.send(infra.topic("oracle.prices"), symbol, json.encode(EventEnvelope.of(new OraclePricePublished(symbol,
                p, p, p, BigDecimal.ZERO, PriceStatus.OK, null, List.of(), now, now), now, null,
                SEQUENCE.incrementAndGet())));
    }
}
