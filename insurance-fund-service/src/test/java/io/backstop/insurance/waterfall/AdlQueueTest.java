package io.backstop.insurance.waterfall;

import static io.backstop.insurance.waterfall.WaterfallTest.d;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdlQueueTest {

    @Test
    void binanceScoreIsPositivePnlOverWalletTimesMarginRatio() {
        AdlCandidate c = new AdlCandidate("A", d("2"), d("100"), d("150"), d("100"), d("400"), d("500"), d("0.3"));
        assertThat(AdlRanking.BINANCE.score(c)).isEqualByComparingTo("0.075"); // 100/400 x 0.3
        AdlCandidate losing = new AdlCandidate("B", d("2"), d("100"), d("50"), d("-100"), d("400"), d("300"), d("0.3"));
        assertThat(AdlRanking.BINANCE.score(losing)).isZero();
        AdlCandidate tinyWallet = new AdlCandidate("C", d("2"), d("100"), d("150"), d("100"), d("0.5"), d("100.5"), d("0.1"));
        assertThat(AdlRanking.BINANCE.score(tinyWallet)).isEqualByComparingTo("10"); // wallet floored at 1
    }

    @Test
    void bitmexScoreMultipliesProfitByLeverageAndDividesLossByIt() {
        // cost 200, notional 300, equity 100 -> leverage 3
        AdlCandidate winner = new AdlCandidate("A", d("2"), d("100"), d("150"), d("100"), d("0"), d("100"), null);
        assertThat(AdlRanking.BITMEX.score(winner)).isEqualByComparingTo("1.5"); // 0.5 x 3
        AdlCandidate loser = new AdlCandidate("B", d("-2"), d("100"), d("150"), d("-100"), d("0"), d("100"), null);
        assertThat(AdlRanking.BITMEX.score(loser)).isEqualByComparingTo(d("-0.5").divide(d("3"), java.math.MathContext.DECIMAL128));
    }

    @Test
    void theQueueIsByScoreThenLargerPositionThenAccountIdWhateverTheInputOrder() {
        List<AdlCandidate> candidates = new ArrayList<>(List.of(
                WaterfallTest.longWithScore("b", "1", 5),
                WaterfallTest.longWithScore("a", "1", 5),
                WaterfallTest.longWithScore("c", "3", 5),
                WaterfallTest.longWithScore("d", "1", 7),
                WaterfallTest.longWithScore("e", "9", 1)));
        List<String> expected = List.of("d", "c", "a", "b", "e");
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(candidates, random);
            assertThat(AdlQueue.rank(candidates, AdlRanking.BINANCE)).extracting(r -> r.candidate().accountId())
                    .containsExactlyElementsOf(expected);
        }
        assertThat(AdlQueue.rank(candidates, AdlRanking.BINANCE)).extracting(AdlQueue.Ranked::rank)
                .containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void indicatorsAreQuintilesOfTheQueueFourFirst() {
        List<AdlCandidate> candidates = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            candidates.add(WaterfallTest.longWithScore("a" + i, "1", 10 - i));
        }
        assertThat(AdlQueue.rank(candidates, AdlRanking.BINANCE)).extracting(AdlQueue.Ranked::indicator)
                .containsExactly(4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
        assertThat(AdlQueue.indicator(0, 1)).isEqualTo(4);
        assertThat(AdlQueue.indicator(2, 3)).isEqualTo(1);
    }
}
