package io.backstop.liquidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the market will not take within the configured time becomes a shortfall, however many rounds are left.
 * The time (8 s) leaves a cold service on a loaded 2-core machine room for more than one round.
 */
@SpringBootTest(properties = {"backstop.liquidation.max-rounds=100000", "backstop.liquidation.max-duration=8s"})
@RealInfrastructure
class LiquidationTimeLimitIT {

    @Autowired
    TestInfrastructure infra;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aPositionTheBookWillNotTakeBecomesAShortfallWhenTimeIsUp() {
        EventJson json = new EventJson();
        String account = "slow-" + UUID.randomUUID();
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers());
             TestExchange exchange = new TestExchange(infra.kafka().bootstrapServers(), infra.topicPrefix())) {
            // bids far below the bankruptcy price (59,900): every round's order is cancelled
            exchange.book("BTCUSDT", List.of(new TestExchange.Level("50000", "100")), List.of());
            BigDecimal q = new BigDecimal("0.1");
            BigDecimal mark = new BigDecimal("60000");
            Instant sent = Instant.now();
            kafka.send(infra.topic("margin.calls"), account, json.encode(EventEnvelope.of(new MarginCallIssued(account,
                    new BigDecimal("10"), new BigDecimal("24"), new BigDecimal("60"),
                    List.of(new CollateralValue("USDT", new BigDecimal("110"), BigDecimal.ONE, BigDecimal.ZERO,
                            new BigDecimal("110"))),
                    List.of(new PositionMark("BTCUSDT", q, new BigDecimal("61000"), mark, q.multiply(mark),
                            new BigDecimal("-100"), new BigDecimal("24"), MarginMode.CROSS, null, null)), Map.of()),
                    sent, null, null)));

            LiquidationShortfallRaised shortfall = (LiquidationShortfallRaised) json.decode(
                    Topic.LIQUIDATION_SHORTFALLS, "BTCUSDT", kafka.read(infra.topic("liquidation.shortfalls"), 1,
                            Duration.ofSeconds(60), r -> r.value() != null).get(0).value()).payload();

            assertThat(shortfall.accountId()).isEqualTo(account);
            assertThat(shortfall.remainingQuantity()).isEqualByComparingTo("0.1");
            assertThat(Duration.between(sent, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(8));
            int rounds = jdbc.queryForObject("SELECT round FROM liquidation WHERE account_id = ?", Integer.class, account);
            assertThat(rounds).as("rounds tried before the time ran out").isGreaterThan(1).isLessThan(100000);
            assertThat(jdbc.queryForObject("SELECT outcome->>'why' FROM liquidation WHERE account_id = ?", String.class,
                    account)).isEqualTo("not filled within PT8S");
            await().atMost(Duration.ofSeconds(10)).until(() -> exchange.orders().size() == rounds);
        }
    }
}
