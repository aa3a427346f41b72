package io.backstop.insurance.waterfall;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WaterfallTest {

    private static final WaterfallPolicy POLICY = new WaterfallPolicy("USDT", AdlRanking.BINANCE, 8, 8);
    private final Waterfall waterfall = new Waterfall(POLICY);

    static BigDecimal d(String v) {
        return new BigDecimal(v);
    }

    /** A long of {@code size} whose Binance score is proportional to {@code score} (wallet 1,000, margin ratio 0.1). */
    static AdlCandidate longWithScore(String account, String size, int score) {
        return new AdlCandidate(account, d(size), d("600"), d("650"), d(String.valueOf(score * 100)), d("1000"),
                d("1500"), d("0.1"));
    }

    static Shortfall shortfall(PositionSide side, String qty, String price, String mark, String deficit) {
        return new Shortfall(UUID.randomUUID(), "bankrupt", "BTCUSDT", side, d(qty), d(price), d(mark), d(deficit));
    }

    static FundSnapshot fund(String balance, String inherited, boolean guarantee) {
        return new FundSnapshot("majors", d(balance), d(inherited), BigDecimal.ONE, guarantee);
    }

    @Test
    void publishedExampleSixLongsRankedAShortOf20BankruptAt650WithAnEmptyFund() {
        // sizes 10, 10, 20, 30, 20, 10 with ranks 3, 6, 1, 4, 5, 2 (higher rank = deleveraged first)
        String[] sizes = {"10", "10", "20", "30", "20", "10"};
        int[] ranks = {3, 6, 1, 4, 5, 2};
        List<AdlCandidate> longs = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            longs.add(longWithScore("L" + (i + 1), sizes[i], ranks[i]));
        }

        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.SHORT, "20", "650", "650", "0"),
                fund("0", "0", false), longs, Map.of());

        assertThat(r.takenOver()).isZero();
        assertThat(r.adl()).extracting(WaterfallResult.AdlMatch::accountId).containsExactly("L2", "L5");
        assertThat(r.adl().get(0).quantity()).isEqualByComparingTo("10");   // rank 6, size 10: all of it
        assertThat(r.adl().get(0).positionBefore()).isEqualByComparingTo("10");
        assertThat(r.adl().get(1).quantity()).isEqualByComparingTo("10");   // rank 5, size 20: 10 of it
        assertThat(r.adl().get(1).positionBefore()).isEqualByComparingTo("20");
        assertThat(r.adl()).extracting(WaterfallResult.AdlMatch::rank).containsExactly(1, 2);
        assertThat(r.adlQuantity()).isEqualByComparingTo("20");
        assertThat(r.forcedTakeover()).isZero();
        assertThat(r.socialized()).isEmpty();
    }

    @Test
    void aFundWithEnoughCapacityTakesEverythingAndNobodyIsDeleveraged() {
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.LONG, "2", "59000", "58000", "0"),
                fund("1000000", "0", false), List.of(), Map.of());
        assertThat(r.takenOver()).isEqualByComparingTo("2");
        assertThat(r.adl()).isEmpty();
        assertThat(r.injection()).isZero();
        assertThat(r.steps()).anyMatch(s -> s.startsWith("takeover: the fund takes 2 of 2 at bankruptcy price 59000"));
    }

    @Test
    void aFundWithPartCapacityTakesWhatItCanAtTheMarkAndTheRestIsDeleveraged() {
        // capacity = 1 x 100,000 - 40,000 inherited = 60,000 of notional at mark 50,000 -> 1.2 BTC
        List<AdlCandidate> shorts = List.of(
                new AdlCandidate("S1", d("-1"), d("60000"), d("50000"), d("10000"), d("5000"), d("15000"), d("0.05")),
                new AdlCandidate("S2", d("-3"), d("52000"), d("50000"), d("6000"), d("5000"), d("11000"), d("0.2")));
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.LONG, "2", "50500", "50000", "0"),
                fund("100000", "40000", false), shorts, Map.of());
        assertThat(r.takenOver()).isEqualByComparingTo("1.2");
        // S2: 6000/5000 x 0.2 = 0.24 beats S1: 10000/5000 x 0.05 = 0.1
        assertThat(r.adl()).singleElement().satisfies(m -> {
            assertThat(m.accountId()).isEqualTo("S2");
            assertThat(m.quantity()).isEqualByComparingTo("0.8");
        });
        assertThat(r.takenOver().add(r.adlQuantity())).isEqualByComparingTo("2");
    }

    @Test
    void withTheGuaranteeTheOperatorInjectsWhatTheCapacityLacksAndNobodyIsDeleveraged() {
        List<AdlCandidate> shorts = List.of(
                new AdlCandidate("S1", d("-5"), d("60000"), d("50000"), d("50000"), d("5000"), d("55000"), d("0.05")));
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.LONG, "2", "50500", "50000", "0"),
                fund("60000", "0", true), shorts, Map.of());
        assertThat(r.takenOver()).isEqualByComparingTo("2");
        assertThat(r.adl()).isEmpty();
        // lacking: (2 - 1.2) x 50,000 = 40,000 of capacity at fraction 1
        assertThat(r.injection()).isEqualByComparingTo("40000");
    }

    @Test
    void anEmptyFundWithoutCounterpartiesTakesTheRestBeyondCapacityAndSaysWhy() {
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.SHORT, "3", "100", "101", "0"),
                fund("0", "0", false), List.of(longWithScore("L1", "1", 1)), Map.of());
        assertThat(r.adlQuantity()).isEqualByComparingTo("1");
        assertThat(r.forcedTakeover()).isEqualByComparingTo("2");
        assertThat(r.steps()).anyMatch(s -> s.startsWith("forced takeover"));
    }

    @Test
    void theBankruptAccountAndSameSidePositionsAreNeverItsOwnCounterparties() {
        List<AdlCandidate> candidates = List.of(longWithScore("bankrupt", "5", 9), longWithScore("L1", "5", 1),
                new AdlCandidate("S1", d("-5"), d("600"), d("650"), d("-250"), d("1000"), d("750"), d("0.1")));
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.SHORT, "2", "650", "650", "0"),
                fund("0", "0", false), candidates, Map.of());
        assertThat(r.adl()).extracting(WaterfallResult.AdlMatch::accountId).containsExactly("L1");
    }

    @Test
    void aDeficitIsPaidByTheFundFirstThenSocializedExactly() {
        Map<String, BigDecimal> base = new LinkedHashMap<>();
        base.put("P1", d("100"));
        base.put("P2", d("200"));
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.SHORT, "1", "0", "10", "1000.00000001"),
                fund("400", "0", false), List.of(longWithScore("L1", "1", 1)), base);
        assertThat(r.deficitFromFund()).isEqualByComparingTo("400");
        assertThat(r.socializedTotal()).isEqualByComparingTo("600.00000001");
        assertThat(r.socialized()).containsEntry("P1", d("200.00000000")).containsEntry("P2", d("400.00000001"));
        assertThat(r.deficitFromFund().add(r.socializedTotal())).isEqualByComparingTo("1000.00000001");
    }

    @Test
    void underTheGuaranteeTheOperatorPaysTheDeficitTheFundCannot() {
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.SHORT, "1", "0", "10", "1000"),
                fund("400", "0", true), List.of(), Map.of("P1", d("1")));
        assertThat(r.socialized()).isEmpty();
        assertThat(r.deficitFromFund()).isEqualByComparingTo("1000");
        assertThat(r.injection()).isGreaterThanOrEqualTo(d("600"));
    }

    @Test
    void aDeficitWithNobodyToBearItIsRecordedAsUncovered() {
        WaterfallResult r = waterfall.resolve(shortfall(PositionSide.SHORT, "1", "0", "10", "50"),
                fund("20", "0", false), List.of(), Map.of());
        assertThat(r.deficitFromFund()).isEqualByComparingTo("20");
        assertThat(r.uncovered()).isEqualByComparingTo("30");
        assertThat(r.steps()).anyMatch(s -> s.startsWith("uncovered"));
    }
}
