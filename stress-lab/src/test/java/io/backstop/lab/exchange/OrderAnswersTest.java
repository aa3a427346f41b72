package io.backstop.lab.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.OrderOwner;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrderAnswersTest {

    private static final Instant T = Instant.parse("2025-10-10T21:15:00Z");

    /** Fills half of every order at 100. */
    private final OrderAnswers answers = new OrderAnswers(order -> List.of(new ExecutionFill("x-" + order.orderId(),
            new BigDecimal("100"), order.quantity().divide(new BigDecimal("2")))));

    @Test
    void anOrderIsFilledOnceAndACopyIsIgnored() {
        LiquidationOrderPlaced order = order();
        LiquidationOrderExecuted execution = answers.answer(order, T).orElseThrow().payload();

        assertThat(execution.filledQuantity()).isEqualByComparingTo("1");
        assertThat(execution.cancelledQuantity()).isEqualByComparingTo("1");
        assertThat(answers.answer(order, T.plusSeconds(1))).isEmpty();
        assertThat(answers.executed()).isEqualTo(1);
        assertThat(answers.copies()).isEqualTo(1);
    }

    @Test
    void aStatusRequestAboutAnAnsweredOrderGetsTheSameExecutionAgain() {
        LiquidationOrderPlaced order = order();
        EventEnvelope<LiquidationOrderExecuted> first = answers.answer(order, T).orElseThrow();

        EventEnvelope<LiquidationOrderExecuted> again = answers.answer(asked(order, 1), T.plusSeconds(30)).orElseThrow();

        assertThat(again).isEqualTo(first);
        assertThat(again.eventId()).as("the same event: its consumers drop it").isEqualTo(first.eventId());
        assertThat(answers.neverSeen()).isZero();
    }

    @Test
    void aStatusRequestAboutAnOrderNeverReceivedCancelsItWholeAndTheOrderIsNeverExecutedAfterwards() {
        LiquidationOrderPlaced lost = order();

        LiquidationOrderExecuted cancel = answers.answer(asked(lost, 1), T.plusSeconds(30)).orElseThrow().payload();

        assertThat(cancel.fills()).isEmpty();
        assertThat(cancel.cancelledQuantity()).isEqualByComparingTo(lost.quantity());
        assertThat(cancel.orderId()).isEqualTo(lost.orderId());
        assertThat(answers.answer(lost, T.plusSeconds(31))).as("the order arriving late").isEmpty();
        assertThat(answers.answer(asked(lost, 2), T.plusSeconds(60)).orElseThrow().payload()).isEqualTo(cancel);
        assertThat(answers.executed()).isZero();
        assertThat(answers.statusRequests()).isEqualTo(2);
        assertThat(answers.neverSeen()).isEqualTo(1);
    }

    @Test
    void everyAnswerIsKeyedByItsLiquidationSoOneSymbolsBurstSpreadsOverThePartitions() {
        LiquidationOrderPlaced filled = order();
        LiquidationOrderPlaced lost = order();

        EventEnvelope<LiquidationOrderExecuted> execution = answers.answer(filled, T).orElseThrow();
        EventEnvelope<LiquidationOrderExecuted> again = answers.answer(asked(filled, 1), T.plusSeconds(30)).orElseThrow();
        EventEnvelope<LiquidationOrderExecuted> cancel = answers.answer(asked(lost, 1), T.plusSeconds(30)).orElseThrow();

        assertThat(filled.symbol()).isEqualTo(lost.symbol());
        assertThat(execution.key()).isEqualTo(filled.liquidationId().toString());
        assertThat(again.key()).as("the answer to a status request").isEqualTo(filled.liquidationId().toString());
        assertThat(cancel.key()).as("the cancel of an order never received").isEqualTo(lost.liquidationId().toString());
    }

    private static LiquidationOrderPlaced order() {
        return new LiquidationOrderPlaced(UUID.randomUUID(), UUID.randomUUID(), OrderOwner.ACCOUNT, "acct-1",
                "BTCUSDT", Side.SELL, new BigDecimal("2"), new BigDecimal("99"), UUID.randomUUID(), 1);
    }

    private static LiquidationOrderStatusRequested asked(LiquidationOrderPlaced order, int attempt) {
        return new LiquidationOrderStatusRequested(order.orderId(), order.liquidationId(), order.owner(),
                order.symbol(), order.side(), order.quantity(), attempt);
    }
}
