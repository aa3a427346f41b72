package io.backstop.insurance.waterfall;

import static io.backstop.insurance.waterfall.WaterfallTest.d;
import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.PositionSide;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The head of a side read as the store reads it (the first rows by an approximate {@code double} score, then the
 * band of near ties below the k-th) is exactly the head of {@link AdlQueue#rank} over the whole side: random sides
 * full of exact ties, near ties a few units of the 30th digit apart, zero scores and, for BitMEX, negative ones.
 */
public class AdlHeadTest {

    /** The mark every position of {@link #randomSide} is valued at. */
    public static final BigDecimal MARK = d("60000");
    private static final int SIDES = 60;

    @Test
    void theHeadIsTheWholeRankingsFirstPositionsForEveryKOnRandomSidesWithTies() {
        for (AdlRanking ranking : AdlRanking.values()) {
            Random random = new Random(20 + ranking.ordinal());
            for (int side = 0; side < SIDES; side++) {
                List<AdlCandidate> candidates = randomSide(random, 1 + random.nextInt(300));
                List<AdlCandidate> whole = ranked(candidates, ranking);
                for (int k : List.of(1, 2, 5, 1 + random.nextInt(candidates.size()), candidates.size())) {
                    assertThat(storeHead(candidates, ranking, k, random.nextInt(4) * 8))
                            .as("%s, side %d of %d positions, k %d", ranking, side, candidates.size(), k)
                            .containsExactlyElementsOf(whole.subList(0, Math.min(k, whole.size())));
                }
            }
        }
    }

    @Test
    void walkingASideReadFromItsHeadGivesTheWholeRankingInOrder() {
        for (AdlRanking ranking : AdlRanking.values()) {
            Random random = new Random(40 + ranking.ordinal());
            for (int side = 0; side < 20; side++) {
                List<AdlCandidate> candidates = randomSide(random, 1 + random.nextInt(400));
                AdlSide paged = k -> storeHead(candidates, ranking, k, 0);
                List<AdlCandidate> walked = new ArrayList<>();
                paged.walk().forEach(walked::add);
                assertThat(walked).containsExactlyElementsOf(ranked(candidates, ranking));

                Set<String> refused = candidates.stream().map(AdlCandidate::accountId)
                        .filter(a -> random.nextInt(5) == 0)
                        .collect(Collectors.toSet());
                List<AdlCandidate> rest = new ArrayList<>();
                paged.without(refused).walk().forEach(rest::add);
                assertThat(rest).containsExactlyElementsOf(ranked(candidates, ranking).stream()
                        .filter(c -> !refused.contains(c.accountId())).toList());
            }
        }
    }

    @Test
    void theAdlStepWalkingTheHeadDeleveragesExactlyAsRankingTheWholeSide() {
        for (AdlRanking ranking : AdlRanking.values()) {
            Waterfall waterfall = new Waterfall(new WaterfallPolicy("USDT", ranking, 2, 3));
            Random random = new Random(60 + ranking.ordinal());
            for (int side = 0; side < 60; side++) {
                List<AdlCandidate> candidates = randomSide(random, 1 + random.nextInt(250));
                String bankrupt = candidates.get(random.nextInt(candidates.size())).accountId();
                Shortfall s = new Shortfall(UUID.randomUUID(), bankrupt, "BTCUSDT", PositionSide.SHORT,
                        d(String.valueOf(1 + random.nextInt(200))), d("61000"), MARK, BigDecimal.ZERO);
                // the ADL step as it was: the whole side without the bankrupt account, ranked, matched from the top
                List<AdlCandidate> eligible = candidates.stream().filter(c -> !c.accountId().equals(bankrupt)).toList();
                List<WaterfallResult.AdlMatch> expected = new ArrayList<>();
                BigDecimal rest = s.quantity();
                for (AdlQueue.Ranked r : AdlQueue.rank(eligible, ranking)) {
                    if (rest.signum() == 0) {
                        break;
                    }
                    BigDecimal close = r.candidate().quantity().min(rest);
                    expected.add(new WaterfallResult.AdlMatch(r.candidate().accountId(), r.rank(), close, r.score(),
                            r.candidate().size()));
                    rest = rest.subtract(close);
                }
                List<String> wholeSteps = new ArrayList<>();
                Waterfall.Deleveraged whole = waterfall.deleverage(s, s.quantity(), candidates, wholeSteps);
                List<String> pagedSteps = new ArrayList<>();
                Waterfall.Deleveraged paged = waterfall.deleverage(s, s.quantity(),
                        (AdlSide) k -> storeHead(candidates, ranking, k, 0), pagedSteps);
                assertThat(whole).isEqualTo(new Waterfall.Deleveraged(expected, rest));
                assertThat(paged).isEqualTo(whole);
                assertThat(pagedSteps).isEqualTo(wholeSteps).hasSize(expected.size());
            }
        }
    }

    @Test
    void aPagesRanksAndIndicatorsAreThoseOfTheWholeSide() {
        Random random = new Random(80);
        for (AdlRanking ranking : AdlRanking.values()) {
            List<AdlCandidate> candidates = randomSide(random, 333);
            List<AdlQueue.Ranked> whole = AdlQueue.rank(candidates, ranking);
            for (int k : List.of(1, 50, 333)) {
                assertThat(AdlQueue.head(storeHead(candidates, ranking, k, 0), ranking, candidates.size()))
                        .containsExactlyElementsOf(whole.subList(0, k));
            }
        }
    }

    @Test
    void anAccountsRankFromTheCountAboveItsBandIsItsPlaceInTheWholeRanking() {
        for (AdlRanking ranking : AdlRanking.values()) {
            Random random = new Random(100 + ranking.ordinal());
            for (int side = 0; side < 20; side++) {
                List<AdlCandidate> candidates = randomSide(random, 1 + random.nextInt(300));
                List<AdlQueue.Ranked> whole = AdlQueue.rank(candidates, ranking);
                for (AdlQueue.Ranked r : List.of(whole.get(0), whole.get(random.nextInt(whole.size())),
                        whole.get(whole.size() - 1))) {
                    double own = approximate(r.candidate(), ranking);
                    long above = candidates.stream().filter(c -> approximate(c, ranking) > AdlHead.ceiling(own))
                            .count();
                    List<AdlCandidate> band = candidates.stream()
                            .filter(c -> approximate(c, ranking) >= AdlHead.floor(own)
                                    && approximate(c, ranking) <= AdlHead.ceiling(own)).toList();
                    assertThat(AdlHead.rank(r.candidate().accountId(), above, band, ranking)).hasValue(r.rank());
                }
            }
        }
    }

    @Test
    void nearTiesTheApproximationCannotTellApartAreRankedExactly() {
        // three scores equal to 30 digits; the double of each is the same, so LIMIT k alone could cut the wrong one
        AdlCandidate a = binance("a", "1", "1000", "0.300000000000000000000000000001");
        AdlCandidate b = binance("b", "1", "1000", "0.300000000000000000000000000003");
        AdlCandidate c = binance("c", "1", "1000", "0.300000000000000000000000000002");
        AdlCandidate below = binance("d", "1", "1000", "0.2");
        List<AdlCandidate> side = List.of(a, below, c, b);
        assertThat(approximate(a, AdlRanking.BINANCE)).isEqualTo(approximate(b, AdlRanking.BINANCE));
        for (int margin : List.of(0, 1, 2)) {
            assertThat(storeHead(side, AdlRanking.BINANCE, 1, margin)).containsExactly(b);
            assertThat(storeHead(side, AdlRanking.BINANCE, 2, margin)).containsExactly(b, c);
        }
    }

    @Test
    void theFirstRowsAreEnoughUnlessTheBandOfTiesReachesPastThem() {
        AdlCandidate x = binance("x", "1", "1000", "0.3");
        List<AdlHead.Approximate> spread = List.of(new AdlHead.Approximate(x, 9), new AdlHead.Approximate(x, 5),
                new AdlHead.Approximate(x, 2));
        assertThat(AdlHead.missing(spread, 2, 3)).isEmpty();
        assertThat(AdlHead.missing(spread.subList(0, 2), 2, 3)).as("the side holds fewer than read").isEmpty();
        List<AdlHead.Approximate> zeros = List.of(new AdlHead.Approximate(x, 9), new AdlHead.Approximate(x, 0),
                new AdlHead.Approximate(x, 0));
        assertThat(AdlHead.missing(zeros, 2, 3)).isEqualTo(OptionalDouble.of(0));
        assertThat(AdlHead.floor(-2)).isLessThan(-2);
        assertThat(AdlHead.ceiling(-2)).isGreaterThan(-2);
        assertThat(AdlHead.floor(0)).isZero();
    }

    @Test
    void theZeroScoresReadByQuantityAreEnoughUnlessTheNeededQuantityTiesPastThem() {
        List<AdlCandidate> zeros = List.of(binance("a", "5", "1000", "0"), binance("b", "3", "1000", "0"),
                binance("c", "2", "1000", "0"), binance("d", "2", "1000", "0"));
        assertThat(AdlHead.missingZeros(zeros.subList(0, 3), 2, 3)).as("3 > 2: every 3 read").isEmpty();
        assertThat(AdlHead.missingZeros(zeros.subList(0, 2), 1, 3)).as("every zero score read").isEmpty();
        assertThat(AdlHead.missingZeros(zeros, 3, 4)).as("the 3rd's quantity, 2, may tie past the 4 read")
                .hasValueSatisfying(q -> assertThat(q).isEqualByComparingTo("2"));
    }

    /**
     * The store's read, in memory: the first {@code k + margin} by approximate score (ties in any order, here the
     * reverse of the exact one, the worst case), then, when the band reaches past them, every position down to the
     * floor, or when the k-th scores 0, the zero scores by quantity down to the one needed; ranked exactly by
     * {@link AdlHead#exact}.
     */
    static List<AdlCandidate> storeHead(List<AdlCandidate> side, AdlRanking ranking, int k, int margin) {
        List<AdlCandidate> reversed = new ArrayList<>(ranked(side, ranking));
        java.util.Collections.reverse(reversed);
        List<AdlHead.Approximate> byApproximation = reversed.stream()
                .map(c -> new AdlHead.Approximate(c, approximate(c, ranking)))
                .sorted(Comparator.comparingDouble(AdlHead.Approximate::score).reversed()).toList();
        int limit = k + margin;
        List<AdlHead.Approximate> first = byApproximation.subList(0, Math.min(limit, byApproximation.size()));
        OptionalDouble floor = AdlHead.missing(first, k, limit);
        if (floor.isEmpty()) {
            return AdlHead.exact(first.stream().map(AdlHead.Approximate::candidate).toList(), k, ranking);
        }
        if (floor.getAsDouble() == 0) {
            List<AdlCandidate> band = new ArrayList<>(first.stream().filter(a -> a.score() > 0)
                    .map(AdlHead.Approximate::candidate).toList());
            int need = k - band.size();
            // zero scores by quantity, ties in the reverse of the exact order
            List<AdlCandidate> zeros = byApproximation.stream().filter(a -> a.score() == 0)
                    .map(AdlHead.Approximate::candidate)
                    .sorted(Comparator.comparing(AdlCandidate::quantity).reversed()).toList();
            int zeroLimit = need + margin;
            java.util.Optional<BigDecimal> quantity = AdlHead.missingZeros(
                    zeros.subList(0, Math.min(zeroLimit, zeros.size())), need, zeroLimit);
            band.addAll(quantity.isEmpty() ? zeros.subList(0, Math.min(zeroLimit, zeros.size()))
                    : zeros.stream().filter(c -> c.quantity().compareTo(quantity.get()) >= 0).toList());
            return AdlHead.exact(band, k, ranking);
        }
        List<AdlCandidate> band = byApproximation.stream().filter(a -> a.score() >= floor.getAsDouble())
                .map(AdlHead.Approximate::candidate).toList();
        return AdlHead.exact(band, k, ranking);
    }

    /** What the store's SQL computes ({@code AdlStore.approximate}): exact operands, each made a double once. */
    static double approximate(AdlCandidate c, AdlRanking ranking) {
        BigDecimal pnl = c.unrealizedPnl();
        return switch (ranking) {
            case BINANCE -> c.marginRatio() == null || pnl.signum() <= 0 ? 0
                    : pnl.doubleValue() / c.walletBalance().max(BigDecimal.ONE).doubleValue()
                            * c.marginRatio().doubleValue();
            case BITMEX -> pnl.doubleValue() / c.quantity().multiply(c.entryPrice()).doubleValue()
                    * (pnl.signum() >= 0 ? c.notional().doubleValue() / c.equity().max(BigDecimal.ONE).doubleValue()
                    : c.equity().max(BigDecimal.ONE).doubleValue() / c.notional().doubleValue());
        };
    }

    private static List<AdlCandidate> ranked(List<AdlCandidate> side, AdlRanking ranking) {
        return AdlQueue.rank(side, ranking).stream().map(AdlQueue.Ranked::candidate).toList();
    }

    private static AdlCandidate binance(String account, String size, String wallet, String marginRatio) {
        BigDecimal pnl = d(size).multiply(d("1000"));
        return new AdlCandidate(account, d(size), d("59000"), MARK, pnl, d(wallet), d(wallet).add(pnl), d(marginRatio));
    }

    /**
     * Long positions at {@link #MARK}: a few shapes repeated (exact ties), some a unit of the 30th digit apart (near
     * ties), losing positions and accounts without a margin ratio (score 0 for Binance, negative for BitMEX), and
     * entries at the mark (score 0 for both).
     */
    public static List<AdlCandidate> randomSide(Random random, int n) {
        List<AdlCandidate> side = new ArrayList<>(n);
        List<BigDecimal[]> shapes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BigDecimal size;
            BigDecimal entry;
            BigDecimal wallet;
            BigDecimal equity;
            BigDecimal ratio;
            if (!shapes.isEmpty() && random.nextInt(3) == 0) {
                BigDecimal[] shape = shapes.get(random.nextInt(shapes.size()));
                size = random.nextBoolean() ? shape[0] : BigDecimal.valueOf(1 + random.nextInt(3000), 3);
                entry = shape[1];
                wallet = shape[2];
                equity = shape[3];
                ratio = shape[4];
                if (random.nextBoolean()) { // a near tie: a unit of the 30th significant digit
                    wallet = wallet.add(wallet.ulp().movePointLeft(24), MathContext.UNLIMITED);
                    equity = equity.add(equity.ulp().movePointLeft(24), MathContext.UNLIMITED);
                    if (ratio != null) {
                        ratio = ratio.add(BigDecimal.ONE.movePointLeft(32));
                    }
                }
            } else {
                size = BigDecimal.valueOf(1 + random.nextInt(3000), 3);
                entry = switch (random.nextInt(6)) {
                    case 0 -> MARK;
                    case 1 -> MARK.add(BigDecimal.valueOf(random.nextInt(20000), 1));
                    default -> MARK.subtract(BigDecimal.valueOf(random.nextInt(300000), 1));
                };
                wallet = BigDecimal.valueOf(random.nextInt(10_000_000), 2);
                equity = wallet.add(BigDecimal.valueOf(random.nextInt(200000) - 50000, 2));
                ratio = random.nextInt(8) == 0 ? null : BigDecimal.valueOf(random.nextInt(60_000_000), 8);
                shapes.add(new BigDecimal[] {size, entry, wallet, equity, ratio});
            }
            side.add(new AdlCandidate(String.format("acct-%05d", random.nextInt(100_000)) + "-" + i, size, entry, MARK,
                    size.multiply(MARK.subtract(entry)), wallet, equity, ratio));
        }
        return side;
    }

    @Test
    void theRandomSidesHoldTheTiesTheyAreMeantTo() {
        List<AdlCandidate> side = randomSide(new Random(1), 300);
        Map<BigDecimal, Long> byScore = side.stream().collect(Collectors.groupingBy(
                c -> AdlRanking.BINANCE.score(c).stripTrailingZeros(), Collectors.counting()));
        assertThat(byScore.get(BigDecimal.ZERO)).as("zero scores").isGreaterThan(10);
        assertThat(byScore.values().stream().filter(n -> n > 1).count()).as("other exact ties").isGreaterThan(3);
        assertThat(side.stream().filter(c -> AdlRanking.BITMEX.score(c).signum() < 0)).as("BitMEX negatives")
                .isNotEmpty();
    }
}
