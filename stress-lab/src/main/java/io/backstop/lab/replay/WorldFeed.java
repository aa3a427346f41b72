package io.backstop.lab.replay;

import io.backstop.events.EventEnvelope;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.lab.scenario.Scenario;
import io.backstop.lab.scenario.World;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the simulated world publishes to Backstop: every venue's tick on {@code market.ticks} (a
 * perpetual's book as the oracle knows it, {@code BTCUSDT-PERP} at venue {@code exchange}), and the
 * conversion rate of every wrapper with a rate source on {@code market.rates}. Prices go out with ten
 * significant digits, stamped with the real time the oracle judges staleness by.
 */
public final class WorldFeed {

    private static final MathContext DIGITS = new MathContext(10);

    private final Scenario scenario;

    public WorldFeed(Scenario scenario) {
        this.scenario = scenario;
    }

    public List<EventEnvelope<?>> ticks(List<World.Tick> ticks, Instant now) {
        List<EventEnvelope<?>> events = new ArrayList<>(ticks.size());
        for (World.Tick t : ticks) {
            events.add(EventEnvelope.of(new VenueTickObserved(t.venue(), t.symbol(), decimal(t.bid()), decimal(t.ask()),
                    decimal(t.last()), now), now, null, null));
        }
        return events;
    }

    public List<EventEnvelope<?>> rates(Instant now) {
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (Scenario.Market m : scenario.markets()) {
            if (m.wrapped() != null && m.rateSource() != null) {
                events.add(EventEnvelope.of(new ConversionRateObserved(m.symbol(), m.wrapped(), decimal(m.rate()),
                        m.rateSource(), now), now, null, null));
            }
        }
        return events;
    }

    static BigDecimal decimal(double value) {
        return new BigDecimal(value, DIGITS).stripTrailingZeros();
    }
}
