package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.margin.MarginCallIssued;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LatencyProbeTest {

    private final LatencyProbe.Hops hops = new LatencyProbe.Hops();

    @Test
    void eachHopIsTimedFromTheEventItsOutputNamesNotFromWhatArrivedJustBefore() {
        UUID callA = UUID.randomUUID();
        UUID callB = UUID.randomUUID();
        hops.callSent.put(callA, 1_000L);
        hops.callSent.put(callB, 1_005L);
        UUID orderA = UUID.randomUUID();
        UUID orderB = UUID.randomUUID();

        hops.observe(placed(orderB, callB), 1_010L, 1_012L); // B's order first: 7 ms, not 12
        hops.observe(filled(orderA), 1_023L, 1_024L);       // read before its execution (another topic): 3 ms
        hops.observe(placed(orderA, callA), 1_015L, 1_020L); // 20 ms, 5 of them after the decision
        hops.observe(executed(orderA), 1_021L, 1_021L);     // the exchange: 1 ms
        assertThat(hops.filled()).isEqualTo(1);
        hops.match();

        assertThat(hops.byName.get("call -> order").getMaxValue()).isEqualTo(20);
        assertThat(hops.byName.get("call -> order").getMinValue()).isEqualTo(7);
        assertThat(hops.byName.get("order -> execution (exchange)").getMaxValue()).isEqualTo(1);
        assertThat(hops.byName.get("execution -> fill").getMaxValue()).isEqualTo(3);
        assertThat(hops.count("execution -> fill")).isEqualTo(1); // B's order was never executed
        // the order's and the fill's share after their service decided them: commit, relay, produce
        assertThat(hops.byName.get(LatencyProbe.Hops.ORDER_RELAYED).getMaxValue()).isEqualTo(5);
        assertThat(hops.byName.get(LatencyProbe.Hops.ORDER_RELAYED).getMinValue()).isEqualTo(2);
        assertThat(hops.byName.get(LatencyProbe.Hops.FILL_RELAYED).getMaxValue()).isEqualTo(1);
        assertThat(hops.count(LatencyProbe.Hops.FILL_RELAYED)).isEqualTo(1);
    }

    @Test
    void anEventWhoseCauseThisRunDidNotSendIsNotTimed() {
        UUID order = UUID.randomUUID();

        hops.observe(placed(order, UUID.randomUUID()), 4_999L, 5_000L); // another client's call
        hops.observe(executed(order), 5_001L, 5_001L);                  // so its execution has no start either
        hops.observe(filled(UUID.randomUUID()), 5_002L, 5_002L);
        assertThat(hops.filled()).isZero();
        hops.match();

        assertThat(hops.count("call -> order")).isZero();
        assertThat(hops.count("order -> execution (exchange)")).isZero();
        assertThat(hops.count("execution -> fill")).isZero();
        assertThat(hops.count(LatencyProbe.Hops.ORDER_RELAYED)).isZero();
        assertThat(hops.count(LatencyProbe.Hops.FILL_RELAYED)).isZero();
    }

    @Test
    void aPriceIsTimedAgainstTheLastRoundSentBeforeItAndNotOnceTheRoundsHaveStopped() {
        hops.tickRounds.put(10_000L, 0L);
        hops.tickRounds.put(10_100L, 0L);

        hops.observe(price(), 10_101L, 10_104L); // decided at 10,101, its record 3 ms later
        hops.ticksUntil = 11_100L;
        hops.observe(price(), 11_999L, 12_000L); // a heartbeat after the run

        assertThat(hops.count("tick -> price")).isEqualTo(1);
        assertThat(hops.byName.get("tick -> price").getMaxValue()).isEqualTo(4);
        assertThat(hops.count(LatencyProbe.Hops.PRICE_RELAYED)).isEqualTo(1);
        assertThat(hops.byName.get(LatencyProbe.Hops.PRICE_RELAYED).getMaxValue()).isEqualTo(3);
    }

    @Test
    void aBreachingAccountsCallIsTimedFromThePriceItNamesAndItsOrderFromTheCall() {
        DipLadder ladder = new DipLadder("r", 2, 1, DipLadder.catalogue());
        LatencyProbe.Hops hops = new LatencyProbe.Hops(ladder);
        hops.observe(EventEnvelope.of(ethPrice(new BigDecimal("2994.5")), Instant.ofEpochMilli(20_000L), null, 7L),
                20_001L);
        hops.observe(EventEnvelope.of(ethPrice(new BigDecimal("3000.5")), Instant.ofEpochMilli(20_090L), null, 8L),
                20_100L); // a later price: not the one the call was decided on
        EventEnvelope<MarginCallIssued> first = EventEnvelope.of(call("dip-r-0-0", 7L), Instant.ofEpochMilli(20_010L),
                null, null);
        hops.observe(first, 20_012L);
        // called again after a partial liquidation, on the liquidation's fill: not a price's call
        hops.observe(EventEnvelope.of(call("dip-r-0-0", 7L), Instant.ofEpochMilli(20_300L), null, null), 20_301L);
        // the second account's dip was not priced: called at the last round, a price the watcher never read
        hops.observe(EventEnvelope.of(call("dip-r-1-0", 3L), Instant.ofEpochMilli(21_000L), null, null), 21_001L);
        hops.observe(EventEnvelope.of(call("someone-else", 7L), Instant.now(), null, null), 20_013L);
        UUID order = UUID.randomUUID();
        hops.observe(EventEnvelope.of(placed(order, first.eventId()), Instant.ofEpochMilli(20_020L), null, null),
                20_022L);

        assertThat(hops.ladderCalled()).isEqualTo(2);
        hops.match();
        assertThat(hops.count("price -> call")).isEqualTo(1);
        assertThat(hops.byName.get("price -> call").getMaxValue()).isEqualTo(11);
        assertThat(hops.count(LatencyProbe.Hops.CALL_RELAYED)).isEqualTo(1);
        assertThat(hops.byName.get(LatencyProbe.Hops.CALL_RELAYED).getMaxValue()).isEqualTo(2);
        assertThat(hops.byName.get("call -> order").getMaxValue()).isEqualTo(10);
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        hops.printLadder(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("2 accounts opened to breach at 2 dips; 2 called, 1 of them first at their own dip")
                .contains("1 on a price not seen").contains("not the 1 after a partial liquidation");
    }

    private static MarginCallIssued call(String account, long ethSequence) {
        return new MarginCallIssued(account, new BigDecimal("100"), new BigDecimal("119.9"), new BigDecimal("240"),
                List.of(), DrainLoad.call(account).payload().positions(), Map.of("ETHUSDT", ethSequence));
    }

    private static io.backstop.events.oracle.OraclePricePublished ethPrice(BigDecimal mark) {
        return new io.backstop.events.oracle.OraclePricePublished("ETHUSDT", mark, mark, mark, BigDecimal.ONE,
                io.backstop.events.oracle.PriceStatus.OK, null, List.of(), Instant.now(), Instant.now());
    }

    private static io.backstop.events.oracle.OraclePricePublished price() {
        BigDecimal p = new BigDecimal("60000");
        return new io.backstop.events.oracle.OraclePricePublished("BTCUSDT", p, p, p, BigDecimal.ONE,
                io.backstop.events.oracle.PriceStatus.OK, p, List.of(), java.time.Instant.now(), java.time.Instant.now());
    }

    private static LiquidationOrderPlaced placed(UUID order, UUID call) {
        return new LiquidationOrderPlaced(order, UUID.randomUUID(), OrderOwner.ACCOUNT, "acc", "BTCUSDT", Side.SELL,
                new BigDecimal("0.1"), new BigDecimal("59000"), call, 1);
    }

    private static LiquidationOrderExecuted executed(UUID order) {
        return new LiquidationOrderExecuted(order, UUID.randomUUID(), "BTCUSDT", Side.SELL,
                List.of(new ExecutionFill("t-" + order, new BigDecimal("59990"), new BigDecimal("0.1"))), BigDecimal.ZERO);
    }

    private static PositionLiquidated filled(UUID order) {
        return new PositionLiquidated(UUID.randomUUID(), order, "t-" + order, "acc", "BTCUSDT", Side.SELL,
                new BigDecimal("0.1"), new BigDecimal("59990"), new BigDecimal("-101"), new BigDecimal("0.6"),
                new BigDecimal("59000"));
    }
}
