package io.backstop.insurance.fund;

import static io.backstop.insurance.fund.Conservation.assertBalanced;
import static io.backstop.insurance.fund.Conservation.moved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.ContractViolation;
import io.backstop.events.Side;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UnwindDeciderTest {

    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    private static final UUID EXECUTION = UUID.fromString("00000000-0000-0000-0000-0000000e0ec1");
    private static final UUID ORDER = UUID.fromString("00000000-0000-0000-0000-00000000000d");
    private final UnwindDecider decider = new UnwindDecider(new UnwindDecider.Terms(d("100000"), d("0.005"), 8, 8));

    private static BigDecimal d(String v) {
        return new BigDecimal(v);
    }

    /** The fund holds 2 BTC long taken over at 60,000 and 10 ETH short taken over at 3,000. */
    private static FundBook holding(String balance) {
        return new FundBook("majors", "USDT", d(balance), Map.of(
                "BTCUSDT", new Inventory("BTCUSDT", d("2"), d("120000")),
                "ETHUSDT", new Inventory("ETHUSDT", d("-10"), d("30000"))));
    }

    private static FundOrder sellBtc(String quantity, String status) {
        return new FundOrder(ORDER, "majors", "BTCUSDT", Side.SELL, d(quantity), d("59700"), status);
    }

    private static LiquidationOrderExecuted executed(ExecutionFill... fills) {
        return executed("BTCUSDT", Side.SELL, fills);
    }

    private static LiquidationOrderExecuted executed(String symbol, Side side, ExecutionFill... fills) {
        return new LiquidationOrderExecuted(ORDER, UUID.fromString("00000000-0000-0000-0000-0000000000aa"), symbol,
                side, List.of(fills), BigDecimal.ZERO);
    }

    @Test
    void eachHeldSymbolWithAMarkAndNoOpenOrderGetsOneSliceLimitedTheSlippageAwayFromTheMark() {
        Iterator<UUID> ids = List.of(ORDER).iterator();
        List<UnwindDecider.Placed> placed = decider.place(holding("0"),
                Map.of("BTCUSDT", d("60000"), "ETHUSDT", d("3000")), Set.of("ETHUSDT"), ids::next, T0);

        assertThat(placed).hasSize(1);
        FundOrder order = placed.get(0).order();
        // 100,000 of notional at 60,000 is 1.66666666 BTC (rounded down), sold no lower than 0.5% under the mark
        assertThat(order).isEqualTo(new FundOrder(ORDER, "majors", "BTCUSDT", Side.SELL, d("1.66666666"),
                d("59700.00000000"), FundOrder.OPEN));
        LiquidationOrderPlaced event = (LiquidationOrderPlaced) placed.get(0).event().payload();
        assertThat(event.orderId()).isEqualTo(ORDER);
        assertThat(event.owner()).isEqualTo(OrderOwner.INSURANCE_FUND);
        assertThat(event.quantity()).isEqualByComparingTo("1.66666666");
        assertThat(event.limitPrice()).isEqualByComparingTo("59700");
    }

    @Test
    void aShortIsBoughtBackWholeWhenItIsWorthLessThanASliceAndNothingIsPlacedWithoutAMark() {
        List<UnwindDecider.Placed> placed = decider.place(holding("0"), Map.of("ETHUSDT", d("3000")), Set.of(),
                () -> ORDER, T0);

        assertThat(placed).extracting(p -> p.order().symbol(), p -> p.order().side())
                .containsExactly(org.assertj.core.api.Assertions.tuple("ETHUSDT", Side.BUY));
        assertThat(placed.get(0).order().quantity()).isEqualByComparingTo("10");
        assertThat(placed.get(0).order().limitPrice()).isEqualByComparingTo("3015");
    }

    @Test
    void fillsBookTheirPnlOnTheFundAndMoveThePositionToTheMarketExactly() {
        FundBook book = holding("1000");

        UnwindDecider.Executed e = decider.execute(book, sellBtc("1.5", FundOrder.OPEN), executed(
                new ExecutionFill("t1", d("60100"), d("1")), new ExecutionFill("t2", d("59900"), d("0.5"))), EXECUTION);

        assertThat(e.filled()).isEqualByComparingTo("1.5");
        assertThat(e.events()).isEmpty();
        assertBalanced(e.ledger());
        // 1 sold 100 above cost, 0.5 sold 100 under it: +100 - 50
        assertThat(moved(e.ledger(), "fund:majors", "USDT")).isEqualByComparingTo("50");
        assertThat(moved(e.ledger(), "fund:majors", "BTCUSDT")).isEqualByComparingTo("-1.5");
        assertThat(moved(e.ledger(), "market:BTCUSDT", "BTCUSDT")).isEqualByComparingTo("1.5");
        assertThat(book.balance()).isEqualByComparingTo("1050");
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("0.5");
        // the fund's money equals the ledger's view of it: the starting balance plus what was posted
        assertThat(book.balance()).isEqualByComparingTo(d("1000").add(moved(e.ledger(), "fund:majors", "USDT")));
    }

    @Test
    void anOrderExecutedAlreadyIsRefused() {
        assertThatThrownBy(() -> decider.execute(holding("0"), sellBtc("1", "DONE"),
                executed(new ExecutionFill("t1", d("60000"), d("1"))), EXECUTION))
                .isInstanceOf(ContractViolation.class).hasMessageContaining("executed already");
    }

    @Test
    void fillsBeyondTheOrderAreRefusedNamingTheFillBeforeAnythingIsBooked() {
        FundBook book = holding("1000");

        assertThatThrownBy(() -> decider.execute(book, sellBtc("1.5", FundOrder.OPEN), executed(
                new ExecutionFill("t1", d("60100"), d("1")), new ExecutionFill("t2", d("59900"), d("1"))), EXECUTION))
                .isInstanceOfSatisfying(ContractViolation.class, e -> assertThat(e.field())
                        .isEqualTo("payload.fills[1].quantity"));
        assertThat(book.balance()).isEqualByComparingTo("1000");
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("2");
    }

    @Test
    void anExecutionNamingAnotherSymbolOrSideThanItsOrderIsRefusedNamingThatFieldBeforeAnythingIsBooked() {
        FundBook book = holding("1000");
        ExecutionFill fill = new ExecutionFill("t1", d("3000"), d("1"));

        assertThatThrownBy(() -> decider.execute(book, sellBtc("1.5", FundOrder.OPEN),
                executed("ETHUSDT", Side.SELL, fill), EXECUTION))
                .isInstanceOfSatisfying(ContractViolation.class, e -> {
                    assertThat(e.field()).isEqualTo("payload.symbol");
                    assertThat(e.reason()).isEqualTo(ContractViolation.Reason.REJECTED_BY_CONSUMER);
                });
        assertThatThrownBy(() -> decider.execute(book, sellBtc("1.5", FundOrder.OPEN),
                executed("BTCUSDT", Side.BUY, fill), EXECUTION))
                .isInstanceOfSatisfying(ContractViolation.class, e -> {
                    assertThat(e.field()).isEqualTo("payload.side");
                    assertThat(e.reason()).isEqualTo(ContractViolation.Reason.REJECTED_BY_CONSUMER);
                });
        assertThat(book.balance()).isEqualByComparingTo("1000");
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("2");
        assertThat(book.inventory("ETHUSDT").size()).isEqualByComparingTo("-10");
    }

    @Test
    void aBalanceTheUnwindingDroveBelowZeroIsSocializedBackToZeroOverTheProfitableAccounts() {
        // 100 in the fund; 2 BTC that cost 120,000 sell for 119,800: the fund is 100 below zero
        FundBook book = holding("100");
        UnwindDecider.Executed e = decider.execute(book, sellBtc("2", FundOrder.OPEN),
                executed(new ExecutionFill("t1", d("59900"), d("2"))), EXECUTION);
        assertThat(book.balance()).isEqualByComparingTo("-100");
        Map<String, BigDecimal> base = new LinkedHashMap<>();
        base.put("a", d("3"));
        base.put("b", d("1"));

        UnwindDecider.Executed covered = decider.socializeNegativeBalance(e, book, "BTCUSDT", base, EXECUTION, T0);

        assertThat(book.balance()).isEqualByComparingTo("0");
        List<LossSocialized> losses = covered.events().stream().map(ev -> (LossSocialized) ev.payload()).toList();
        assertThat(losses).extracting(LossSocialized::accountId).containsExactly("a", "b");
        assertThat(losses).extracting(LossSocialized::amount).usingElementComparator(BigDecimal::compareTo)
                .containsExactly(d("75"), d("25"));
        assertBalanced(covered.ledger());
        assertThat(covered.ledger()).startsWith(e.ledger().toArray(new io.backstop.insurance.ledger.LedgerTransaction[0]));
        assertThat(moved(covered.ledger(), "fund:majors", "USDT")).isEqualByComparingTo("-100");
        assertThat(moved(covered.ledger(), "account:a", "USDT").add(moved(covered.ledger(), "account:b", "USDT")))
                .isEqualByComparingTo("-100");
        assertThat(covered.filled()).isEqualByComparingTo("2");
    }

    @Test
    void nothingIsSocializedWhileTheBalanceIsNotNegativeOrNobodyIsProfitable() {
        FundBook book = holding("100");
        UnwindDecider.Executed e = decider.execute(book, sellBtc("2", FundOrder.OPEN),
                executed(new ExecutionFill("t1", d("59900"), d("2"))), EXECUTION);

        assertThat(decider.socializeNegativeBalance(e, book, "BTCUSDT", Map.of(), EXECUTION, T0)).isSameAs(e);
        assertThat(decider.socializeNegativeBalance(e, holding("0"), "BTCUSDT", Map.of("a", d("1")), EXECUTION, T0))
                .isSameAs(e);
        assertThat(book.balance()).isEqualByComparingTo("-100");
    }
}
