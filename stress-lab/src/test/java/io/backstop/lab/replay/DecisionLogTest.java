package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DecisionLogTest {

    private static final Instant T0 = Instant.parse("2025-10-10T20:00:00Z");

    @Test
    void twoRunsThatDecidedTheSameHaveTheSameLogWhateverTheirNamesAndRandomIds() {
        StringWriter first = new StringWriter();
        DecisionLog a = new DecisionLog(T0, "oct-2025-abc");
        a.writeTo(first);
        DecisionLog b = new DecisionLog(T0.plusSeconds(7200), "oct-2025-xyz"); // another run, later on the platform
        for (EventEnvelope<?> e : events("oct-2025-abc", T0)) {
            a.record(e);
        }
        for (EventEnvelope<?> e : events("oct-2025-xyz", T0.plusSeconds(7200))) {
            b.record(e);
        }
        assertThat(b.digest()).isEqualTo(a.digest()).hasSize(16);
        assertThat(a.lines()).isEqualTo(2);
        assertThat(first.toString()).startsWith("T+60.050 MarginCallIssued (accountId=7 equity=400")
                .contains("T+61.100 PositionLiquidated").contains("tradeId=x12 ").doesNotContain("oct-2025")
                .contains("price=59990 ");
    }

    @Test
    void anyDifferenceInADecisionChangesTheDigest() {
        DecisionLog a = new DecisionLog(T0, "r");
        DecisionLog b = new DecisionLog(T0, "r");
        List<EventEnvelope<?>> events = events("r", T0);
        events.forEach(a::record);
        b.record(events.get(0));
        PositionLiquidated fill = (PositionLiquidated) events.get(1).payload();
        b.record(EventEnvelope.of(new PositionLiquidated(fill.liquidationId(), fill.orderId(), fill.tradeId(),
                fill.accountId(), fill.symbol(), fill.side(), fill.quantity(), new BigDecimal("59990.01"),
                fill.realizedPnl(), fill.fee(), fill.bankruptcyPrice()), T0.plusMillis(61_100), null, null));
        assertThat(b.digest()).isNotEqualTo(a.digest());
    }

    /** A call and a fill of account {@code <run>-7}, with fresh random ids each time. */
    private static List<EventEnvelope<?>> events(String run, Instant t0) {
        String account = run + "-7";
        BigDecimal q = new BigDecimal("2.000");
        EventEnvelope<MarginCallIssued> call = EventEnvelope.of(new MarginCallIssued(account, new BigDecimal("400"),
                new BigDecimal("550"), new BigDecimal("1200"), List.of(new CollateralValue("USDT", new BigDecimal("2400"),
                BigDecimal.ONE, BigDecimal.ZERO, new BigDecimal("2400"))), List.of(new PositionMark("BTCUSDT", q,
                new BigDecimal("61000"), new BigDecimal("60000"), new BigDecimal("120000"), new BigDecimal("-2000"),
                new BigDecimal("550"), MarginMode.CROSS, null, null)), Map.of("BTCUSDT", 12L)),
                t0.plusMillis(60_050), null, null);
        EventEnvelope<PositionLiquidated> fill = EventEnvelope.of(new PositionLiquidated(UUID.randomUUID(),
                UUID.randomUUID(), run + "-x12", account, "BTCUSDT", Side.SELL, new BigDecimal("0.5"),
                new BigDecimal("59990.00"), new BigDecimal("-505"), new BigDecimal("29.995"), new BigDecimal("59800")),
                t0.plusMillis(61_100), call.eventId(), null);
        return List.of(call, fill);
    }
}
