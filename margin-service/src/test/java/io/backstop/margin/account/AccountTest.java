package io.backstop.margin.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class AccountTest {

    private final Account account = new Account("a-1", "USDT");

    @Test
    void addingAveragesTheEntryAndReducingRealizesPnlExactly() {
        account.deposit("USDT", new BigDecimal("10000"));
        trade(Side.BUY, "1", "60000");
        trade(Side.BUY, "1", "62000");
        assertThat(account.position("BTCUSDT").orElseThrow().entryPrice()).isEqualByComparingTo("61000");

        BigDecimal realized = trade(Side.SELL, "0.5", "64000");

        assertThat(realized).isEqualByComparingTo("1500"); // 0.5 x (64000 - 61000)
        assertThat(account.position("BTCUSDT").orElseThrow().size()).isEqualByComparingTo("1.5");
        assertThat(account.balance("USDT")).isEqualByComparingTo("11500");
    }

    @Test
    void crossingZeroOpensTheRestAtTheTradePrice() {
        account.deposit("USDT", new BigDecimal("10000"));
        trade(Side.SELL, "2", "3000"); // short 2 ETH-sized units on BTCUSDT for the test
        BigDecimal realized = trade(Side.BUY, "3", "2900");

        assertThat(realized).isEqualByComparingTo("200"); // short 2 closed 100 lower
        Position position = account.position("BTCUSDT").orElseThrow();
        assertThat(position.size()).isEqualByComparingTo("1");
        assertThat(position.entryPrice()).isEqualByComparingTo("2900");
    }

    @Test
    void feesAreDebitedFromTheirAssetAndRebatesCredited() {
        account.deposit("USDT", new BigDecimal("100"));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("0.01"), new BigDecimal("60000"), MarginMode.CROSS,
                new BigDecimal("0.24"), "USDT", null);
        account.trade("BTCUSDT", Side.SELL, new BigDecimal("0.01"), new BigDecimal("60000"), MarginMode.CROSS,
                new BigDecimal("-0.06"), "USDT", null);

        assertThat(account.balance("USDT")).isEqualByComparingTo("99.82");
        assertThat(account.positions()).isEmpty();
    }

    @Test
    void isolatedMarginMovesFromTheBalanceAndComesBackWhenTheHolderCloses() {
        account.deposit("USDT", new BigDecimal("5000"));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("1"), new BigDecimal("60000"), MarginMode.ISOLATED,
                BigDecimal.ZERO, "USDT", new BigDecimal("1000"));
        assertThat(account.balance("USDT")).isEqualByComparingTo("4000");
        assertThat(account.position("BTCUSDT").orElseThrow().isolatedMargin()).isEqualByComparingTo("1000");

        account.trade("BTCUSDT", Side.SELL, new BigDecimal("1"), new BigDecimal("59500"), MarginMode.ISOLATED,
                BigDecimal.ZERO, "USDT", null);

        // -500 realized, +1000 margin back
        assertThat(account.balance("USDT")).isEqualByComparingTo("4500");
        assertThat(account.positions()).isEmpty();
    }

    @Test
    void moneyIsConservedThroughAnySequenceOfTrades() {
        account.deposit("USDT", new BigDecimal("1000"));
        java.util.Random random = new java.util.Random(3);
        BigDecimal realizedTotal = BigDecimal.ZERO;
        BigDecimal fees = BigDecimal.ZERO;
        for (int i = 0; i < 500; i++) {
            BigDecimal quantity = BigDecimal.valueOf(1 + random.nextInt(300), 3);
            BigDecimal price = BigDecimal.valueOf(5_900_000 + random.nextInt(200_000), 2);
            BigDecimal fee = quantity.multiply(price).multiply(new BigDecimal("0.0004"));
            realizedTotal = realizedTotal.add(account.trade("BTCUSDT", random.nextBoolean() ? Side.BUY : Side.SELL,
                    quantity, price, MarginMode.CROSS, fee, "USDT", null));
            fees = fees.add(fee);
        }
        assertThat(account.balance("USDT")).isEqualByComparingTo(new BigDecimal("1000").add(realizedTotal).subtract(fees));
    }

    @Test
    void theStateMachineRejectsIllegalTransitions() {
        account.transition(Account.CROSS, AccountStatus.AT_RISK, null, false);
        account.transition(Account.CROSS, AccountStatus.MARGIN_CALL, null, true);
        assertThatThrownBy(() -> account.transition(Account.CROSS, AccountStatus.BANKRUPT, null, false))
                .isInstanceOf(IllegalTransition.class).hasMessageContaining("MARGIN_CALL cannot become BANKRUPT");
        account.transition(Account.CROSS, AccountStatus.LIQUIDATING, java.util.UUID.randomUUID(), false);
        account.transition(Account.CROSS, AccountStatus.BANKRUPT, account.scope(Account.CROSS).openCallId(), false);
        assertThat(account.status()).isEqualTo(AccountStatus.BANKRUPT);
        assertThatThrownBy(() -> new Account("b", "USDT").transition(Account.CROSS, AccountStatus.LIQUIDATING,
                java.util.UUID.randomUUID(), false)).isInstanceOf(IllegalTransition.class);
    }

    @Test
    void aScopeStoredBeforeTheLeaseExistedLoadsUnleased() {
        Account.Scope stored = new io.backstop.events.json.EventJson().mapper().readValue(
                "{\"status\":\"LIQUIDATING\",\"openCallId\":\"00000000-0000-0000-0000-000000000001\",\"held\":false}",
                Account.Scope.class);
        assertThat(stored.awaitingWaterfall()).isFalse();
        assertThat(stored.leased()).isTrue();
    }

    @Test
    void aWithdrawalBeyondTheBalanceIsRefused() {
        account.deposit("USDT", new BigDecimal("10"));

        assertThatThrownBy(() -> account.withdraw("USDT", new BigDecimal("10.01")))
                .hasMessageContaining("exceeds the balance");
    }

    private BigDecimal trade(Side side, String quantity, String price) {
        return account.trade("BTCUSDT", side, new BigDecimal(quantity), new BigDecimal(price), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
    }
}
