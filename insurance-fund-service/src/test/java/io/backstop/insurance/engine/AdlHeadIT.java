package io.backstop.insurance.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.PositionMark;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.AdlHeadTest;
import io.backstop.insurance.waterfall.AdlQueue;
import io.backstop.insurance.waterfall.AdlRanking;
import io.backstop.insurance.waterfall.AdlSide;
import io.backstop.insurance.waterfall.PlannedQueue;
import io.backstop.testkit.RealInfrastructure;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The head of a side read from PostgreSQL ({@link AdlStore#head}, {@link AdlStore#queue}, {@link AdlStore#standing})
 * is exactly what ranking the whole side in Java gives: a side of 2,400 longs with exact ties, near ties a unit of
 * the 30th digit apart, zero scores (Binance) and negative ones (BitMEX), beside shorts and another symbol's positions
 * it must not read. The positions arrive as margin's snapshots do ({@link AdlStore#applySnapshots}), which puts the
 * account's figures beside each position.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@RealInfrastructure
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdlHeadIT {

    private static final String SYMBOL = "XHEADUSDT";
    private static final BigDecimal MARK = AdlHeadTest.MARK;

    @Autowired
    AdlStore positions;
    @Autowired
    JdbcTemplate jdbc;

    private List<AdlCandidate> longs;

    @BeforeAll
    void snapshots() {
        longs = AdlHeadTest.randomSide(new Random(2026), 2400);
        List<AdlStore.Snapshot> snapshots = new ArrayList<>();
        for (AdlCandidate c : longs) {
            // each account also holds a position on another symbol, which the side never reads
            snapshots.add(new AdlStore.Snapshot(new AccountPositionsSnapshotted(c.accountId(), c.walletBalance(),
                    c.equity(), BigDecimal.ZERO, c.marginRatio(), List.of(mark(SYMBOL, c.size(), c.entryPrice()),
                    mark("XOTHERUSDT", c.size().negate(), c.entryPrice()))), 1));
        }
        for (int i = 0; i < 300; i++) { // shorts on the symbol: the other side, a third losing (score 0 for Binance)
            snapshots.add(new AdlStore.Snapshot(new AccountPositionsSnapshotted("short-" + i, BigDecimal.TEN,
                    BigDecimal.TEN, BigDecimal.ZERO, new BigDecimal("0.5"), List.of(mark(SYMBOL,
                    BigDecimal.valueOf(-1 - i % 150), new BigDecimal(i % 3 == 0 ? "30000" : "90000")))), 1));
        }
        assertThat(positions.applySnapshots(snapshots)).isEqualTo(2700);
    }

    @Test
    void theHeadOfASideIsTheWholeRankingsFirstPositionsForBothRankings() {
        for (AdlRanking ranking : AdlRanking.values()) {
            List<String> whole = ranked(ranking);
            assertThat(whole).as("the side read whole is the side written").containsExactlyElementsOf(
                    AdlQueue.rank(longs, ranking).stream().map(r -> r.candidate().accountId()).toList());
            for (int k : List.of(1, 7, 50, 333, 2399, 2400, 5000)) {
                assertThat(positions.head(SYMBOL, true, MARK, ranking, k)).extracting(AdlCandidate::accountId)
                        .as("%s, k %d", ranking, k).containsExactlyElementsOf(whole.subList(0, Math.min(k, 2400)));
            }
        }
    }

    @Test
    void theShortsHeadIsTheShortsRankingAndNeverALong() {
        List<AdlCandidate> shorts = jdbc.query("SELECT " + AdlStore.CANDIDATE + " FROM " + AdlStore.side(false),
                (rs, i) -> AdlStore.candidate(rs, MARK), MARK, SYMBOL);
        assertThat(shorts).hasSize(300).allSatisfy(c -> assertThat(c.size()).isNegative());
        for (AdlRanking ranking : AdlRanking.values()) {
            List<AdlQueue.Ranked> whole = AdlQueue.rank(shorts, ranking);
            // 200 profit; beyond them the Binance head reads the zero scores by quantity (ties of two a quantity)
            for (int k : List.of(40, 200, 201, 250, 300)) {
                assertThat(positions.head(SYMBOL, false, MARK, ranking, k)).extracting(AdlCandidate::accountId)
                        .as("%s, k %d", ranking, k).containsExactlyElementsOf(whole.subList(0, k).stream()
                                .map(r -> r.candidate().accountId()).toList());
            }
            for (int index : List.of(0, 199, 200, 201, 260, 299)) {
                AdlQueue.Ranked r = whole.get(index);
                assertThat(positions.standing(SYMBOL, false, MARK, ranking, r.candidate().accountId()).orElseThrow()
                        .rank()).as("%s, %s", ranking, r.candidate().accountId()).isEqualTo(r.rank());
            }
        }
        assertThat(AdlQueue.rank(shorts, AdlRanking.BINANCE).get(200).score()).as("the zero scores reached").isZero();
    }

    /**
     * A side is a range of the covering index (V10): PostgreSQL reads it from the index alone, the side chosen by the
     * index condition rather than filtered out of every position of the symbol. (The table is small here, so plans
     * that read the heap are switched off: what is checked is that the side's condition can use the index.)
     */
    @Test
    void aSideIsReadAsARangeOfTheCoveringIndexAlone() {
        for (boolean longs : List.of(true, false)) {
            String text = plan("SELECT " + AdlStore.CANDIDATE + ", " + AdlStore.approximate(AdlRanking.BINANCE)
                    + " AS approx FROM " + AdlStore.side(longs) + " ORDER BY approx DESC LIMIT 10");
            assertThat(text).as("the plan for the %s", longs ? "longs" : "shorts")
                    .contains("Index Only Scan using adl_position_side")
                    .containsPattern("Index Cond: \\(\\(symbol = .*\\) AND \\(size " + (longs ? ">" : "<") + " ")
                    .doesNotContain("Filter:");
            // the zero scores by quantity: the index's order, no sort of the side
            String zeros = plan(AdlStore.zeroScores(AdlStore.side(longs), longs, AdlRanking.BINANCE) + " LIMIT 10");
            assertThat(zeros).as("the zero scores of the %s", longs ? "longs" : "shorts")
                    .contains("Index Only Scan" + (longs ? " Backward" : "") + " using adl_position_side")
                    .doesNotContain("Sort");
        }
    }

    /** PostgreSQL's plan for {@code sql} (parameters: the mark, the symbol), with the plans that read the heap off. */
    private String plan(String sql) {
        List<String> plan = jdbc.execute((java.sql.Connection con) -> {
            try (var st = con.createStatement()) {
                st.execute("SET enable_seqscan = off");
                st.execute("SET enable_bitmapscan = off");
            }
            List<String> lines = new ArrayList<>();
            try (var ps = con.prepareStatement("EXPLAIN " + sql)) {
                ps.setBigDecimal(1, MARK);
                ps.setString(2, SYMBOL);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lines.add(rs.getString(1));
                    }
                }
            } finally {
                try (var st = con.createStatement()) {
                    st.execute("RESET enable_seqscan");
                    st.execute("RESET enable_bitmapscan");
                }
            }
            return lines;
        });
        return String.join("\n", plan);
    }

    @Test
    void aHeadReachingIntoTheZeroScoresReadsTheirWholeBandAndStaysExact() {
        List<AdlQueue.Ranked> whole = AdlQueue.rank(longs, AdlRanking.BINANCE);
        int positive = (int) whole.stream().filter(r -> r.score().signum() > 0).count();
        assertThat(positive).as("the side has zero scores to reach").isLessThan(2000);
        for (int k : List.of(positive, positive + 1, positive + 40)) {
            assertThat(positions.head(SYMBOL, true, MARK, AdlRanking.BINANCE, k)).extracting(AdlCandidate::accountId)
                    .containsExactlyElementsOf(whole.subList(0, k).stream().map(r -> r.candidate().accountId())
                            .toList());
        }
    }

    @Test
    void walkingTheQueueFromItsHeadGivesTheWholeRankingInOrder() {
        for (AdlRanking ranking : AdlRanking.values()) {
            List<String> walked = new ArrayList<>();
            positions.queue(SYMBOL, true, MARK, ranking).walk().forEach(c -> walked.add(c.accountId()));
            assertThat(walked).containsExactlyElementsOf(ranked(ranking));
        }
    }

    @Test
    void anAccountsStandingIsItsPlaceInTheWholeRanking() {
        assertThat(positions.sideSize(SYMBOL, true)).isEqualTo(2400);
        assertThat(positions.sideSize(SYMBOL, false)).isEqualTo(300);
        Random random = new Random(7);
        for (AdlRanking ranking : AdlRanking.values()) {
            List<String> whole = ranked(ranking);
            for (int rank : List.of(1, 2, 1 + random.nextInt(2400), 1 + random.nextInt(2400), 2400)) {
                AdlStore.Standing s = positions.standing(SYMBOL, true, MARK, ranking, whole.get(rank - 1))
                        .orElseThrow();
                assertThat(s.rank()).as("%s, %s", ranking, whole.get(rank - 1)).isEqualTo(rank);
                assertThat(s.sideSize()).isEqualTo(2400);
            }
            assertThat(positions.standing(SYMBOL, false, MARK, ranking, whole.get(0))).as("not on that side").isEmpty();
        }
        // scores of exactly 0 tie: each stands by its quantity, then account id, among them
        List<AdlQueue.Ranked> binance = AdlQueue.rank(longs, AdlRanking.BINANCE);
        int firstZero = (int) binance.stream().filter(r -> r.score().signum() > 0).count();
        for (int index : List.of(firstZero, firstZero + 1, firstZero + random.nextInt(2400 - firstZero), 2399)) {
            AdlQueue.Ranked r = binance.get(index);
            assertThat(r.score()).isZero();
            assertThat(positions.standing(SYMBOL, true, MARK, AdlRanking.BINANCE, r.candidate().accountId())
                    .orElseThrow().rank()).isEqualTo(r.rank());
        }
    }

    @Test
    void theSqlApproximationIsTheExactScoreToTwelveDigitsWithItsSign() {
        Map<String, AdlCandidate> byAccount = longs.stream().collect(Collectors.toMap(AdlCandidate::accountId, c -> c));
        for (AdlRanking ranking : AdlRanking.values()) {
            List<Object[]> rows = jdbc.query("SELECT account_id, " + AdlStore.approximate(ranking) + " FROM "
                    + AdlStore.side(true), (rs, i) -> new Object[] {rs.getString(1), rs.getDouble(2)}, MARK, SYMBOL);
            assertThat(rows).hasSize(2400);
            for (Object[] row : rows) {
                BigDecimal exact = ranking.score(byAccount.get((String) row[0]));
                BigDecimal approximate = new BigDecimal((Double) row[1]);
                assertThat(approximate.signum()).isEqualTo(exact.signum());
                assertThat(approximate.subtract(exact).abs())
                        .isLessThanOrEqualTo(exact.abs().multiply(new BigDecimal("1e-12"), MathContext.DECIMAL128));
            }
        }
    }

    @Test
    void eachPositionCarriesItsAccountsFiguresFromTheNewestSnapshotOnly() {
        AdlCandidate c = longs.get(0);
        AdlStore.Snapshot newer = new AdlStore.Snapshot(new AccountPositionsSnapshotted("figures-1",
                new BigDecimal("1234.5"), new BigDecimal("1300.25"), BigDecimal.ZERO, new BigDecimal("0.125"),
                List.of(mark("XFIGUSDT", BigDecimal.ONE, MARK), mark("XFIG2USDT", BigDecimal.TEN.negate(), MARK))), 5);
        AdlStore.Snapshot older = new AdlStore.Snapshot(new AccountPositionsSnapshotted("figures-1", c.walletBalance(),
                c.equity(), BigDecimal.ZERO, null, List.of(mark("XFIGUSDT", BigDecimal.TEN, MARK))), 4);
        assertThat(positions.applySnapshots(List.of(newer))).isEqualTo(1);
        assertThat(positions.applySnapshots(List.of(older, newer))).isZero();
        assertThat(jdbc.queryForList("SELECT symbol || ' ' || size || ' ' || wallet_balance || ' ' || equity || ' '"
                        + " || coalesce(margin_ratio::text, 'null') FROM adl_position WHERE account_id = 'figures-1'"
                        + " ORDER BY symbol", String.class))
                .containsExactly("XFIG2USDT -10 1234.5 1300.25 0.125", "XFIGUSDT 1 1234.5 1300.25 0.125");

        AdlStore.Snapshot newest = new AdlStore.Snapshot(new AccountPositionsSnapshotted("figures-1",
                new BigDecimal("99"), new BigDecimal("-5"), BigDecimal.ZERO, null,
                List.of(mark("XFIGUSDT", new BigDecimal("2"), MARK))), 6);
        assertThat(positions.applySnapshots(List.of(newest))).isEqualTo(1);
        assertThat(jdbc.queryForList("SELECT symbol || ' ' || size || ' ' || wallet_balance || ' ' || equity || ' '"
                        + " || coalesce(margin_ratio::text, 'null') FROM adl_position WHERE account_id = 'figures-1'"
                        + " ORDER BY symbol", String.class)).containsExactly("XFIGUSDT 2 99 -5 null");
    }

    @Test
    void theOpenInterestFollowsEverySnapshotAsTheSumOfTheLongsWouldAndARepeatChangesNothing() {
        // accounts oi-* on XOIUSDT: opened, grown, turned short, closed; repeated and older snapshots in between
        List<AdlStore.Snapshot> applied = new ArrayList<>();
        Random random = new Random(7);
        for (int round = 1; round <= 6; round++) {
            List<AdlStore.Snapshot> batch = new ArrayList<>();
            for (int a = 0; a < 40; a++) {
                BigDecimal size = BigDecimal.valueOf(random.nextInt(21) - 10, random.nextInt(3)); // may be 0
                List<PositionMark> marks = size.signum() == 0 ? List.of()
                        : List.of(mark("XOIUSDT", size, MARK), mark("XOI2USDT", size.negate(), MARK));
                batch.add(new AdlStore.Snapshot(new AccountPositionsSnapshotted("oi-" + a, BigDecimal.TEN,
                        BigDecimal.TEN, BigDecimal.ZERO, null, marks), round));
            }
            if (!applied.isEmpty()) {
                batch.addAll(applied.subList(0, 10)); // older ones, redelivered: no change
            }
            positions.applySnapshots(batch);
            applied = batch;
            assertThat(positions.applySnapshots(batch)).as("the same snapshots again").isZero();

            Map<String, BigDecimal> summed = jdbc.query("SELECT symbol, sum(size) FROM adl_position WHERE size > 0"
                            + " AND symbol LIKE 'XOI%' GROUP BY symbol",
                    rs -> {
                        Map<String, BigDecimal> m = new java.util.TreeMap<>();
                        while (rs.next()) {
                            m.put(rs.getString(1), rs.getBigDecimal(2));
                        }
                        return m;
                    });
            Map<String, BigDecimal> kept = new java.util.TreeMap<>(positions.openInterest());
            kept.keySet().removeIf(symbol -> !symbol.startsWith("XOI"));
            assertThat(summed).as("longs on both symbols, round " + round).hasSize(2);
            assertThat(kept.keySet()).as("round " + round).isEqualTo(summed.keySet());
            String when = "round " + round;
            summed.forEach((symbol, sum) -> assertThat(kept.get(symbol)).as(symbol + ", " + when)
                    .isEqualByComparingTo(sum));
        }
    }

    @Test
    void anAccountMarginAnsweredIsExhaustedOnItsSymbolUntilANewerSnapshotAndNotAnOlderOne() {
        java.util.function.LongFunction<AdlStore.Snapshot> at = sequence -> new AdlStore.Snapshot(
                new AccountPositionsSnapshotted("ex-1", BigDecimal.TEN, BigDecimal.TEN, BigDecimal.ZERO, null,
                        List.of(mark("XEXUSDT", BigDecimal.ONE, MARK))), sequence);
        positions.applySnapshots(List.of(at.apply(3)));
        positions.recordExhausted("ex-1", "XEXUSDT");
        positions.recordExhausted("ex-1", "XEXUSDT"); // answered twice: one row
        positions.recordExhausted("ex-never", "XEXUSDT"); // an account the fund holds no snapshot of
        assertThat(positions.exhausted("XEXUSDT")).containsExactly("ex-1", "ex-never");
        assertThat(positions.exhausted("XOTHERUSDT")).isEmpty();

        positions.applySnapshots(List.of(at.apply(2)));
        assertThat(positions.exhausted("XEXUSDT")).as("an older snapshot says nothing newer").contains("ex-1");
        positions.applySnapshots(List.of(at.apply(4)));
        assertThat(positions.exhausted("XEXUSDT")).containsExactly("ex-never");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM adl_exhausted WHERE account_id = 'ex-1'", Integer.class))
                .as("the newer snapshot removed the answer").isZero();
    }

    /**
     * The queue the API shows ({@link AdlStore#headWithoutExhausted}, {@link AdlStore#sideSize},
     * {@link AdlStore#standing}) passes over the positions margin answered closed exactly as the ADL step does: what
     * the waterfall's walk would ask, in its order, and nothing it passes over counted ahead of anyone; a newer
     * snapshot of the account puts its position back.
     */
    @Test
    void theQueueTheApiShowsPassesOverExhaustedPositionsAsTheAdlStepDoes() {
        String symbol = "XQUEUEUSDT";
        List<AdlCandidate> side = AdlHeadTest.randomSide(new Random(2027), 300).stream()
                .map(c -> new AdlCandidate("q-" + c.accountId(), c.size(), c.entryPrice(), c.markPrice(),
                        c.unrealizedPnl(), c.walletBalance(), c.equity(), c.marginRatio())).toList();
        java.util.function.BiFunction<AdlCandidate, Long, AdlStore.Snapshot> snapshot = (c, sequence) ->
                new AdlStore.Snapshot(new AccountPositionsSnapshotted(c.accountId(), c.walletBalance(), c.equity(),
                        BigDecimal.ZERO, c.marginRatio(), List.of(mark(symbol, c.size(), c.entryPrice()),
                        mark("XQUEUE2USDT", c.size(), c.entryPrice()))), sequence);
        positions.applySnapshots(side.stream().map(c -> snapshot.apply(c, 1L)).toList());
        List<String> whole = AdlQueue.rank(side, AdlRanking.BINANCE).stream().map(r -> r.candidate().accountId())
                .toList();
        int firstZero = (int) AdlQueue.rank(side, AdlRanking.BINANCE).stream().filter(r -> r.score().signum() > 0)
                .count();
        assertThat(firstZero).as("zero scores to pass over among").isLessThan(290);
        // the first, the third, one among the zero scores and the last; the second only on another symbol
        List<String> exhausted = List.of(whole.get(0), whole.get(2), whole.get(firstZero + 3), whole.get(299));
        exhausted.forEach(account -> positions.recordExhausted(account, symbol));
        positions.recordExhausted(whole.get(1), "XQUEUE2USDT");

        for (AdlRanking ranking : AdlRanking.values()) {
            List<String> walked = new ArrayList<>();
            PlannedQueue planned = new PlannedQueue();
            planned.learn(symbol, positions.exhausted(symbol), Map.of());
            AdlSide waterfall = planned.side(symbol, true, MARK, () -> positions.queue(symbol, true, MARK, ranking));
            waterfall.walk().forEach(c -> {
                if (waterfall.available(c).signum() > 0) {
                    walked.add(c.accountId());
                }
            });
            assertThat(walked).as(ranking + ": the ADL step passes them over").hasSize(296)
                    .doesNotContainAnyElementsOf(exhausted).contains(whole.get(1));
            for (int k : List.of(1, 2, 3, 50, 296, 1000)) {
                assertThat(positions.headWithoutExhausted(symbol, true, MARK, ranking, k))
                        .extracting(AdlCandidate::accountId).as("%s, k %d", ranking, k)
                        .containsExactlyElementsOf(walked.subList(0, Math.min(k, walked.size())));
            }
            for (int rank : List.of(1, 2, 100, 296)) {
                AdlStore.Standing s = positions.standing(symbol, true, MARK, ranking, walked.get(rank - 1))
                        .orElseThrow();
                assertThat(s.rank()).as("%s, %s", ranking, walked.get(rank - 1)).isEqualTo(rank);
                assertThat(s.sideSize()).isEqualTo(296);
            }
            for (String account : exhausted) {
                assertThat(positions.standing(symbol, true, MARK, ranking, account)).as(account + " is out").isEmpty();
            }
        }
        assertThat(positions.sideSize(symbol, true)).isEqualTo(296);

        AdlCandidate first = side.stream().filter(c -> c.accountId().equals(whole.get(0))).findFirst().orElseThrow();
        positions.applySnapshots(List.of(snapshot.apply(first, 2L)));
        assertThat(positions.sideSize(symbol, true)).as("a newer snapshot: in the queue again").isEqualTo(297);
        assertThat(positions.standing(symbol, true, MARK, AdlRanking.BINANCE, whole.get(0)).orElseThrow().rank())
                .isEqualTo(1);
        assertThat(positions.headWithoutExhausted(symbol, true, MARK, AdlRanking.BINANCE, 2))
                .extracting(AdlCandidate::accountId).containsExactly(whole.get(0), whole.get(1));
    }

    private List<String> ranked(AdlRanking ranking) {
        List<AdlCandidate> side = jdbc.query("SELECT " + AdlStore.CANDIDATE + " FROM " + AdlStore.side(true),
                (rs, i) -> AdlStore.candidate(rs, MARK), MARK, SYMBOL);
        return AdlQueue.rank(side, ranking).stream()
                .map(r -> r.candidate().accountId()).toList();
    }

    private static PositionMark mark(String symbol, BigDecimal size, BigDecimal entry) {
        BigDecimal notional = size.abs().multiply(MARK);
        return new PositionMark(symbol, size, entry, MARK, notional, size.multiply(MARK.subtract(entry)),
                BigDecimal.ZERO, MarginMode.CROSS, null, null);
    }
}
