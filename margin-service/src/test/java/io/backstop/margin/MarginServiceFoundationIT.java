package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.events.trading.TradeFilled;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class MarginServiceFoundationIT extends ServiceFoundationContract {

    /** Each call of the contract gets events of its own: an account, a trade and a price sequence never used before. */
    private static final java.util.concurrent.atomic.AtomicInteger CALLS = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        int n = CALLS.incrementAndGet();
        String account = "found-" + n;
        try {
            // accounts are served once the instance owns its partitions (readiness says so)
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> get("/actuator/health/readiness").statusCode() == 200);
            assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + account + "\"}").statusCode()).isEqualTo(201);
            assertThat(post("/api/v1/accounts/" + account + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"100000\"}")
                    .statusCode()).isEqualTo(200);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Instant now = Instant.now();
        UUID shortfall = UUID.randomUUID();
        BigDecimal price = new BigDecimal("3800");
        return List.of(
                EventEnvelope.of(new OraclePricePublished("ETHUSDT", price, price, price, BigDecimal.ZERO,
                        PriceStatus.OK, null, List.of(), now, now), now, null, (long) n),
                EventEnvelope.of(new TradeFilled("t-" + n, account, "ETHUSDT", Side.BUY, new BigDecimal("10"), price,
                        new BigDecimal("1.9"), "USDT", MarginMode.CROSS, null), now, null, null),
                EventEnvelope.of(new PositionLiquidated(UUID.randomUUID(), UUID.randomUUID(), "x-" + n, account,
                        "ETHUSDT", Side.SELL, new BigDecimal("1"), price, BigDecimal.ZERO, new BigDecimal("2"), price),
                        now, null, null),
                EventEnvelope.of(new PositionTakenOver(shortfall, "majors", account, "ETHUSDT", PositionSide.LONG,
                        new BigDecimal("1"), price), now, null, null),
                EventEnvelope.of(new PositionAutoDeleveraged(shortfall, account, "other",
                        "ETHUSDT", Side.SELL, new BigDecimal("1"), price, 1), now, null, null),
                EventEnvelope.of(new AdlLegSettled(shortfall, UUID.randomUUID(), account, "other", "ETHUSDT",
                        Side.SELL, new BigDecimal("1"), new BigDecimal("1"), price, 1), now, null, null),
                EventEnvelope.of(new LossSocialized(shortfall, account, "ETHUSDT", new BigDecimal("0.01"), "USDT",
                        "PRO_RATA"), now, null, null));
    }

    /** Prices are not kept in the inbox (a price only replaces an older one): their effect is the count. */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof OraclePricePublished) {
            return get("/actuator/prometheus").body().contains(
                    "backstop_margin_prices_received_total{application=\"margin-service\",symbol=\"ETHUSDT\"}");
        }
        return super.processed(event);
    }
}
