package io.backstop.liquidation;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.events.auth.Role;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.testkit.AccessMatrix;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.util.List;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class LiquidationServiceFoundationIT extends ServiceFoundationContract {

    /** The event ids the public feed sent to this test's SSE clients. */
    private final java.util.Set<String> fed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The public feed's own topic too ({@code liquidation.events}, read by every instance to push to its SSE
     * clients): an SSE client is connected first, so the good liquidation is seen arriving.
     */
    @Override
    protected java.util.Map<String, AccessMatrix.Allowed> accessMatrix() {
        return java.util.Map.of(
                "GET /api/v1/liquidations/stream", AccessMatrix.Allowed.anyone(),
                "GET /api/v1/liquidations", AccessMatrix.Allowed.ownAccountInQuery("accountId", Role.OPERATOR));
    }

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        listenToTheFeed();
        return SampleEvents.freshForTopics(Topic.MARGIN_CALLS, Topic.ORACLE_PRICES, Topic.LIQUIDATION_EXECUTIONS,
                Topic.LIQUIDATION_EVENTS);
    }

    private void listenToTheFeed() {
        java.net.http.HttpResponse<java.util.stream.Stream<String>> stream;
        try {
            stream = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/liquidations/stream")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        org.assertj.core.api.Assertions.assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> stream.body().filter(line -> line.startsWith("id:"))
                .forEach(line -> fed.add(line.substring(3).trim())));
        reader.setDaemon(true);
        reader.start();
    }

    @org.springframework.beans.factory.annotation.Autowired
    PriceBoard prices;

    /**
     * Prices are not kept in the inbox (a price only replaces an older one): their effect is the board. The feed
     * keeps nothing: its effect is the liquidation sent to an SSE client (at least once; a redelivered one is sent
     * again with the same SSE id, by which a client drops it).
     */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof io.backstop.events.oracle.OraclePricePublished price) {
            return prices.marks().containsKey(price.symbol());
        }
        if (event.topic() == Topic.LIQUIDATION_EVENTS) {
            return fed.contains(event.eventId().toString());
        }
        return super.processed(event);
    }

    /**
     * A margin call with a position on a symbol outside the market catalogue is dead-lettered naming that position's
     * symbol (the call is not taken in: nothing could be priced or ordered); an execution of an order this service
     * never placed (the fund's unwinding) is no poison: it is counted and left alone.
     */
    @org.junit.jupiter.api.Test
    void aMarginCallOnAnUnknownSymbolIsDeadLetteredAndAForeignExecutionIsLeftAlone() {
        io.backstop.events.margin.MarginCallIssued sample = (io.backstop.events.margin.MarginCallIssued)
                SampleEvents.payloads().get(io.backstop.events.EventType.MARGIN_CALL_ISSUED);
        io.backstop.events.margin.PositionMark eth = sample.positions().get(0);
        io.backstop.events.margin.PositionMark doge = new io.backstop.events.margin.PositionMark("DOGEUSDT",
                eth.size(), eth.entryPrice(), eth.markPrice(), eth.notional(), eth.unrealizedPnl(),
                eth.maintenanceMargin(), eth.marginMode(), eth.isolatedMargin(), eth.liquidationPrice());
        java.time.Instant now = java.time.Instant.now();
        EventEnvelope<?> call = EventEnvelope.of(new io.backstop.events.margin.MarginCallIssued(
                "unknowns-" + java.util.UUID.randomUUID(), sample.equity(), sample.maintenanceMargin(),
                sample.initialMargin(), sample.collateral(), List.of(eth, doge), sample.priceSequences()), now, null, null);
        EventEnvelope<?> foreign = SampleEvents.freshForTopics(Topic.LIQUIDATION_EXECUTIONS).get(0);

        org.assertj.core.api.Assertions.assertThat(deadLetterVerdicts(List.of(call, foreign))).containsExactly(
                "rejected_by_consumer payload.positions[1].symbol", "consumed");
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    /**
     * An execution of one of this service's orders that names another symbol or the other side than the order is
     * dead-lettered naming that field and books nothing (no fill, the order stays open); the order's real execution,
     * after them, is booked as usual. The order is a real one: a margin call's first slice.
     */
    @org.junit.jupiter.api.Test
    void anExecutionNamingAnotherSymbolOrSideThanItsOrderIsDeadLetteredAndBooksNothing() {
        io.backstop.events.json.EventJson json = new io.backstop.events.json.EventJson();
        java.time.Instant now = java.time.Instant.now();
        String account = "mismatch-" + java.util.UUID.randomUUID();
        java.math.BigDecimal mark = new java.math.BigDecimal("60000");
        java.math.BigDecimal size = new java.math.BigDecimal("2");
        java.math.BigDecimal upnl = size.multiply(mark.subtract(new java.math.BigDecimal("61000")));
        java.math.BigDecimal equity = new java.math.BigDecimal("400");
        java.math.BigDecimal collateral = equity.subtract(upnl);
        io.backstop.events.liquidation.LiquidationOrderPlaced order;
        try (io.backstop.testkit.KafkaProbe kafka = new io.backstop.testkit.KafkaProbe(infra.kafka().bootstrapServers())) {
            kafka.send(infra.topic(Topic.ORACLE_PRICES.baseName()), "BTCUSDT", json.encode(EventEnvelope.of(
                    new io.backstop.events.oracle.OraclePricePublished("BTCUSDT", mark, mark, mark,
                            java.math.BigDecimal.ZERO, io.backstop.events.oracle.PriceStatus.OK, null, List.of(), now,
                            now), now, null, now.toEpochMilli())));
            kafka.send(infra.topic(Topic.MARGIN_CALLS.baseName()), account, json.encode(EventEnvelope.of(
                    new io.backstop.events.margin.MarginCallIssued(account, equity, new java.math.BigDecimal("550"),
                            size.multiply(mark).divide(new java.math.BigDecimal("100")),
                            List.of(new io.backstop.events.margin.CollateralValue("USDT", collateral,
                                    java.math.BigDecimal.ONE, java.math.BigDecimal.ZERO, collateral)),
                            List.of(new io.backstop.events.margin.PositionMark("BTCUSDT", size,
                                    new java.math.BigDecimal("61000"), mark, size.multiply(mark), upnl,
                                    new java.math.BigDecimal("550"), io.backstop.events.MarginMode.CROSS, null, null)),
                            java.util.Map.of("BTCUSDT", 1L)), now, null, null)));
            order = (io.backstop.events.liquidation.LiquidationOrderPlaced) json.decode(Topic.LIQUIDATION_ORDERS,
                    account, kafka.read(infra.topic(Topic.LIQUIDATION_ORDERS.baseName()), 1,
                            java.time.Duration.ofSeconds(60), r -> json.decode(Topic.LIQUIDATION_ORDERS, r.key(),
                                    r.value()).payload() instanceof io.backstop.events.liquidation.LiquidationOrderPlaced o
                                    && o.accountId().equals(account)).get(0).value()).payload();
        }
        org.assertj.core.api.Assertions.assertThat(order.side()).isEqualTo(io.backstop.events.Side.SELL);

        List<String> verdicts = deadLetterVerdicts(List.of(execution(order, "ETHUSDT", io.backstop.events.Side.SELL),
                execution(order, "BTCUSDT", io.backstop.events.Side.BUY)));

        org.assertj.core.api.Assertions.assertThat(verdicts).containsExactly("rejected_by_consumer payload.symbol",
                "rejected_by_consumer payload.side");
        org.assertj.core.api.Assertions.assertThat(fillsOf(order)).isZero();
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT status FROM liquidation_order"
                + " WHERE id = ?", String.class, order.orderId())).isEqualTo("OPEN");

        org.assertj.core.api.Assertions.assertThat(deadLetterVerdicts(List.of(
                execution(order, "BTCUSDT", io.backstop.events.Side.SELL)))).containsExactly("consumed");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> fillsOf(order) == 1);
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject("SELECT filled_quantity FROM liquidation_order"
                + " WHERE id = ?", java.math.BigDecimal.class, order.orderId())).isEqualByComparingTo(order.quantity());
    }

    private static EventEnvelope<?> execution(io.backstop.events.liquidation.LiquidationOrderPlaced order,
                                              String symbol, io.backstop.events.Side side) {
        return EventEnvelope.of(new io.backstop.events.liquidation.LiquidationOrderExecuted(order.orderId(),
                order.liquidationId(), symbol, side, List.of(new io.backstop.events.liquidation.ExecutionFill(
                "mismatch-" + java.util.UUID.randomUUID(), order.limitPrice(), order.quantity())),
                java.math.BigDecimal.ZERO), java.time.Instant.now(), null, null);
    }

    private long fillsOf(io.backstop.events.liquidation.LiquidationOrderPlaced order) {
        return jdbc.queryForObject("SELECT count(*) FROM liquidation_fill WHERE order_id = ?", Long.class,
                order.orderId());
    }

    @Override
    protected List<ValidRequest> validRequests() {
        java.time.Instant to = java.time.Instant.now();
        return List.of(ValidRequest.read("GET /api/v1/liquidations", "/api/v1/liquidations?accountId=a-1&symbol=BTCUSDT"
                + "&from=" + to.minusSeconds(3600) + "&to=" + to + "&limit=10"));
    }
}
