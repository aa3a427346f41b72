package io.backstop.oracle.pricing;

import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All configured symbols: routes each venue tick to the symbol (and role) it feeds, re-evaluates that
 * symbol and the symbols derived from it, and re-evaluates everything on a timer so staleness and
 * heartbeats happen without ticks. The clock is injected: the same inputs at the same times give the
 * same prices. Thread-safe (each symbol has its own lock); a flood of ticks on one symbol holds only
 * that symbol's lock.
 */
public final class PricingEngine {

    private final Map<String, SymbolPricer> pricers = new LinkedHashMap<>();
    private final Map<String, List<Route>> routes = new LinkedHashMap<>();
    private final Map<String, List<SymbolPricer>> dependents = new LinkedHashMap<>();
    private final Clock clock;
    private final OracleObserver observer;
    private volatile PriceSink sink = price -> { };

    record Route(SymbolPricer pricer, SymbolPricer.Role role) {
    }

    public PricingEngine(List<SymbolSpec> specs, Clock clock, OracleObserver observer) {
        this.clock = clock;
        this.observer = observer;
        for (SymbolSpec spec : specs) {
            pricers.put(spec.symbol(), new SymbolPricer(spec));
        }
        for (SymbolPricer pricer : pricers.values()) {
            SymbolSpec spec = pricer.spec();
            switch (spec.kind()) {
                case AGGREGATED -> route(spec.symbol(), pricer, SymbolPricer.Role.INDEX);
                case DERIVED -> dependents.computeIfAbsent(spec.indexFrom(), k -> new ArrayList<>()).add(pricer);
                case WRAPPED -> {
                    route(spec.symbol(), pricer, SymbolPricer.Role.MARKET);
                    dependents.computeIfAbsent(spec.underlying(), k -> new ArrayList<>()).add(pricer);
                }
            }
            if (spec.perpSymbol() != null) {
                route(spec.perpSymbol(), pricer, SymbolPricer.Role.PERP);
            }
        }
    }

    private void route(String tickSymbol, SymbolPricer pricer, SymbolPricer.Role role) {
        routes.computeIfAbsent(tickSymbol, k -> new ArrayList<>()).add(new Route(pricer, role));
    }

    public void publishTo(PriceSink sink) {
        this.sink = sink;
    }

    public Instant now() {
        return clock.instant();
    }

    /** Takes one venue tick; re-evaluates what it feeds when accepted. */
    public TickOutcome onTick(VenueTickObserved tick) {
        Instant now = clock.instant();
        List<Route> fed = routes.get(tick.symbol());
        if (fed == null) {
            observer.tickIgnored(tick.symbol(), tick.venue(), TickOutcome.UNKNOWN_SYMBOL);
            return TickOutcome.UNKNOWN_SYMBOL;
        }
        TickOutcome outcome = TickOutcome.UNKNOWN_VENUE;
        for (Route route : fed) {
            if (!feeds(route, tick.venue())) {
                continue;
            }
            outcome = route.pricer.accept(route.role, tick, now);
            if (outcome == TickOutcome.ACCEPTED) {
                evaluate(route.pricer, now, now);
            }
        }
        if (outcome != TickOutcome.ACCEPTED) {
            observer.tickIgnored(tick.symbol(), tick.venue(), outcome);
        }
        return outcome;
    }

    private static boolean feeds(Route route, String venue) {
        SymbolSpec spec = route.pricer.spec();
        return switch (route.role) {
            case INDEX -> spec.venues().containsKey(venue);
            case PERP -> spec.perpVenues().contains(venue);
            case MARKET -> spec.marketVenues().contains(venue);
        };
    }

    /** Takes a conversion rate for a wrapped asset; re-evaluates it when accepted. */
    public SymbolPricer.RateOutcome onRate(ConversionRateObserved observed) {
        Instant now = clock.instant();
        SymbolPricer pricer = pricers.get(observed.asset());
        if (pricer == null) {
            observer.rateIgnored(observed.asset(), "UNKNOWN_ASSET");
            return SymbolPricer.RateOutcome.NOT_WRAPPED;
        }
        SymbolPricer.RateOutcome outcome = pricer.acceptRate(observed, now);
        switch (outcome) {
            case ACCEPTED, CAPPED -> {
                if (outcome == SymbolPricer.RateOutcome.CAPPED) {
                    observer.rateCapped(observed.asset());
                }
                evaluate(pricer, now, now);
            }
            default -> observer.rateIgnored(observed.asset(), outcome.name());
        }
        return outcome;
    }

    /** Re-evaluates every symbol (staleness, heartbeats); call it a few times a second. */
    public void evaluateAll() {
        Instant now = clock.instant();
        for (SymbolPricer pricer : pricers.values()) {
            if (pricer.spec().kind() == SymbolSpec.Kind.AGGREGATED) {
                evaluate(pricer, now, null);
            }
        }
    }

    private void evaluate(SymbolPricer pricer, Instant now, Instant tickReceivedAt) {
        pricer.evaluate(now, tickReceivedAt, this::latestEvaluation, sink).ifPresent(observer::evaluated);
        for (SymbolPricer dependent : dependents.getOrDefault(pricer.spec().symbol(), List.of())) {
            evaluate(dependent, now, tickReceivedAt);
        }
    }

    private PriceSnapshot latestEvaluation(String symbol) {
        SymbolPricer pricer = pricers.get(symbol);
        return pricer == null ? null : pricer.latest();
    }

    public boolean knows(String symbol) {
        return pricers.containsKey(symbol);
    }

    public Optional<SymbolPricer> pricer(String symbol) {
        return Optional.ofNullable(pricers.get(symbol));
    }

    /** Every pricer's state, by symbol, to save for a restart ({@link SymbolPricer.State}). */
    public Map<String, SymbolPricer.State> states() {
        Map<String, SymbolPricer.State> states = new LinkedHashMap<>();
        pricers.forEach((symbol, pricer) -> states.put(symbol, pricer.state()));
        return states;
    }

    /** The configured symbols, in configuration order. */
    public Collection<SymbolPricer> pricers() {
        return Collections.unmodifiableCollection(pricers.values());
    }
}
