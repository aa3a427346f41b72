package io.backstop.oracle.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PricingEngineTest {

    private static final List<String> SEVEN = List.of("binance", "okx", "bybit", "coinbase", "kraken", "bitget", "gate");
    private static final List<String> FIVE = List.of("binance", "okx", "bybit", "coinbase", "kraken");

    private final TestClock clock = new TestClock(Instant.parse("2025-10-10T21:00:00Z"));
    private final List<PriceSnapshot> published = new ArrayList<>();
    private final List<TickOutcome> ignored = new ArrayList<>();

    private PricingEngine engine(SymbolSpec... specs) {
        PricingEngine engine = new PricingEngine(List.of(specs), clock, new OracleObserver() {
            @Override
            public void tickIgnored(String symbol, String venue, TickOutcome outcome) {
                ignored.add(outcome);
            }
        });
        engine.publishTo(published::add);
        return engine;
    }

    @Test
    void oneDepeggedVenueCannotMoveAStablecoinButNaiveModeOnThatVenueFollowsIt() {
        PricingEngine robust = engine(Specs.aggregated("USDE", SEVEN).build());
        SEVEN.forEach(v -> robust.onTick(tick(v, "USDE", "1.00")));
        robust.onTick(tick("binance", "USDE", "0.65"));

        PriceSnapshot price = latest(robust, "USDE");
        assertThat(price.indexPrice()).isEqualByComparingTo("1.00");
        assertThat(price.status()).isEqualTo(PriceStatus.OK);
        assertThat(price.sources()).filteredOn(s -> s.venue().equals("binance"))
                .extracting(SourceVerdict::exclusion).containsExactly(Exclusion.OUTLIER);

        PricingEngine naive = engine(Specs.aggregated("USDE", SEVEN).mode(SymbolSpec.Mode.NAIVE)
                .naiveVenue("binance").build());
        SEVEN.forEach(v -> naive.onTick(tick(v, "USDE", "1.00")));
        naive.onTick(tick("binance", "USDE", "0.65"));
        assertThat(latest(naive, "USDE").indexPrice()).isEqualByComparingTo("0.65");
        assertThat(latest(naive, "USDE").markPrice()).isEqualByComparingTo("0.65");
    }

    @Test
    void aDepegOnEveryVenueDoesMoveTheIndex() {
        PricingEngine engine = engine(Specs.aggregated("USDE", SEVEN).build());
        SEVEN.forEach(v -> engine.onTick(tick(v, "USDE", "1.00")));
        clock.advance(Duration.ofSeconds(1));
        SEVEN.forEach(v -> engine.onTick(tick(v, "USDE", "0.93")));

        assertThat(latest(engine, "USDE").indexPrice()).isEqualByComparingTo("0.93");
    }

    @Test
    void aConfiguredFloorHoldsTheIndexAndShowsTheUnflooredPrice() {
        PricingEngine engine = engine(Specs.aggregated("USDE", SEVEN).floor(new BigDecimal("0.95")).build());
        SEVEN.forEach(v -> engine.onTick(tick(v, "USDE", "0.90")));

        PriceSnapshot price = latest(engine, "USDE");
        assertThat(price.indexPrice()).isEqualByComparingTo("0.95");
        assertThat(price.marketPrice()).isEqualByComparingTo("0.90");
    }

    @Test
    void aWrappedAssetIsPricedAsUnderlyingTimesRateNeverByItsOwnThinPair() {
        PricingEngine engine = engine(Specs.aggregated("ETH", FIVE).build(),
                Specs.wrapped("WBETH", "ETH", "binance-staking", "0.15", List.of("binance")).build());
        FIVE.forEach(v -> engine.onTick(tick(v, "ETH", "3800")));
        engine.onRate(new ConversionRateObserved("WBETH", "ETH", new BigDecimal("1.07"), "binance-staking",
                clock.instant()));
        // wBETH's own pair trades 20% below ETH x rate
        engine.onTick(tick("binance", "WBETH", "3252.80"));

        PriceSnapshot wbeth = latest(engine, "WBETH");
        assertThat(wbeth.indexPrice()).isEqualByComparingTo("4066"); // 3800 x 1.07
        assertThat(wbeth.marketPrice()).isEqualByComparingTo("3252.80");
        assertThat(wbeth.status()).isEqualTo(PriceStatus.OK);
        assertThat(wbeth.sources()).extracting(SourceVerdict::venue, SourceVerdict::exclusion).containsExactly(
                org.assertj.core.groups.Tuple.tuple("binance-staking", null),
                org.assertj.core.groups.Tuple.tuple("binance", Exclusion.WRAPPED_MARKET_PAIR));

        PricingEngine naive = engine(Specs.aggregated("ETH", FIVE).build(),
                Specs.wrapped("WBETH", "ETH", "binance-staking", "0.15", List.of("binance"))
                        .mode(SymbolSpec.Mode.NAIVE).build());
        FIVE.forEach(v -> naive.onTick(tick(v, "ETH", "3800")));
        naive.onTick(tick("binance", "WBETH", "3252.80"));
        assertThat(latest(naive, "WBETH").indexPrice()).isEqualByComparingTo("3252.80");
    }

    @Test
    void aWrappedAssetFollowsItsUnderlyingIndex() {
        PricingEngine engine = engine(Specs.aggregated("ETH", FIVE).build(),
                Specs.wrapped("WBETH", "ETH", "binance-staking", "0.15", List.of("binance")).build());
        engine.onRate(new ConversionRateObserved("WBETH", "ETH", new BigDecimal("1.05"), "binance-staking",
                clock.instant()));
        FIVE.forEach(v -> engine.onTick(tick(v, "ETH", "4000")));
        clock.advance(Duration.ofSeconds(2));
        FIVE.forEach(v -> engine.onTick(tick(v, "ETH", "3000")));

        assertThat(latest(engine, "WBETH").indexPrice()).isEqualByComparingTo("3150");
    }

    @Test
    void aConversionRateCannotGrowFasterThanItsCap() {
        PricingEngine engine = engine(Specs.aggregated("ETH", FIVE).build(),
                Specs.wrapped("WBETH", "ETH", "binance-staking", "0.10", List.of("binance")).build());
        engine.onRate(new ConversionRateObserved("WBETH", "ETH", new BigDecimal("1.0"), "binance-staking",
                clock.instant()));
        // 36.5 days later a rate 50% higher: at most 10%/year x 0.1 year = +1% is accepted
        clock.advance(Duration.ofMillis(Duration.ofDays(365).toMillis() / 10));
        ConversionRateObserved jump = new ConversionRateObserved("WBETH", "ETH", new BigDecimal("1.5"),
                "binance-staking", clock.instant());

        assertThat(engine.onRate(jump)).isEqualTo(SymbolPricer.RateOutcome.CAPPED);
        assertThat(engine.pricer("WBETH").orElseThrow().rate()).hasValueSatisfying(
                rate -> assertThat(rate).isEqualByComparingTo("1.01"));
        clock.advance(Duration.ofDays(4));
        assertThat(engine.onRate(new ConversionRateObserved("WBETH", "ETH", new BigDecimal("2"), "someone-else",
                clock.instant()))).isEqualTo(SymbolPricer.RateOutcome.UNTRUSTED_SOURCE);
    }

    @Test
    void aRateFromBeyondTheToleranceIsIgnoredLikeATickAndDoesNotHoldBackTheRealOnes() {
        List<String> reasons = new ArrayList<>();
        PricingEngine engine = new PricingEngine(List.of(Specs.aggregated("ETH", FIVE).build(),
                Specs.wrapped("WBETH", "ETH", "binance-staking", "0.10", List.of("binance"))
                        .futureTolerance(Duration.ofSeconds(2)).build()), clock, new OracleObserver() {
                    @Override
                    public void rateIgnored(String asset, String reason) {
                        reasons.add(reason);
                    }
                });
        SymbolPricer wbeth = engine.pricer("WBETH").orElseThrow();

        assertThat(engine.onRate(rate("1.5", clock.instant().plus(Duration.ofDays(365)))))
                .isEqualTo(SymbolPricer.RateOutcome.FUTURE_TIMESTAMP);
        assertThat(engine.onRate(rate("1.06", clock.instant().plusMillis(2001))))
                .isEqualTo(SymbolPricer.RateOutcome.FUTURE_TIMESTAMP);
        assertThat(wbeth.acceptedRate()).isEmpty();

        assertThat(engine.onRate(rate("1.05", clock.instant()))).isEqualTo(SymbolPricer.RateOutcome.ACCEPTED);
        assertThat(engine.onRate(rate("1.05", clock.instant().plusSeconds(2))))
                .as("at the tolerance, not beyond it").isEqualTo(SymbolPricer.RateOutcome.ACCEPTED);
        assertThat(wbeth.acceptedRate()).hasValue(
                new SymbolPricer.AcceptedRate(new BigDecimal("1.05"), clock.instant().plusSeconds(2)));
        assertThat(reasons).containsExactly("FUTURE_TIMESTAMP", "FUTURE_TIMESTAMP");
    }

    private static ConversionRateObserved rate(String rate, Instant observedAt) {
        return new ConversionRateObserved("WBETH", "ETH", new BigDecimal(rate), "binance-staking", observedAt);
    }

    @Test
    void whenEverySourceGoesStaleTheLastTrustedPriceIsKeptWithItsAgeUntilQuorumReturns() {
        PricingEngine engine = engine(Specs.aggregated("BTC", FIVE).build());
        FIVE.forEach(v -> engine.onTick(tick(v, "BTC", "65000")));
        Instant trustedAt = clock.instant();

        clock.advance(Duration.ofSeconds(15));
        engine.evaluateAll();
        PriceSnapshot stale = latest(engine, "BTC");
        assertThat(stale.status()).isEqualTo(PriceStatus.STALE);
        assertThat(stale.indexPrice()).isEqualByComparingTo("65000");
        assertThat(stale.lastTrustedAt()).isEqualTo(trustedAt);
        assertThat(stale.age()).isEqualTo(Duration.ofSeconds(15));

        engine.onTick(tick("binance", "BTC", "50000")); // one venue back: not enough, never a lone venue's price
        assertThat(latest(engine, "BTC").status()).isEqualTo(PriceStatus.DEGRADED);
        assertThat(latest(engine, "BTC").indexPrice()).isEqualByComparingTo("65000");

        engine.onTick(tick("okx", "BTC", "64000"));
        engine.onTick(tick("bybit", "BTC", "64010"));
        engine.onTick(tick("kraken", "BTC", "63990"));
        PriceSnapshot back = latest(engine, "BTC");
        assertThat(back.status()).isEqualTo(PriceStatus.OK);
        assertThat(back.indexPrice()).isEqualByComparingTo("64000");
        assertThat(published).extracting(PriceSnapshot::status)
                .containsSubsequence(PriceStatus.OK, PriceStatus.STALE, PriceStatus.DEGRADED, PriceStatus.OK);
    }

    @Test
    void aSymbolNeverTrustedPublishesNothingEvenWithOneVenue() {
        PricingEngine engine = engine(Specs.aggregated("SOL", FIVE).build());
        engine.onTick(tick("binance", "SOL", "150"));
        engine.onTick(tick("okx", "SOL", "151"));

        assertThat(engine.pricer("SOL").orElseThrow().latest()).isNull();
        assertThat(published).isEmpty();
    }

    @Test
    void theMarkIsTheIndexPlusTheTimeWeightedBasisClampedToItsBand() {
        PricingEngine engine = engine(Specs.aggregated("BTC", FIVE).build(),
                Specs.derived("BTCUSDT", "BTC").perp("BTCUSDT-PERP", Set.of("exchange")).build());
        FIVE.forEach(v -> engine.onTick(tick(v, "BTC", "60000")));
        assertThat(latest(engine, "BTCUSDT").markPrice()).as("no perpetual quote yet").isEqualByComparingTo("60000");

        engine.onTick(tick("exchange", "BTCUSDT-PERP", "60060")); // basis +60
        clock.advance(Duration.ofSeconds(10));
        engine.onTick(tick("exchange", "BTCUSDT-PERP", "60000")); // basis 0 from here
        clock.advance(Duration.ofSeconds(10));
        engine.evaluateAll();
        // time-weighted: +60 for 10 s, 0 for 10 s -> +30
        assertThat(latest(engine, "BTCUSDT").markPrice()).isEqualByComparingTo("60030");
        assertThat(latest(engine, "BTCUSDT").indexPrice()).isEqualByComparingTo("60000");

        engine.onTick(tick("exchange", "BTCUSDT-PERP", "90000")); // a wild perp print
        clock.advance(Duration.ofSeconds(150));
        engine.onTick(tick("exchange", "BTCUSDT-PERP", "90000"));
        FIVE.forEach(v -> engine.onTick(tick(v, "BTC", "60000")));
        assertThat(latest(engine, "BTCUSDT").markPrice()).as("clamped to +0.5%").isEqualByComparingTo("60300");
    }

    @Test
    void theTwapIsTimeWeightedOverItsWindow() {
        PricingEngine engine = engine(Specs.aggregated("ETH", FIVE).build());
        FIVE.forEach(v -> engine.onTick(tick(v, "ETH", "4000")));
        clock.advance(Duration.ofSeconds(60));
        FIVE.forEach(v -> engine.onTick(tick(v, "ETH", "3000")));
        clock.advance(Duration.ofSeconds(180));
        engine.evaluateAll();

        // 60 s at 4000 and 180 s at 3000 -> 3250
        assertThat(latest(engine, "ETH").twap()).isEqualByComparingTo("3250");
    }

    @Test
    void publishesOnDeviationOrHeartbeatOnlyWithIncreasingSequences() {
        PricingEngine engine = engine(Specs.aggregated("BTC", FIVE).build());
        FIVE.forEach(v -> engine.onTick(tick(v, "BTC", "65000")));
        int afterFirst = published.size();
        clock.advance(Duration.ofMillis(100));
        engine.onTick(tick("binance", "BTC", "65001")); // moves nothing: the median is unchanged
        engine.onTick(tick("okx", "BTC", "65001"));
        engine.onTick(tick("bybit", "BTC", "65001")); // index +1: 0.0015% < 0.05% threshold
        assertThat(published).hasSize(afterFirst);

        clock.advance(Duration.ofMillis(100));
        FIVE.forEach(v -> engine.onTick(tick(v, "BTC", "65100"))); // +0.15%: published
        assertThat(published).hasSizeGreaterThan(afterFirst);
        int afterMove = published.size();

        clock.advance(Duration.ofSeconds(1));
        engine.evaluateAll(); // heartbeat
        assertThat(published).hasSize(afterMove + 1);
        assertThat(published).extracting(PriceSnapshot::sequence).isSorted().doesNotHaveDuplicates();
        assertThat(published.get(0).sequence()).isEqualTo(1);
    }

    @Test
    void badTicksAreIgnoredWithAReason() {
        PricingEngine engine = engine(Specs.aggregated("BTC", FIVE).build());
        VenueTickObserved good = tick("binance", "BTC", "65000");

        assertThat(engine.onTick(good)).isEqualTo(TickOutcome.ACCEPTED);
        assertThat(engine.onTick(good)).isEqualTo(TickOutcome.DUPLICATE);
        assertThat(engine.onTick(tickAt("binance", "BTC", "64000", clock.instant().minusMillis(1))))
                .isEqualTo(TickOutcome.OUT_OF_ORDER);
        assertThat(engine.onTick(tickAt("okx", "BTC", "64000", clock.instant().plusSeconds(60))))
                .isEqualTo(TickOutcome.FUTURE_TIMESTAMP);
        assertThat(engine.onTick(tickAt("okx", "BTC", "64000", clock.instant().minusSeconds(60))))
                .isEqualTo(TickOutcome.STALE_ON_ARRIVAL);
        assertThat(engine.onTick(tick("mtgox", "BTC", "1"))).isEqualTo(TickOutcome.UNKNOWN_VENUE);
        assertThat(engine.onTick(tick("binance", "DOGE", "0.1"))).isEqualTo(TickOutcome.UNKNOWN_SYMBOL);
        assertThat(ignored).containsExactly(TickOutcome.DUPLICATE, TickOutcome.OUT_OF_ORDER,
                TickOutcome.FUTURE_TIMESTAMP, TickOutcome.STALE_ON_ARRIVAL, TickOutcome.UNKNOWN_VENUE,
                TickOutcome.UNKNOWN_SYMBOL);
    }

    @Test
    void theSameInputsAtTheSameTimesGiveTheSamePrices() {
        List<PriceSnapshot> first = replay();
        List<PriceSnapshot> second = replay();

        assertThat(second).isEqualTo(first).isNotEmpty();
    }

    private List<PriceSnapshot> replay() {
        TestClock replayClock = new TestClock(Instant.parse("2025-10-10T21:00:00Z"));
        List<PriceSnapshot> out = new ArrayList<>();
        PricingEngine engine = new PricingEngine(List.of(Specs.aggregated("BTC", SEVEN).build(),
                Specs.derived("BTCUSDT", "BTC").perp("BTCUSDT-PERP", Set.of("exchange")).build()), replayClock,
                OracleObserver.NONE);
        engine.publishTo(out::add);
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            replayClock.advance(Duration.ofMillis(random.nextInt(200)));
            String venue = SEVEN.get(random.nextInt(SEVEN.size()));
            String price = BigDecimal.valueOf(60000 + random.nextInt(2000)).toPlainString();
            engine.onTick(new VenueTickObserved(venue, "BTC", null, null, new BigDecimal(price),
                    replayClock.instant()));
            if (i % 3 == 0) {
                engine.onTick(new VenueTickObserved("exchange", "BTCUSDT-PERP", null, null,
                        new BigDecimal(price).add(BigDecimal.TEN), replayClock.instant()));
            }
            if (i % 50 == 0) {
                engine.evaluateAll();
            }
        }
        return out;
    }

    private PriceSnapshot latest(PricingEngine engine, String symbol) {
        return engine.pricer(symbol).orElseThrow().latest();
    }

    private VenueTickObserved tick(String venue, String symbol, String last) {
        return tickAt(venue, symbol, last, clock.instant());
    }

    private static VenueTickObserved tickAt(String venue, String symbol, String last, Instant at) {
        return new VenueTickObserved(venue, symbol, null, null, new BigDecimal(last), at);
    }
}
