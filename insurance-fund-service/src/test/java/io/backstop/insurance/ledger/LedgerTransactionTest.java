package io.backstop.insurance.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LedgerTransactionTest {

    @Test
    void aTransactionThatDoesNotBalanceInSomeAssetIsRefusedWithTheDifference() {
        UUID id = UUID.randomUUID();
        assertThatThrownBy(() -> new LedgerTransaction(id, id, "FEE", "x", List.of(
                new Posting("account:a", "USDT", new BigDecimal("-5")),
                new Posting("fund:majors", "USDT", new BigDecimal("5")),
                new Posting("fund:majors", "BTCUSDT", new BigDecimal("1")),
                new Posting("account:a", "BTCUSDT", new BigDecimal("-0.9")))))
                .isInstanceOf(LedgerTransaction.UnbalancedTransaction.class)
                .hasMessageContaining("does not balance in BTCUSDT: postings sum to 0.1");
    }

    @Test
    void transfersMakeBalancedPairsAndANegativeTransferGoesTheOtherWay() {
        UUID id = UUID.randomUUID();
        LedgerTransaction tx = LedgerTransaction.builder(id, id, "UNWIND", "m")
                .transfer("market:BTCUSDT", "fund:majors", "USDT", new BigDecimal("-12.5"))
                .transfer("a", "b", "USDT", BigDecimal.ZERO)
                .build();
        assertThat(tx.postings()).containsExactly(new Posting("fund:majors", "USDT", new BigDecimal("-12.5")),
                new Posting("market:BTCUSDT", "USDT", new BigDecimal("12.5")));
        assertThat(LedgerTransaction.sums(tx.postings())).containsEntry("USDT", new BigDecimal("0.0"));
    }

    @Test
    void aPostingMovesSomething() {
        assertThatThrownBy(() -> new Posting("a", "USDT", BigDecimal.ZERO)).hasMessageContaining("zero USDT to a");
    }
}
