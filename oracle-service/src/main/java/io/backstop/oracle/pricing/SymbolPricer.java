package io.backstop.oracle.pricing;

import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The price state of one symbol: its venues' latest quotes, the last trusted index, the TWAP and the
 * basis window, the accepted conversion rate of a wrapped asset, and what was last published.
 * {@link #evaluate} turns that into a {@link PriceSnapshot} and decides whether to publish it (on a
 * move beyond the deviation threshold, a status change, or the heartbeat). Thread-safe: every method
 * runs under the pricer's lock.
 */
public final class SymbolPricer {

    private static final BigDecimal YEAR_MS = BigDecimal.valueOf(Duration.ofDays(365).toMillis());

    /** What a tick is to this symbol. */
    public enum Role {
        /** A quote of one of its index sources. */
        INDEX,
        /** A quote of its perpetual, for the mark's basis. */
        PERP,
        /** A quote of a wrapped asset's own pair: shown, not used (robust mode). */
        MARKET
    }

    private final SymbolSpec spec;
    private final IndexAggregator aggregator;
    private final Map<String, VenueQuote> indexQuotes = new HashMap<>();
    private final Map<String, VenueQuote> perpQuotes = new HashMap<>();
    private final Map<String, VenueQuote> marketQuotes = new HashMap<>();
    private final TimeWeightedAverage twap;
    private final TimeWeightedAverage basis;

    private BigDecimal lastTrustedIndex;
    private Instant lastTrustedAt;
    private BigDecimal lastTrustedConfidence = BigDecimal.ZERO;
    private BigDecimal rate;
    private Instant rateAt;
    private PriceSnapshot lastPublished;
    private long sequence;
    private volatile PriceSnapshot latest;

    public SymbolPricer(SymbolSpec spec) {
        this.spec = spec;
        this.aggregator = new IndexAggregator(spec.outlierBand(), spec.maxAge());
        this.twap = new TimeWeightedAverage(spec.twapWindow());
        this.basis = new TimeWeightedAverage(spec.markWindow());
    }

    public SymbolSpec spec() {
        return spec;
    }

    /** The latest evaluation, published or not; null before the first one with a price. */
    public PriceSnapshot latest() {
        return latest;
    }

    /** The latest published price, if any. */
    public synchronized Optional<PriceSnapshot> lastPublished() {
        return Optional.ofNullable(lastPublished);
    }

    /** Records a venue's quote in the given role; the caller has checked the venue belongs to it. */
    public synchronized TickOutcome accept(Role role, VenueTickObserved tick, Instant now) {
        if (Duration.between(now, tick.venueTime()).compareTo(spec.futureTolerance()) > 0) {
            return TickOutcome.FUTURE_TIMESTAMP;
        }
        if (Duration.between(tick.venueTime(), now).compareTo(spec.maxAge()) > 0) {
            return TickOutcome.STALE_ON_ARRIVAL;
        }
        Map<String, VenueQuote> quotes = switch (role) {
            case INDEX -> indexQuotes;
            case PERP -> perpQuotes;
            case MARKET -> marketQuotes;
        };
        VenueQuote quote = new VenueQuote(tick.venue(), tick.bid(), tick.ask(), tick.last(), tick.venueTime(), now);
        VenueQuote previous = quotes.get(tick.venue());
        if (previous != null) {
            if (tick.venueTime().isBefore(previous.venueTime())) {
                return TickOutcome.OUT_OF_ORDER;
            }
            if (quote.sameAs(previous)) {
                return TickOutcome.DUPLICATE;
            }
        }
        quotes.put(tick.venue(), quote);
        return TickOutcome.ACCEPTED;
    }

    /**
     * Accepts a wrapped asset's conversion rate from its configured source, capped by the maximum
     * growth since the last accepted rate (Aave's CAPO). A rate observed further ahead of {@code now}
     * than the tick tolerance is refused as a tick is: accepted, it would make every real rate older
     * than it until its time came.
     */
    public synchronized RateOutcome acceptRate(ConversionRateObserved observed, Instant now) {
        if (spec.kind() != SymbolSpec.Kind.WRAPPED) {
            return RateOutcome.NOT_WRAPPED;
        }
        if (!observed.source().equals(spec.rateSource()) || !observed.underlying().equals(spec.underlying())) {
            return RateOutcome.UNTRUSTED_SOURCE;
        }
        if (Duration.between(now, observed.observedAt()).compareTo(spec.futureTolerance()) > 0) {
            return RateOutcome.FUTURE_TIMESTAMP;
        }
        if (rateAt != null && !observed.observedAt().isAfter(rateAt)) {
            return RateOutcome.OUT_OF_ORDER;
        }
        BigDecimal accepted = observed.rate();
        RateOutcome outcome = RateOutcome.ACCEPTED;
        if (rate != null) {
            BigDecimal elapsed = BigDecimal.valueOf(Duration.between(rateAt, observed.observedAt()).toMillis());
            BigDecimal cap = rate.multiply(BigDecimal.ONE.add(spec.maxYearlyRateGrowth().multiply(elapsed)
                    .divide(YEAR_MS, MathContext.DECIMAL64)), MathContext.DECIMAL64);
            if (accepted.compareTo(cap) > 0) {
                accepted = cap;
                outcome = RateOutcome.CAPPED;
            }
        }
        rate = accepted;
        rateAt = observed.observedAt();
        return outcome;
    }

    public enum RateOutcome {
        ACCEPTED, CAPPED, UNTRUSTED_SOURCE, FUTURE_TIMESTAMP, OUT_OF_ORDER, NOT_WRAPPED
    }

    /** The accepted conversion rate of a wrapped asset, if any. */
    public synchronized Optional<BigDecimal> rate() {
        return Optional.ofNullable(rate);
    }

    /** The accepted conversion rate with the time it was observed, if any. */
    public synchronized Optional<AcceptedRate> acceptedRate() {
        return rate == null ? Optional.empty() : Optional.of(new AcceptedRate(rate, rateAt));
    }

    public record AcceptedRate(BigDecimal rate, Instant at) {
    }

    /**
     * Evaluates the price at {@code now}; hands it to the sink when it is due for publication.
     *
     * @param base           the latest evaluation of another symbol (DERIVED's index, WRAPPED's underlying)
     * @param tickReceivedAt when the triggering tick arrived, or null for a timer evaluation
     * @return the evaluation, or empty when the symbol has no price at all yet
     */
    public synchronized Optional<PriceSnapshot> evaluate(Instant now, Instant tickReceivedAt,
                                                         Function<String, PriceSnapshot> base, PriceSink sink) {
        Raw raw = switch (spec.kind()) {
            case AGGREGATED -> spec.naive() ? naive(indexQuotes) : aggregated(now);
            case DERIVED -> derived(base.apply(spec.indexFrom()));
            case WRAPPED -> spec.naive() ? naive(marketQuotes) : wrapped(base.apply(spec.underlying()), now);
        };
        if (raw == null) {
            return Optional.empty();
        }
        BigDecimal index = raw.index;
        BigDecimal marketPrice = raw.marketPrice;
        if (spec.floor() != null && index.compareTo(spec.floor()) < 0) {
            marketPrice = index;
            index = spec.floor();
        }
        twap.add(now, index);
        BigDecimal mark = mark(now, index, raw.mark);
        PriceSnapshot snapshot = new PriceSnapshot(spec.symbol(), sequence, round(index), round(mark),
                round(spec.naive() ? index : twap.average(now)), round(raw.confidence), raw.status,
                marketPrice == null ? null : round(marketPrice), raw.sources, now, raw.lastTrustedAt, tickReceivedAt);
        if (due(snapshot)) {
            sequence++;
            snapshot = snapshot.withSequence(sequence);
            lastPublished = snapshot;
            sink.publish(snapshot);
        }
        latest = snapshot;
        return Optional.of(snapshot);
    }

    /**
     * Everything the pricer remembers — its venues' quotes, the TWAP and basis windows, the last trusted index, the
     * rate, what it last published and evaluated — so that a restarted oracle continues exactly where it stopped:
     * the same ticks at the same times then give the same prices as if it had never stopped.
     */
    public record State(List<VenueQuote> indexQuotes, List<VenueQuote> perpQuotes, List<VenueQuote> marketQuotes,
                        TimeWeightedAverage.State twap, TimeWeightedAverage.State basis, BigDecimal lastTrustedIndex,
                        Instant lastTrustedAt, BigDecimal lastTrustedConfidence, BigDecimal rate, Instant rateAt,
                        PriceSnapshot lastPublished, long sequence, PriceSnapshot latest) {
    }

    public synchronized State state() {
        return new State(List.copyOf(indexQuotes.values()), List.copyOf(perpQuotes.values()),
                List.copyOf(marketQuotes.values()), twap.state(), basis.state(), lastTrustedIndex, lastTrustedAt,
                lastTrustedConfidence, rate, rateAt, lastPublished, sequence, latest);
    }

    /** Continues from a saved {@link #state()}. */
    public synchronized void restore(State state) {
        restoreQuotes(indexQuotes, state.indexQuotes());
        restoreQuotes(perpQuotes, state.perpQuotes());
        restoreQuotes(marketQuotes, state.marketQuotes());
        twap.restore(state.twap());
        basis.restore(state.basis());
        lastTrustedIndex = state.lastTrustedIndex();
        lastTrustedAt = state.lastTrustedAt();
        lastTrustedConfidence = state.lastTrustedConfidence();
        rate = state.rate();
        rateAt = state.rateAt();
        lastPublished = state.lastPublished();
        sequence = state.sequence();
        latest = state.latest();
    }

    private static void restoreQuotes(Map<String, VenueQuote> into, List<VenueQuote> quotes) {
        into.clear();
        quotes.forEach(q -> into.put(q.venue(), q));
    }

    /** The sequence of the last price this pricer published (0 before the first). */
    public synchronized long sequence() {
        return sequence;
    }

    /**
     * Restores what was last published (its sequence, last trusted price) and warms the windows from the published
     * prices since (an approximation: the windows also saw the evaluations that were not published), after a
     * restart without a saved state.
     */
    public synchronized void restore(PriceSnapshot published, List<PriceSnapshot> recent) {
        restorePublished(published);
        for (PriceSnapshot p : recent) {
            twap.add(p.priceTime(), p.indexPrice());
            basis.add(p.priceTime(), p.markPrice().subtract(p.indexPrice()));
        }
    }

    /** Continues the sequence (and the last trusted price) after a price published later than a saved state. */
    public synchronized void restorePublished(PriceSnapshot published) {
        sequence = published.sequence();
        lastPublished = published;
        latest = published;
        lastTrustedIndex = published.indexPrice();
        lastTrustedAt = published.lastTrustedAt();
        lastTrustedConfidence = published.confidence();
    }

    /** Restores a wrapped asset's last accepted rate after a restart. */
    public synchronized void restoreRate(BigDecimal accepted, Instant at) {
        rate = accepted;
        rateAt = at;
    }

    private Raw aggregated(Instant now) {
        IndexResult result = aggregator.aggregate(spec.venues(), indexQuotes, now);
        if (result.index() != null && result.included() >= spec.quorum()) {
            lastTrustedIndex = result.index();
            lastTrustedAt = now;
            lastTrustedConfidence = result.confidence();
            return new Raw(result.index(), null, result.confidence(), PriceStatus.OK, null, result.sources(), now);
        }
        if (lastTrustedIndex == null) {
            return null; // never trusted: nothing to publish, and never a lone venue's price
        }
        PriceStatus status = result.fresh() > 0 ? PriceStatus.DEGRADED : PriceStatus.STALE;
        return new Raw(lastTrustedIndex, null, lastTrustedConfidence, status, null, result.sources(), lastTrustedAt);
    }

    private Raw naive(Map<String, VenueQuote> quotes) {
        VenueQuote quote = quotes.get(spec.naiveVenue());
        if (quote == null) {
            return null;
        }
        List<SourceVerdict> sources = new ArrayList<>();
        sources.add(new SourceVerdict(quote.venue(), quote.last(), BigDecimal.ONE, null, quote.venueTime()));
        for (String venue : spec.kind() == SymbolSpec.Kind.WRAPPED ? spec.marketVenues() : spec.venues().keySet()) {
            if (!venue.equals(spec.naiveVenue())) {
                VenueQuote other = quotes.get(venue);
                sources.add(new SourceVerdict(venue, other == null ? null : other.last(), BigDecimal.ZERO,
                        Exclusion.NAIVE_MODE, other == null ? null : other.venueTime()));
            }
        }
        return new Raw(quote.last(), quote.last(), BigDecimal.ZERO, PriceStatus.OK, null, List.copyOf(sources),
                quote.receivedAt());
    }

    private Raw derived(PriceSnapshot from) {
        if (from == null) {
            return null;
        }
        BigDecimal mark = perpConfigured() ? null : from.markPrice();
        return new Raw(from.indexPrice(), mark, from.confidence(), from.status(), null, from.sources(),
                from.lastTrustedAt());
    }

    private Raw wrapped(PriceSnapshot underlying, Instant now) {
        if (underlying == null || rate == null) {
            return null;
        }
        List<SourceVerdict> sources = new ArrayList<>();
        sources.add(new SourceVerdict(spec.rateSource(), rate, BigDecimal.ONE, null, rateAt));
        List<BigDecimal> market = new ArrayList<>();
        for (String venue : spec.marketVenues()) {
            VenueQuote quote = marketQuotes.get(venue);
            BigDecimal price = quote == null ? null : quote.price();
            sources.add(new SourceVerdict(venue, price, BigDecimal.ZERO, Exclusion.WRAPPED_MARKET_PAIR,
                    quote == null ? null : quote.venueTime()));
            if (quote != null && !quote.crossed()
                    && Duration.between(quote.venueTime(), now).compareTo(spec.maxAge()) <= 0) {
                market.add(price);
            }
        }
        BigDecimal marketPrice = market.isEmpty() ? null : WeightedMedian.percentile(market, 0.5);
        return new Raw(underlying.indexPrice().multiply(rate), underlying.markPrice().multiply(rate),
                underlying.confidence().multiply(rate), underlying.status(), marketPrice, List.copyOf(sources),
                underlying.lastTrustedAt());
    }

    /** Index plus the time-weighted basis of the perpetual, clamped to the mark band; else the given mark. */
    private BigDecimal mark(Instant now, BigDecimal index, BigDecimal given) {
        if (spec.naive() || !perpConfigured()) {
            return given == null ? index : given;
        }
        VenueQuote freshest = null;
        for (String venue : spec.perpVenues()) {
            VenueQuote quote = perpQuotes.get(venue);
            if (quote != null && !quote.crossed()
                    && Duration.between(quote.venueTime(), now).compareTo(spec.maxAge()) <= 0
                    && (freshest == null || quote.venueTime().isAfter(freshest.venueTime()))) {
                freshest = quote;
            }
        }
        basis.add(now, freshest == null ? null : freshest.price().subtract(index));
        BigDecimal averageBasis = basis.average(now);
        if (averageBasis == null) {
            return index;
        }
        BigDecimal limit = index.multiply(spec.markBand());
        return index.add(averageBasis.max(limit.negate()).min(limit));
    }

    private boolean perpConfigured() {
        return spec.perpSymbol() != null && !spec.perpVenues().isEmpty();
    }

    private boolean due(PriceSnapshot next) {
        PriceSnapshot last = lastPublished;
        if (last == null || last.status() != next.status()) {
            return true;
        }
        if (Duration.between(last.priceTime(), next.priceTime()).compareTo(spec.heartbeat()) >= 0) {
            return true;
        }
        return moved(last.indexPrice(), next.indexPrice()) || moved(last.markPrice(), next.markPrice());
    }

    private boolean moved(BigDecimal before, BigDecimal after) {
        return after.subtract(before).abs().compareTo(before.multiply(spec.deviation())) >= 0
                && after.compareTo(before) != 0;
    }

    private BigDecimal round(BigDecimal value) {
        return value.setScale(spec.scale(), RoundingMode.HALF_EVEN).stripTrailingZeros();
    }

    /** An evaluation before flooring, TWAP, mark and rounding. */
    private record Raw(BigDecimal index, BigDecimal mark, BigDecimal confidence, PriceStatus status,
                       BigDecimal marketPrice, List<SourceVerdict> sources, Instant lastTrustedAt) {
    }
}
