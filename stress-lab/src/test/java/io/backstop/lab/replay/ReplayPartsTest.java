package io.backstop.lab.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.margin.CollateralValue;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.margin.PositionMark;
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
    void aCallIsWrongfulWhenTheAccountsCollateralAtItsHonestPriceStillCoveredMaintenance() {
        // 6,000 USDT + 10,000 USDE marked at 0.65 (haircut 3%) + a long of 1 BTC bought at 121,000, marked at 110,000
        CollateralValue usdt = new CollateralValue("USDT", new BigDecimal("6000"), BigDecimal.ONE, BigDecimal.ZERO,
                new BigDecimal("6000"));
        CollateralValue usde = new CollateralValue("USDE", new BigDecimal("10000"), new BigDecimal("0.65"),
                new BigDecimal("0.03"), new BigDecimal("6305.00"));
        PositionMark btc = new PositionMark("BTCUSDT", BigDecimal.ONE, new BigDecimal("121000"), new BigDecimal("110000"),
                new BigDecimal("110000"), new BigDecimal("-11000"), new BigDecimal("550"), MarginMode.CROSS, null, null);
        // equity 6,000 + 6,305 - 11,000 = 1,305 below a maintenance of 1,500
        MarginCallIssued call = new MarginCallIssued("a", new BigDecimal("1305.00"), new BigDecimal("1500"),
                new BigDecimal("5500"), List.of(usdt, usde), List.of(btc), Map.of());

        // USDE at 1 honestly: 6,000 + 9,700 - 11,000 = 4,700 >= 1,500 -> the collateral's price caused the call
        assertThat(TrueValue.equityAtTrueValue(call, asset -> BigDecimal.ONE)).isEqualByComparingTo("4700");
        assertThat(TrueValue.coveredAtTrueValue(call, asset -> BigDecimal.ONE)).isTrue();
        // USDE honestly at 0.67: 6,000 + 6,499 - 11,000 = 1,499 -> the market caused it, not the collateral's price
        assertThat(TrueValue.equityAtTrueValue(call, asset -> new BigDecimal("0.67"))).isEqualByComparingTo("1499.00");
        assertThat(TrueValue.coveredAtTrueValue(call, asset -> new BigDecimal("0.67"))).isFalse();
        // a debt (negative balance) carries no haircut: -1,000 USDE at 1 counts -1,000
        CollateralValue owed = new CollateralValue("USDE", new BigDecimal("-1000"), new BigDecimal("0.65"),
                new BigDecimal("0.03"), new BigDecimal("-650"));
        MarginCallIssued indebted = new MarginCallIssued("b", new BigDecimal("-5650"), new BigDecimal("550"),
                new BigDecimal("5500"), List.of(usdt, owed), List.of(btc), Map.of());
        assertThat(TrueValue.equityAtTrueValue(indebted, asset -> BigDecimal.ONE)).isEqualByComparingTo("-6000");
    }

    @Test
    void onlyAMaterialUndervaluationOfTheCollateralMakesACallWrongful() {
        // 10,000 USDE at 0.995 (haircut 3%) + 5,000 USDT, a long of 1 BTC 1,000 under water: equity 13,651.5
        CollateralValue usdt = new CollateralValue("USDT", new BigDecimal("5000"), BigDecimal.ONE, BigDecimal.ZERO,
                new BigDecimal("5000"));
        CollateralValue usde = new CollateralValue("USDE", new BigDecimal("10000"), new BigDecimal("0.995"),
                new BigDecimal("0.03"), new BigDecimal("9651.50"));
        PositionMark btc = new PositionMark("BTCUSDT", BigDecimal.ONE, new BigDecimal("111000"), new BigDecimal("110000"),
                new BigDecimal("110000"), new BigDecimal("-1000"), new BigDecimal("13700"), MarginMode.CROSS, null, null);
        MarginCallIssued call = new MarginCallIssued("lagged", new BigDecimal("13651.50"), new BigDecimal("13700"),
                new BigDecimal("22000"), List.of(usdt, usde), List.of(btc), Map.of());
        // honestly at 1.0 the account had 13,700 and covered 13,700 -- but the index was only 0.5% off: the lag
        assertThat(TrueValue.coveredAtTrueValue(call, asset -> BigDecimal.ONE)).isTrue();
        assertThat(TrueValue.collateralAtTrueValue(call, asset -> BigDecimal.ONE)).isEqualByComparingTo("14700");
        assertThat(TrueValue.wrongful(call, asset -> BigDecimal.ONE)).isFalse(); // 48.5 <= 1% of 14,700
        // the same account with USDE marked at 0.65 by one venue: 3,346.5 undervalued, 23% of its collateral
        CollateralValue manipulated = new CollateralValue("USDE", new BigDecimal("10000"), new BigDecimal("0.65"),
                new BigDecimal("0.03"), new BigDecimal("6305.00"));
        MarginCallIssued dumped = new MarginCallIssued("dumped", new BigDecimal("10305.00"), new BigDecimal("13700"),
                new BigDecimal("22000"), List.of(usdt, manipulated), List.of(btc), Map.of());
        assertThat(TrueValue.wrongful(dumped, asset -> BigDecimal.ONE)).isTrue();
        // and not when, even at true value, it would not have covered: the market caused that call
        assertThat(TrueValue.wrongful(dumped, asset -> new BigDecimal("0.9"))).isFalse();
    }

    @Test
    void tradersAreDrawnFromTheSeedWithTheScenariosMixAndCollateralCoveringTheirMargin() {
        List<TraderPopulation.Trader> a = TraderPopulation.generate(oct, "r", 2000, T0, PERPS, INDEX);
        assertThat(TraderPopulation.generate(oct, "r", 2000, T0, PERPS, INDEX)).isEqualTo(a);

        double late = a.stream().filter(t -> t.opensAt() > 0).count() / 2000.0;
        assertThat(late).isCloseTo(oct.traders().lateShare(), within(0.04));
        double longs = a.stream().filter(t -> t.opensAt() == 0 && t.side() == Side.BUY).count()
                / (double) a.stream().filter(t -> t.opensAt() == 0).count();
        double lateLongs = a.stream().filter(t -> t.opensAt() > 0 && t.side() == Side.BUY).count()
                / (double) a.stream().filter(t -> t.opensAt() > 0).count();
        assertThat(lateLongs).isCloseTo(oct.traders().lateLongShare(), within(0.06));
        assertThat(a).allMatch(t -> t.opensAt() >= 0 && t.opensAt() < oct.traders().lateUntil());
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
