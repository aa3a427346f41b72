package io.backstop.insurance.fund;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class InventoryTest {

    static BigDecimal d(String v) {
        return new BigDecimal(v);
    }

    @Test
    void takeoversAverageAndAFullUnwindRealizesExactlyProceedsMinusCost() {
        Inventory inv = Inventory.flat("BTCUSDT").takeOver(d("1"), d("60000")).after()
                .takeOver(d("2"), d("59000.01")).after();
        assertThat(inv.size()).isEqualByComparingTo("3");
        assertThat(inv.cost()).isEqualByComparingTo("178000.02");
        // three partial closes at different prices: the PnL adds up to proceeds - cost exactly
        BigDecimal pnl = BigDecimal.ZERO;
        BigDecimal proceeds = BigDecimal.ZERO;
        String[][] fills = {{"1", "58000"}, {"0.7", "58500.5"}, {"1.3", "59999.99"}};
        for (String[] f : fills) {
            pnl = pnl.add(inv.pnlOfClosing(d(f[0]), d(f[1])));
            proceeds = proceeds.add(d(f[0]).multiply(d(f[1])));
            inv = inv.close(d(f[0]));
        }
        assertThat(inv.isFlat()).isTrue();
        assertThat(inv.cost()).isZero();
        assertThat(pnl).isEqualByComparingTo(proceeds.subtract(d("178000.02")));
    }

    @Test
    void aShortGainsWhenBoughtBackLower() {
        Inventory inv = Inventory.flat("ETHUSDT").takeOver(d("-2"), d("4000")).after();
        assertThat(inv.pnlOfClosing(d("2"), d("3900"))).isEqualByComparingTo("200");
    }

    @Test
    void aTakeoverAgainstTheFundsPositionClosesItAtThatPriceFirst() {
        Inventory inv = Inventory.flat("BTCUSDT").takeOver(d("2"), d("60000")).after();
        Inventory.Change change = inv.takeOver(d("-3"), d("59000"));
        assertThat(change.realizedPnl()).isEqualByComparingTo("-2000");
        assertThat(change.after().size()).isEqualByComparingTo("-1");
        assertThat(change.after().cost()).isEqualByComparingTo("59000");
    }

    @Test
    void cannotCloseMoreThanHeld() {
        Inventory inv = Inventory.flat("BTCUSDT").takeOver(d("1"), d("60000")).after();
        assertThatThrownBy(() -> inv.close(d("1.5"))).hasMessageContaining("cannot close 1.5 of the fund's 1");
    }
}
