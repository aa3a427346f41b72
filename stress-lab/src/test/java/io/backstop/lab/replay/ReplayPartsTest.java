package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.Scenarios;
import io.backstop.lab.scenario.World;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReplayPartsTest {

    private final Scenario oct = Scenarios.load("oct-2025");
    private static final Map<String, BigDecimal> T0 = Map.of("USDT", BigDecimal.ONE, "USDE", BigDecimal.ONE,
            "BTC", new BigDecimal("121000"), "ETH", new BigDecimal("4350"), "WBETH", new BigDecimal("4703.22"));
    private static final Map<String, Double> PERPS = new java.util.LinkedHashMap<>(Map.of("BTCUSDT", 0.6));
    private static final Map<String, String> INDEX = Map.of("BTCUSDT", "BTC", "ETHUSDT", "ETH");

    static {
        PERPS.put("ETHUSDT", 0.4);
    }

    @Test
    void theFeedPublishesEveryVenuesTickAndTheWrappersRate() {
        World world = new World(oct);
        Instant now = Instant.parse("2025-10-10T20:01:00Z");
        List<World.Tick> ticks = world.advance(1);
        WorldFeed feed = new WorldFeed(oct);
        List<EventEnvelope<?>> events = feed.ticks(ticks, now);
        assertThat(events).hasSize(ticks.size());
        VenueTickObserved perp = events.stream().map(e -> (VenueTickObserved) e.payload())
                .filter(t -> t.symbol().equals("BTCUSDT-PERP")).findFirst().orElseThrow();
        assertThat(perp.venue()).isEqualTo("exchange");
        assertThat(perp.last().doubleValue()).isCloseTo(world.price("BTCUSDT-PERP", "exchange"), within(0.01));
        assertThat(perp.bid()).isLessThan(perp.last());
        assertThat(perp.ask()).isGreaterThan(perp.last());
        assertThat(perp.venueTime()).isEqualTo(now);
        assertThat(feed.rates(now)).singleElement().satisfies(e -> {
            ConversionRateObserved rate = (ConversionRateObserved) e.payload();
            assertThat(rate.asset()).isEqualTo("WBETH");
            assertThat(rate.underlying()).isEqualTo("ETH");
            assertThat(rate.rate()).isEqualByComparingTo("1.0812");
            assertThat(rate.source()).isEqualTo("binance-staking");
        });
    }

    @Test
    void atTrueValueEveryFreshTraderCoversMaintenanceAndALeveragedLongNoLongerDoesAfterTheCrash() {
        World world = new World(oct);
        TrueValue trueValue = TrueValue.of(oct);
        Map<String, BigDecimal> prices = Map.of("USDT", BigDecimal.ONE, "USDE", BigDecimal.ONE,
                "BTC", BigDecimal.valueOf(world.honest("BTC")), "ETH", BigDecimal.valueOf(world.honest("ETH")),
                "WBETH", BigDecimal.valueOf(world.honest("WBETH")));
        List<TraderPopulation.Trader> traders = TraderPopulation.generate(oct, "t", 500, prices, PERPS, INDEX);
        assertThat(traders).allMatch(t -> trueValue.coversMaintenance(t, world, INDEX));
        TraderPopulation.Trader longBtc = traders.stream().filter(t -> t.side() == Side.BUY && t.leverage() >= 50
                && t.symbol().equals("BTCUSDT")).findFirst().orElseThrow();
        while (world.minute() < 120) {
            world.advance(1);
        }
        assertThat(trueValue.coversMaintenance(longBtc, world, INDEX)).isFalse();
    }

    @Test
    void tradersAreDrawnFromTheSeedWithTheScenariosMixAndCollateralCoveringTheirMargin() {
        List<TraderPopulation.Trader> a = TraderPopulation.generate(oct, "r", 2000, T0, PERPS, INDEX);
        assertThat(TraderPopulation.generate(oct, "r", 2000, T0, PERPS, INDEX)).isEqualTo(a);

        double longs = a.stream().filter(t -> t.side() == Side.BUY).count() / 2000.0;
        assertThat(longs).isCloseTo(oct.traders().longShare(), within(0.04));
        Map<Integer, Long> byLeverage = a.stream().collect(Collectors.groupingBy(TraderPopulation.Trader::leverage,
                Collectors.counting()));
        oct.traders().leverage().forEach((lev, weight) ->
                assertThat(byLeverage.getOrDefault(Integer.parseInt(lev), 0L) / 2000.0).as("leverage " + lev)
                        .isCloseTo(weight, within(0.04)));
        for (TraderPopulation.Trader t : a) {
            BigDecimal value = t.collateral().entrySet().stream()
                    .map(e -> e.getValue().multiply(T0.get(e.getKey()))).reduce(BigDecimal.ZERO, BigDecimal::add);
            BigDecimal margin = t.notional().divide(BigDecimal.valueOf(t.leverage()), 8, RoundingMode.UP);
            // the collateral covers the initial margin with the cushion, to rounding
            assertThat(value).isGreaterThanOrEqualTo(margin.multiply(new BigDecimal("1.0999")));
            assertThat(t.quantity()).isPositive();
            assertThat(t.collateral().values()).allMatch(v -> v.signum() > 0);
        }
    }
}
