package io.backstop.oracle.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.market.VenueTickObserved;
import io.backstop.oracle.history.PricerStates;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A pricer restored from its saved state (through the JSON it is stored as) continues exactly as if it had never
 * stopped: the same ticks at the same times give the same prices — byte for byte, scales included — while one
 * restored only from its last published price does not (the restart's divergence this state removes).
 */
class PricerStateTest {

    private static final List<String> VENUES = List.of("binance", "okx", "bybit", "coinbase", "kraken");
    private static final Instant T0 = Instant.parse("2025-10-10T21:00:00Z");

    private final List<SymbolSpec> specs = List.of(
            Specs.aggregated("BTC", VENUES).perp("BTCUSDT", Set.of("binance", "okx")).twapWindow(Duration.ofMinutes(5))
                    .markWindow(Duration.ofMinutes(1)).build(),
            Specs.derived("BTCUSDC", "BTC").build());

    @Test
    void aPricerRestoredFromItsSavedStateGivesTheSamePricesAsOneThatNeverStopped() {
        Run original = new Run(T0);
        Random market = new Random(7);
        original.play(market, 0, 400);

        Run restored = new Run(original.clock.instant());
        Map<String, SymbolPricer.State> saved = original.engine.states();
        saved.forEach((symbol, state) -> restored.engine.pricer(symbol).orElseThrow()
                .restore(PricerStates.fromJson(PricerStates.toJson(state))));
        Run fromPublished = new Run(original.clock.instant());
        original.engine.pricers().forEach(p -> p.lastPublished().ifPresent(last ->
                fromPublished.engine.pricer(p.spec().symbol()).orElseThrow().restore(last, List.of())));
        original.published.clear();

        long seed = market.nextLong();
        original.play(new Random(seed), 400, 700);
        restored.play(new Random(seed), 400, 700);
        fromPublished.play(new Random(seed), 400, 700);

        assertThat(original.published).hasSizeGreaterThan(100);
        assertThat(restored.published).as("restored from its state").isEqualTo(original.published);
        assertThat(fromPublished.published).as("restored from the last published price only")
                .isNotEqualTo(original.published);
    }

    @Test
    void theStateSurvivesItsJsonExactly() {
        Run run = new Run(T0);
        run.play(new Random(3), 0, 200);
        for (SymbolPricer.State state : run.engine.states().values()) {
            SymbolPricer.State back = PricerStates.fromJson(PricerStates.toJson(state));
            assertThat(back).isEqualTo(state);
            assertThat(PricerStates.toJson(back)).isEqualTo(PricerStates.toJson(state));
        }
    }

    /** An engine on its own clock, stepped like the simulation: ticks, then the timer, every 250 ms. */
    private final class Run {
        final TestClock clock;
        final PricingEngine engine;
        final List<PriceSnapshot> published = new ArrayList<>();

        Run(Instant start) {
            clock = new TestClock(start);
            engine = new PricingEngine(specs, clock, new OracleObserver() {
            });
            engine.publishTo(published::add);
        }

        /** Steps {@code from} to {@code to}: a random walk of the venues (one sometimes silent) and of the perp. */
        void play(Random market, int from, int to) {
            for (int step = from; step < to; step++) {
                clock.set(T0.plusMillis(250L * step));
                Instant now = clock.instant();
                BigDecimal level = BigDecimal.valueOf(60000 + 40 * Math.sin(step / 17.0) + market.nextInt(30));
                for (String venue : VENUES) {
                    if (market.nextInt(5) > 0) {
                        engine.onTick(tick(venue, "BTC", level.add(BigDecimal.valueOf(market.nextInt(7) - 3, 1)), now));
                    }
                }
                if (market.nextBoolean()) {
                    engine.onTick(tick("binance", "BTCUSDT", level.add(BigDecimal.valueOf(market.nextInt(90), 1)), now));
                }
                engine.evaluateAll();
            }
        }
    }

    private static VenueTickObserved tick(String venue, String symbol, BigDecimal last, Instant at) {
        return new VenueTickObserved(venue, symbol, null, null, last, at);
    }
}
