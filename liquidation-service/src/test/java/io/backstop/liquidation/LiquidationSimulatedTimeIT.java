package io.backstop.liquidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
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
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * liquidation-service on simulated time, stepped as the stress lab steps it (real Kafka and PostgreSQL, the
 * test double of the exchange): a liquidation's slices wait for 30 simulated seconds of cooldown, which pass in
 * a fraction of a wall second when the test steps the clock, and not at all, however long it waits, when it
 * does not. Each step takes in what was published before it, and everything it decided is published when it
 * returns.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.clock.mode=simulated", "backstop.clock.start=2025-10-10T20:00:00Z",
        "backstop.liquidation.slice-cooldown=30s", "backstop.liquidation.max-duration=10m"})
@RealInfrastructure
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiquidationSimulatedTimeIT {

    private static final Instant T0 = Instant.parse("2025-10-10T20:00:00Z");
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @Autowired
    TestInfrastructure infra;
    @Autowired
    JdbcTemplate jdbc;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;
    private TestExchange exchange;
    private SimulationStepper lab;

    @BeforeAll
    void start() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
        exchange = new TestExchange(infra.kafka().bootstrapServers(), infra.topicPrefix());
        lab = new SimulationStepper(infra, port);
    }

    @AfterAll
    void stop() {
        exchange.close();
        kafka.close();
        lab.close();
    }

    @Test
    void slicesWaitForSimulatedTimeAndOnlyForIt() throws Exception {
        assertThat(JSON.readTree(lab.status()).path("time").asString()).isEqualTo(T0.toString());
        exchange.book("BTCUSDT", List.of(new TestExchange.Level("59990", "100")), List.of());
        String account = "sim-" + UUID.randomUUID();
        // 10 BTC (600,000 notional), equity 1,000: closed fully in five 20% slices of 2 BTC, 30 s apart
        price("60000");
        kafka.send(infra.topic("margin.calls"), account, json.encode(call(account)));

        JsonNode first = step(T0);
        assertThat(first.path("events").asInt()).isEqualTo(2);                  // the price and the call
        long orders = lab.offsets("liquidation.orders");
        assertThat(orders).isPositive();                                        // slice 1, published within the step
        await().atMost(Duration.ofSeconds(30)).until(() -> ordersOf(account).size() == 1);
        assertThat(Instant.parse(first.path("deadline").asString())).isEqualTo(T0.plusSeconds(30));

        // the exchange answers; the next step takes the execution in: slice 1 filled
        awaitExecutions(1);
        step(T0.plusMillis(50));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM liquidation_fill WHERE account_id = ?", Integer.class,
                account)).isEqualTo(1);

        // nothing is due before 30 simulated seconds, however long the wall clock runs
        step(T0.plusSeconds(29));
        Thread.sleep(1500);
        assertThat(lab.offsets("liquidation.orders")).isEqualTo(orders);             // nothing published since
        assertThat(ordersOf(account)).hasSize(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM liquidation_order o JOIN liquidation l ON l.id ="
                + " o.liquidation_id WHERE l.account_id = ? AND o.status = 'SCHEDULED'", Integer.class, account))
                .isEqualTo(4);

        // ... and at 30 simulated seconds the second slice goes out within the step, in a fraction of a second
        long wall = System.nanoTime();
        JsonNode due = step(T0.plusSeconds(30));
        assertThat(lab.offsets("liquidation.orders")).isGreaterThan(orders);        // published within the step
        await().atMost(Duration.ofSeconds(30)).until(() -> ordersOf(account).size() == 2);
        assertThat(Instant.parse(due.path("deadline").asString())).isEqualTo(T0.plusSeconds(60));

        // the rest, stepping from deadline to deadline: 120 simulated seconds in well under a wall second each
        Instant now = T0.plusSeconds(30);
        for (int slice = 3; slice <= 5; slice++) {
            awaitExecutions(slice - 1);
            step(now.plusMillis(50));
            now = now.plusSeconds(30);
            step(now);
            int placed = slice;
            await().atMost(Duration.ofSeconds(30)).until(() -> ordersOf(account).size() == placed);
        }
        double seconds = (System.nanoTime() - wall) / 1e9;
        assertThat(seconds).as("wall seconds for 90 simulated seconds of slices").isLessThan(30);
        awaitExecutions(5);
        step(now.plusMillis(50));
        step(now.plusMillis(100));

        List<Instant> placedAt = new ArrayList<>();
        for (var record : kafka.read(infra.topic("liquidation.orders"), 5, Duration.ofSeconds(30),
                r -> json.decode(Topic.LIQUIDATION_ORDERS, r.key(), r.value()).payload()
                        instanceof LiquidationOrderPlaced o && account.equals(o.accountId()))) {
            placedAt.add(json.decode(Topic.LIQUIDATION_ORDERS, record.key(), record.value()).occurredAt());
        }
        // stamped with simulated time: exactly the cooldown apart
        assertThat(placedAt).containsExactly(T0, T0.plusSeconds(30), T0.plusSeconds(60), T0.plusSeconds(90),
                T0.plusSeconds(120));
        assertThat(jdbc.queryForObject("SELECT status FROM liquidation WHERE account_id = ?", String.class, account))
                .isEqualTo("COMPLETED");
        System.out.printf("5 slices over 120 simulated seconds in %.2f wall seconds%n", seconds);
    }

    @Test
    void aStepBackInTimeIsRefused() throws Exception {
        Instant now = Instant.parse(JSON.readTree(lab.status()).path("time").asString());
        HttpResponse<String> refused = lab.step(now.minusSeconds(1), Map.of());
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(v ->
                assertThat(v).contains("problem+json"));
        assertThat(refused.body()).contains("cannot step back");
    }

    // ---------------------------------------------------------------------------------------------

    private List<LiquidationOrderPlaced> ordersOf(String account) {
        return exchange.orders().stream().filter(o -> o.accountId().equals(account)).toList();
    }

    /** Waits until the exchange answered {@code n} orders and its executions are readable. */
    private void awaitExecutions(int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> exchange.orders().size() >= n
                && lab.offsets("liquidation.executions") >= n);
    }

    private JsonNode step(Instant time) throws Exception {
        HttpResponse<String> response = lab.step(time);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private void price(String price) {
        BigDecimal p = new BigDecimal(price);
        kafka.send(infra.topic("oracle.prices"), "BTCUSDT", json.encode(EventEnvelope.of(new OraclePricePublished(
                "BTCUSDT", p, p, p, BigDecimal.ZERO, PriceStatus.OK, null, List.of(), T0, T0), T0, null, 1L)));
    }

    private EventEnvelope<MarginCallIssued> call(String account) {
        BigDecimal q = new BigDecimal("10");
        BigDecimal mark = new BigDecimal("60000");
        BigDecimal entry = new BigDecimal("60200");
        BigDecimal upnl = q.multiply(mark.subtract(entry));
        BigDecimal equity = new BigDecimal("1000");
        BigDecimal collateral = equity.subtract(upnl);
        return EventEnvelope.of(new MarginCallIssued(account, equity, new BigDecimal("2950"),
                q.multiply(mark).divide(new BigDecimal("100")),
                List.of(new CollateralValue("USDT", collateral, BigDecimal.ONE, BigDecimal.ZERO, collateral)),
                List.of(new PositionMark("BTCUSDT", q, entry, mark, q.multiply(mark), upnl, new BigDecimal("2950"),
                        MarginMode.CROSS, null, null)), Map.of("BTCUSDT", 1L)), T0, null, null);
    }
}
