package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.markets.MarginBrackets;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DipLadderTest {

    private final MarginBrackets eth = DipLadder.catalogue();

    @Test
    void everyAccountIsHealthyAtEveryRoundBeforeItsDipAndUnderMaintenanceAtIt() {
        DipLadder ladder = new DipLadder("t", 30, 3, eth);
        Map<String, BigDecimal> deposits = ladder.deposits();
        assertThat(deposits).hasSize(90);
        Map<String, Integer> breachedAt = new HashMap<>();
        int rounds = 30 * DipLadder.ROUNDS_A_DIP;
        for (int round = 0; round <= rounds; round++) {
            // the round after the run is the last, under every threshold
            BigDecimal price = round < rounds ? ladder.price(round) : DipLadder.dip(ladder.dips());
            if (price == null) {
                continue; // no ETH tick this round
            }
            for (Map.Entry<String, BigDecimal> account : deposits.entrySet()) {
                if (!breachedAt.containsKey(account.getKey()) && underMaintenance(account.getValue(), price)) {
                    breachedAt.put(account.getKey(), round);
                }
            }
        }
        assertThat(breachedAt).hasSize(90);
        breachedAt.forEach((account, round) -> {
            int dip = ladder.dipOf(account);
            assertThat(round).as(account).isEqualTo(dip * DipLadder.ROUNDS_A_DIP + DipLadder.ROUNDS_A_DIP - 1);
            assertThat(DipLadder.atDip(dip, ladder.price(round))).isTrue();
        });
    }

    @Test
    void ethIsTickedTwiceASecondAtItsNormalPriceAndADipEachMoveBeyondTheOraclesDeviation() {
        DipLadder ladder = new DipLadder("t", 3, 1, eth);
        assertThat(ladder.price(0)).isNull();
        assertThat(ladder.price(4)).isEqualByComparingTo("3000");
        assertThat(ladder.price(9)).isEqualByComparingTo("2994");
        assertThat(ladder.price(14)).isEqualByComparingTo("3000");
        assertThat(ladder.price(19)).isEqualByComparingTo("2991");
        assertThat(ladder.price(29)).isEqualByComparingTo("2988");
        assertThat(ladder.price(34)).isEqualByComparingTo("3000");
        assertThat(ladder.price(39)).isNull(); // no fourth dip
        BigDecimal previous = null;
        for (int round = 0; round < 40; round++) {
            BigDecimal price = ladder.price(round);
            if (price != null && previous != null) {
                BigDecimal move = price.subtract(previous).abs().divide(previous, java.math.MathContext.DECIMAL64);
                assertThat(move).as("round " + round).isGreaterThanOrEqualTo(new BigDecimal("0.001"));
            }
            previous = price != null ? price : previous;
        }
        assertThat(new DipLadder("t", 0, 0, eth).price(9)).isNull(); // without accounts, no ETH at all
    }

    @Test
    void aDepositIsInCentsAndTheFillsOpenOneLongPositionPerAccountAtTheEntry() {
        DipLadder ladder = new DipLadder("run", 2, 2, eth);
        assertThat(ladder.deposits().values()).allSatisfy(d -> assertThat(d.scale()).isEqualTo(2));
        // 1 x 2,995.5 x 0.005 = 14.9775 of maintenance, less 1 x (2,995.5 - 3,000) of PnL, to the cent above
        assertThat(ladder.deposit(0)).isEqualByComparingTo("19.48");
        assertThat(ladder.fills()).hasSize(4).allSatisfy(fill -> {
            assertThat(fill.quantity()).isEqualByComparingTo(DipLadder.POSITION);
            assertThat(fill.price()).isEqualByComparingTo(DipLadder.NORMAL);
            assertThat(fill.symbol()).isEqualTo("ETHUSDT");
            assertThat(ladder.dipOf(fill.accountId())).isNotNull();
        });
        assertThat(ladder.dipOf("load-run-0")).isNull();
    }

    @Test
    void aRunTakesADipASecondUpToTheLadderItsLimit() {
        assertThat(DipLadder.dips(Duration.ofSeconds(30))).isEqualTo(30);
        assertThat(DipLadder.dips(Duration.ofMillis(1_500))).isEqualTo(1);
        assertThat(DipLadder.dips(Duration.ofMillis(500))).isZero();
        assertThat(DipLadder.dips(Duration.ofHours(2))).isEqualTo(DipLadder.MAX_DIPS);
        assertThat(DipLadder.dip(DipLadder.MAX_DIPS)).isPositive();
        assertThatThrownBy(() -> new DipLadder("t", DipLadder.MAX_DIPS + 1, 1, eth))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Cross margin of one USDT deposit and the ladder's long: equity = deposit + PnL, under MM of the notional. */
    private boolean underMaintenance(BigDecimal deposit, BigDecimal mark) {
        BigDecimal equity = deposit.add(DipLadder.POSITION.multiply(mark.subtract(DipLadder.NORMAL)));
        return equity.compareTo(eth.maintenance(DipLadder.POSITION.multiply(mark))) < 0;
    }
}
