package io.backstop.liquidation.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.Side;
import io.backstop.markets.MarginBrackets;
import io.backstop.markets.SampleMarkets;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LiquidationMathTest {

    private static final MarginBrackets BTC = SampleMarkets.btcBrackets();
    private static final MarginBrackets ETH = SampleMarkets.ethBrackets();
    private final LiquidationPolicy policy = LiquidationPolicy.defaults();

    private static PositionState btc(String size, String entry, String mark) {
        return new PositionState("BTCUSDT", new BigDecimal(size), new BigDecimal(entry), new BigDecimal(mark), BTC, 2);
    }

    private static ScopeState scope(String equity, PositionState... positions) {
        return new ScopeState(new BigDecimal(equity), List.of(positions), Map.of());
    }

    // --- bankruptcy price ------------------------------------------------------------------------

    @Test
    void bankruptcyPriceOfALongAndAShortIsWhereTheScopesEquityIsGone() {
        // cross: 1,000 of equity behind 1 BTC at 60,000
        assertThat(LiquidationMath.bankruptcyPrice(btc("1", "61000", "60000"), new BigDecimal("1000")))
                .isEqualByComparingTo("59000");
        assertThat(LiquidationMath.bankruptcyPrice(btc("-1", "59000", "60000"), new BigDecimal("1000")))
                .isEqualByComparingTo("61000");
        // rounded on the safe side: a long's up, a short's down
        assertThat(LiquidationMath.bankruptcyPrice(btc("3", "60000", "60000"), new BigDecimal("1000")))
                .isEqualByComparingTo("59666.67");
        assertThat(LiquidationMath.bankruptcyPrice(btc("-3", "60000", "60000"), new BigDecimal("1000")))
                .isEqualByComparingTo("60333.33");
        // negative equity: beyond the mark, the market cannot take it at or better
        assertThat(LiquidationMath.bankruptcyPrice(btc("2", "60000", "60000"), new BigDecimal("-500")))
                .isEqualByComparingTo("60250");
    }

    @Test
    void isolatedBankruptcyPriceComesFromTheIsolatedMarginAlone() {
        // isolated: 2,000 margin behind 0.5 BTC long entered at 62,000, marked at 60,000 -> equity 1,000
        PositionState isolated = btc("0.5", "62000", "60000");
        BigDecimal equity = new BigDecimal("2000").add(isolated.size().multiply(new BigDecimal("-2000")));
        assertThat(LiquidationMath.bankruptcyPrice(isolated, equity)).isEqualByComparingTo("58000");
        // = entry - margin / size, whatever the mark
        assertThat(LiquidationMath.bankruptcyPrice(isolated.withMark(new BigDecimal("59000")),
                equity.subtract(new BigDecimal("500")))).isEqualByComparingTo("58000");
    }

    @Test
    void closingAllAtTheBankruptcyPriceLeavesTheScopeAtZeroToTheTick() {
        Random random = new Random(3);
        int exact = 0;
        for (int i = 0; i < 500; i++) {
            boolean isLong = random.nextBoolean();
            String size = (isLong ? "" : "-") + BigDecimal.valueOf(1 + random.nextInt(5000), 3).toPlainString();
            PositionState p = btc(size, "60000", BigDecimal.valueOf(50_000 + random.nextInt(20_000)).toPlainString());
            ScopeState scope = scope(BigDecimal.valueOf(random.nextInt(100_000), 2).toPlainString(), p);
            BigDecimal bankruptcy = LiquidationMath.bankruptcyPrice(p, scope.equity());

            BigDecimal after = scope.afterFill("BTCUSDT", p.quantity(), bankruptcy, BigDecimal.ZERO).equity();

            assertThat(after).isGreaterThanOrEqualTo(BigDecimal.ZERO);
            if (bankruptcy.signum() > 0) { // a long with more equity than notional cannot go bankrupt: 0
                exact++;
                assertThat(after).isLessThan(p.quantity().multiply(new BigDecimal("0.01")));
            }
        }
        assertThat(exact).isGreaterThan(400);
    }

    @Test
    void sharedBankruptcyPricesCloseAWholeCrossScopeAtZero() {
        PositionState eth = new PositionState("ETHUSDT", new BigDecimal("-30"), new BigDecimal("3900"),
                new BigDecimal("4000"), ETH, 2);
        ScopeState scope = scope("2500", btc("2", "61000", "60000"), eth);
        java.util.Map<String, BigDecimal> prices = LiquidationMath.bankruptcyPrices(scope);

        ScopeState after = scope.afterFill("BTCUSDT", new BigDecimal("2"), prices.get("BTCUSDT"), BigDecimal.ZERO)
                .afterFill("ETHUSDT", new BigDecimal("30"), prices.get("ETHUSDT"), BigDecimal.ZERO);

        // equity shared 120,000 : 120,000 -> 1,250 each: BTC 60,000 - 625 = 59,375; ETH 4,000 + 41.67 (floored)
        assertThat(prices.get("BTCUSDT")).isEqualByComparingTo("59375");
        assertThat(prices.get("ETHUSDT")).isEqualByComparingTo("4041.66");
        assertThat(after.positions()).isEmpty();
        assertThat(after.equity()).isBetween(BigDecimal.ZERO, new BigDecimal("0.3"));
    }

    // --- partial close ---------------------------------------------------------------------------

    @Test
    void aPartialCloseRestoresMaintenancePlusTheBufferAndNoLess() {
        Random random = new Random(7);
        int partial = 0;
        for (int i = 0; i < 2000; i++) {
            List<PositionState> positions = new ArrayList<>();
            positions.add(btc((random.nextBoolean() ? "" : "-") + BigDecimal.valueOf(1 + random.nextInt(400_000), 3)
                    .toPlainString(), "60000", BigDecimal.valueOf(55_000 + random.nextInt(10_000)).toPlainString()));
            if (random.nextBoolean()) {
                positions.add(new PositionState("ETHUSDT", BigDecimal.valueOf(1 + random.nextInt(2_000_000), 3),
                        new BigDecimal("4000"), BigDecimal.valueOf(3_500 + random.nextInt(1_000)), ETH, 2));
            }
            ScopeState probe = new ScopeState(BigDecimal.ZERO, positions, Map.of());
            BigDecimal maintenance = probe.maintenance();
            // equity between half the maintenance and the maintenance: a margin call, not a full close
            BigDecimal equity = maintenance.multiply(BigDecimal.valueOf(50 + random.nextInt(50), 2))
                    .setScale(2, RoundingMode.HALF_EVEN);
            ScopeState scope = new ScopeState(equity, positions, Map.of());

            List<LiquidationMath.Close> closes = LiquidationMath.plan(scope, policy);

            assertThat(closes).isNotEmpty();
            ScopeState after = scope;
            for (LiquidationMath.Close close : closes) {
                PositionState p = after.position(close.symbol()).orElseThrow();
                assertThat(close.side()).isEqualTo(p.size().signum() > 0 ? Side.SELL : Side.BUY);
                BigDecimal fee = policy.feeRate().multiply(close.quantity()).multiply(p.mark());
                after = after.afterFill(close.symbol(), close.quantity(), p.mark(), fee);
            }
            BigDecimal target = after.maintenance().multiply(BigDecimal.ONE.add(policy.buffer()));
            boolean everythingClosed = after.positions().isEmpty();
            if (!everythingClosed) {
                assertThat(after.equity()).as("case %d", i).isGreaterThanOrEqualTo(target);
            }
            // and no less: one unit less of the last partial close would not restore it
            LiquidationMath.Close last = closes.get(closes.size() - 1);
            if (!last.full()) {
                partial++;
                ScopeState before = scope;
                for (LiquidationMath.Close close : closes.subList(0, closes.size() - 1)) {
                    PositionState p = before.position(close.symbol()).orElseThrow();
                    before = before.afterFill(close.symbol(), close.quantity(), p.mark(),
                            policy.feeRate().multiply(close.quantity()).multiply(p.mark()));
                }
                PositionState p = before.position(last.symbol()).orElseThrow();
                BigDecimal unit = BigDecimal.ONE.movePointLeft(Math.max(p.size().stripTrailingZeros().scale(), 0));
                BigDecimal others = before.maintenance().subtract(p.maintenance());
                BigDecimal factor = BigDecimal.ONE.add(policy.buffer());
                assertThat(LiquidationMath.restores(last.quantity(), p, before.equity(), others, factor,
                        policy.feeRate())).isTrue();
                if (last.quantity().compareTo(unit) > 0) {
                    assertThat(LiquidationMath.restores(last.quantity().subtract(unit), p, before.equity(), others,
                            factor, policy.feeRate())).as("case %d: one unit less", i).isFalse();
                }
            }
        }
        assertThat(partial).as("partial closes among 2,000 random calls").isGreaterThan(500);
    }

    @Test
    void equityFarBelowMaintenanceClosesEverything() {
        ScopeState scope = scope("100", btc("10", "60000", "60000"));
        // MM at 600,000 notional is 2,950: 100 is far below half of it
        assertThat(LiquidationMath.plan(scope, policy)).singleElement().satisfies(close -> {
            assertThat(close.full()).isTrue();
            assertThat(close.quantity()).isEqualByComparingTo("10");
        });
    }

    @Test
    void theLastRoundClosesEveryPositionFullyThoseFreeingTheMostMaintenanceFirst() {
        // scopes the partial plan would only trim: the last round takes every position, whole
        Random random = new Random(11);
        int trimmed = 0;
        for (int i = 0; i < 500; i++) {
            PositionState btc = btc(BigDecimal.valueOf(1 + random.nextInt(20_000), 3).toPlainString(), "60000", "59000");
            PositionState eth = new PositionState("ETHUSDT", BigDecimal.valueOf(-(1 + random.nextInt(200_000)), 3),
                    new BigDecimal("4000"), new BigDecimal("4100"), ETH, 2);
            BigDecimal maintenance = new ScopeState(BigDecimal.ZERO, List.of(btc, eth), Map.of()).maintenance();
            ScopeState scope = new ScopeState(maintenance.multiply(new BigDecimal("0.9")), List.of(btc, eth), Map.of());
            if (LiquidationMath.plan(scope, policy).stream().allMatch(LiquidationMath.Close::full)) {
                continue;
            }
            trimmed++;
            List<LiquidationMath.Close> last = LiquidationMath.closeAll(scope);
            assertThat(last).allSatisfy(c -> assertThat(c.full()).isTrue());
            assertThat(last).extracting(LiquidationMath.Close::symbol).containsExactlyInAnyOrder("BTCUSDT", "ETHUSDT");
            assertThat(last.get(0).symbol()).isEqualTo(btc.maintenance().compareTo(eth.maintenance()) >= 0 ? "BTCUSDT"
                    : "ETHUSDT");
            for (LiquidationMath.Close c : last) {
                PositionState p = scope.position(c.symbol()).orElseThrow();
                assertThat(c.quantity()).isEqualByComparingTo(p.quantity());
                assertThat(c.side()).isEqualTo(p.size().signum() > 0 ? Side.SELL : Side.BUY);
            }
        }
        assertThat(trimmed).as("scopes the partial plan only trims").isGreaterThan(50);
    }

    @Test
    void aRemainderBelowTheMinimumNotionalIsClosedWithTheRest() {
        // 0.002 BTC (120 USDT): any partial close would leave less than 100 USDT
        ScopeState scope = scope("0.4", btc("0.002", "60000", "60000"));
        assertThat(LiquidationMath.plan(scope, policy)).singleElement()
                .satisfies(close -> assertThat(close.full()).isTrue());
    }

    // --- fills -----------------------------------------------------------------------------------

    @Test
    void feeRealizedPnlAndRemainderAddUpToTheAccountsChange() {
        // long 2 BTC entered at 61,000, equity 3,000 at mark 60,000 -> bankruptcy 58,500
        PositionState p = btc("2", "61000", "60000");
        ScopeState scope = scope("3000", p);
        BigDecimal bankruptcy = LiquidationMath.bankruptcyPrice(p, scope.equity());
        assertThat(bankruptcy).isEqualByComparingTo("58500");

        LiquidationMath.FillOutcome fill = LiquidationMath.fill(p, new BigDecimal("2"), new BigDecimal("59800"),
                bankruptcy, policy.feeRate(), 8);

        assertThat(fill.realizedPnl()).isEqualByComparingTo("-2400");     // 2 x (59,800 - 61,000)
        assertThat(fill.surplus()).isEqualByComparingTo("2600");          // 2 x (59,800 - 58,500)
        assertThat(fill.fee()).isEqualByComparingTo("598");               // 0.5% of 119,600
        assertThat(fill.remainder()).isEqualByComparingTo("2002");
        assertThat(fill.surplus()).isEqualByComparingTo(fill.fee().add(fill.remainder()));
        assertThat(fill.balanceChange()).isEqualByComparingTo("-2998");
        // closed in full, the account keeps exactly the remainder
        assertThat(scope.afterFill("BTCUSDT", new BigDecimal("2"), new BigDecimal("59800"), fill.fee()).equity())
                .isEqualByComparingTo(fill.remainder());
    }

    @Test
    void theFeeIsCappedByWhatTheFillLeavesAboveBankruptcy() {
        PositionState shortBtc = btc("-2", "59000", "60000");
        BigDecimal bankruptcy = new BigDecimal("60100");
        LiquidationMath.FillOutcome near = LiquidationMath.fill(shortBtc, new BigDecimal("2"), new BigDecimal("60090"),
                bankruptcy, policy.feeRate(), 8);
        assertThat(near.surplus()).isEqualByComparingTo("20");
        assertThat(near.fee()).isEqualByComparingTo("20");              // 0.5% would be 600.90
        assertThat(near.remainder()).isEqualByComparingTo("0");
        assertThat(near.realizedPnl()).isEqualByComparingTo("-2180");

        LiquidationMath.FillOutcome worse = LiquidationMath.fill(shortBtc, new BigDecimal("1"), new BigDecimal("60200"),
                bankruptcy, policy.feeRate(), 8);
        assertThat(worse.fee()).isEqualByComparingTo("0");
        assertThat(worse.surplus()).isEqualByComparingTo("-100");
    }

    // --- slices ----------------------------------------------------------------------------------

    @Test
    void aLargeCloseIsCutIntoSlicesThatSumExactly() {
        assertThat(LiquidationMath.slices(new BigDecimal("5"), new BigDecimal("60000"), policy))
                .containsExactly(new BigDecimal("5"));                   // 300,000: one order
        assertThat(LiquidationMath.slices(new BigDecimal("10"), new BigDecimal("60000"), policy))
                .containsExactly(new BigDecimal("2"), new BigDecimal("2"), new BigDecimal("2"), new BigDecimal("2"),
                        new BigDecimal("2"));
        List<BigDecimal> odd = LiquidationMath.slices(new BigDecimal("10.007"), new BigDecimal("60000"), policy);
        assertThat(odd).hasSize(5).first().isEqualTo(new BigDecimal("2.002"));
        assertThat(odd.stream().reduce(BigDecimal.ZERO, BigDecimal::add)).isEqualByComparingTo("10.007");
    }
}
