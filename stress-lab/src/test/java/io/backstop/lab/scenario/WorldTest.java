package io.backstop.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorldTest {

    private final Scenario oct = Scenarios.load("oct-2025");

    @Test
    void theBuiltInScenarioLoadsWithEveryPart() {
        assertThat(oct.name()).isEqualTo("oct-2025");
        assertThat(oct.markets()).extracting(Scenario.Market::symbol)
                .contains("BTC", "ETH", "USDE", "WBETH", "BTCUSDT-PERP", "ETHUSDT-PERP");
        assertThat(oct.manipulations()).singleElement().satisfies(m -> {
            assertThat(m.venue()).isEqualTo("binance");
            assertThat(m.notional()).isEqualTo(100_000); // the day's $60M, scaled 1:600 with the population
        });
        assertThat(oct.insuranceFund()).containsEntry("majors", 200_000.0);
        assertThat(oct.traders().accounts()).isEqualTo(300); // what the books, the sale and the fund are sized for
        assertThat(oct.start()).isEqualTo(java.time.Instant.parse("2025-10-10T20:00:00Z"));
    }

    @Test
    void thinBooksCrashesInThreeMinutesOntoBooksAHundredTimesThinnerWithAnAlmostEmptyFund() {
        Scenario thin = Scenarios.load("thin-books");
        assertThat(thin.minutes()).isEqualTo(5.0);
        assertThat(thin.insuranceFund()).containsEntry("majors", 300.0);
        assertThat(thin.traders().longShare()).isEqualTo(0.97); // the few shorts: ADL's queue, soon used up
        World world = new World(thin);
        World day = new World(oct);
        advanceTo(world, 3);
        advanceTo(day, 3);
        assertThat(world.honest("BTC") / 121_000).isCloseTo(0.88, within(0.01));
        assertThat(world.honest("ETH") / 4_350).isCloseTo(0.85, within(0.01));
        // the same close on the exchange's own book moves its price far more than on oct-2025's
        assertThat(move(world)).isGreaterThan(20 * move(day));
    }

    /** How far selling 50,000 USDT of BTC on the exchange's own book moves its price. */
    private static double move(World world) {
        double before = world.price("BTCUSDT-PERP", "exchange");
        return 1 - world.sell("BTCUSDT-PERP", "exchange", 50_000).priceAfter() / before;
    }

    @Test
    void theSameSeedGivesTheSameTicksAndAnotherSeedOthers() {
        List<World.Tick> a = run(oct, 200);
        List<World.Tick> b = run(oct, 200);
        assertThat(a).isEqualTo(b);
        Scenario reseeded = oct.with(oct.seed() + 1, null);
        assertThat(run(reseeded, 200)).isNotEqualTo(a);
    }

    @Test
    void theSaleIntoOneThinBookPushesUsdeToAbout065ThereOnly() {
        World world = new World(oct);
        advanceTo(world, 74.5);
        assertThat(world.price("USDE", "binance")).isCloseTo(1.0, within(0.01));
        advanceTo(world, 75.5);
        assertThat(world.price("USDE", "binance")).isCloseTo(0.65, within(0.01));
        for (String venue : List.of("okx", "bybit", "coinbase", "kraken", "bitget", "gate")) {
            assertThat(world.price("USDE", venue)).as(venue).isCloseTo(1.0, within(0.005));
        }
        assertThat(world.honest("USDE")).isCloseTo(1.0, within(0.005));
        // arbitrage brings it back over its recovery half-life (60 simulated minutes)
        advanceTo(world, 135.5);
        assertThat(world.price("USDE", "binance")).isCloseTo(1 - 0.35 / 2, within(0.02));
    }

    @Test
    void wbethTradesTwentyPercentBelowEthTimesRateOnItsOwnPairDuringTheCascade() {
        World world = new World(oct);
        advanceTo(world, 100);
        double fair = world.honest("ETH") * 1.0812;
        assertThat(world.honest("WBETH")).isCloseTo(fair, within(fair * 1e-12));
        assertThat(world.price("WBETH", "binance") / fair).isCloseTo(0.80, within(0.001));
        advanceTo(world, 480);
        assertThat(world.price("WBETH", "binance") / (world.honest("ETH") * 1.0812)).isCloseTo(1.0, within(0.001));
    }

    @Test
    void whenMarketMakersWithdrawTheSameSaleMovesThePriceMoreAndDepthComesBack() {
        World before = new World(oct);
        advanceTo(before, 59);
        World after = new World(oct);
        advanceTo(after, 61);
        assertThat(after.depth()).isLessThan(0.5);
        double impactBefore = impactOfSelling(before, 10_000_000);
        double impactAfter = impactOfSelling(after, 10_000_000);
        assertThat(impactAfter).isGreaterThan(2 * impactBefore);
        advanceTo(after, 400);
        assertThat(after.depth()).isEqualTo(1.0);
    }

    @Test
    void liquidationSalesOnTheExchangeMoveItsPriceAndTheImpactFades() {
        World world = new World(oct);
        advanceTo(world, 10);
        double honest = world.honest("BTCUSDT-PERP");
        World.Sale sale = world.sell("BTCUSDT-PERP", "exchange", 20_000_000);
        // 20M into 2M levels of 5 bps: 0.5% down; the average between the price before and after
        assertThat(sale.priceAfter() / honest).isCloseTo(0.995, within(1e-9));
        assertThat(sale.averagePrice()).isBetween(sale.priceAfter(), honest);
        advanceTo(world, 40); // three recovery half-lives
        assertThat(world.price("BTCUSDT-PERP", "exchange") / world.honest("BTCUSDT-PERP"))
                .isCloseTo(1 - 0.005 / 8, within(1e-4));
        // a buy moves it back up
        double now = world.price("BTCUSDT-PERP", "exchange");
        assertThat(world.buy("BTCUSDT-PERP", "exchange", 4_000_000).priceAfter()).isGreaterThan(now);
    }

    @Test
    void anIocOrderFillsOnlyWhatItsLimitAllowsAndMovesTheBook() {
        World world = new World(oct);
        advanceTo(world, 10);
        double mid = world.price("ETHUSDT-PERP", "exchange");
        // a sell limited 0.1% under the mid in a book of 1M per 5 bps: about 1.6M of notional can go
        World.Fill partial = world.fillIoc("ETHUSDT-PERP", "exchange", true, 10_000, mid * 0.999);
        assertThat(partial.quantity()).isGreaterThan(0).isLessThan(10_000);
        assertThat(partial.averagePrice()).isGreaterThanOrEqualTo(mid * 0.999);
        assertThat(world.price("ETHUSDT-PERP", "exchange")).isLessThan(mid);
        // nothing more fits under that limit now
        assertThat(world.fillIoc("ETHUSDT-PERP", "exchange", true, 10, mid * 0.999).quantity()).isZero();
        // a small one with room fills in full
        World.Fill all = world.fillIoc("ETHUSDT-PERP", "exchange", true, 1, mid * 0.9);
        assertThat(all.quantity()).isEqualTo(1.0);
        // a buy limited under the ask gets nothing
        assertThat(world.fillIoc("ETHUSDT-PERP", "exchange", false, 1, mid * 0.9).quantity()).isZero();
    }

    @Test
    void aScenarioThatManipulatesAnUnknownVenueIsRefusedWithTheReason() {
        assertThatThrownBy(() -> new Scenario("bad", "", 1, 10, oct.start(), oct.markets(),
                List.of(new Scenario.Manipulation("USDE", "nowhere", 1, 1)), null, null, null))
                .hasMessage("scenario bad: manipulation on nowhere, not a venue of USDE");
        assertThatThrownBy(() -> Scenarios.load("no-such-scenario")).hasMessageContaining("no scenario 'no-such-scenario'");
    }

    @Test
    void theWorldAtAMinuteIsTheSameHoweverItWasSteppedThere() {
        // the replay steps the world at every hop of the platform: how many steps must not change the market
        World coarse = new World(oct);
        World fine = new World(oct);
        coarse.advanceTo(100);
        for (double m = 0.0007; m < 100; m += 0.0007 + (m % 0.003)) {
            fine.advanceTo(m);
        }
        fine.advanceTo(100);
        for (String market : List.of("BTC", "ETH", "USDE", "WBETH", "BTCUSDT-PERP")) {
            assertThat(fine.honest(market)).as(market).isCloseTo(coarse.honest(market), org.assertj.core.data.Offset
                    .offset(coarse.honest(market) * 1e-12));
        }
        assertThat(fine.price("USDE", "binance")).isCloseTo(coarse.price("USDE", "binance"),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(fine.depth()).isCloseTo(coarse.depth(), org.assertj.core.data.Offset.offset(1e-12));
        assertThatThrownBy(() -> coarse.advanceTo(99)).hasMessageContaining("time moves forward");
    }

    @Test
    void aScenarioScaledToMoreTradersMovesPricesAlikeWithMoreMoney() {
        Scenario bigger = oct.scaledTo(3_000);
        assertThat(oct.scale(3_000)).isEqualTo(10.0);
        assertThat(bigger.traders().accounts()).isEqualTo(3_000);
        assertThat(bigger.manipulations().get(0).notional()).isEqualTo(1_000_000);
        assertThat(bigger.insuranceFund()).containsEntry("majors", 2_000_000.0);
        World small = new World(oct);
        World large = new World(bigger);
        small.advanceTo(80);
        large.advanceTo(80);
        // the sale ten times larger into books ten times deeper: USDe on binance just as low
        assertThat(large.price("USDE", "binance")).isCloseTo(small.price("USDE", "binance"),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(small.price("USDE", "binance")).isLessThan(0.7);
        assertThatThrownBy(() -> oct.scaledTo(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<World.Tick> run(Scenario scenario, int steps) {
        World world = new World(scenario);
        List<World.Tick> ticks = new java.util.ArrayList<>();
        for (int i = 0; i < steps; i++) {
            ticks.addAll(world.advance(0.5));
        }
        return ticks;
    }

    private static void advanceTo(World world, double minute) {
        while (world.minute() < minute - 1e-9) {
            world.advance(Math.min(0.5, minute - world.minute()));
        }
    }

    private static double impactOfSelling(World world, double notional) {
        double before = world.price("BTC", "okx");
        return 1 - world.sell("BTC", "okx", notional).priceAfter() / before;
    }
}
