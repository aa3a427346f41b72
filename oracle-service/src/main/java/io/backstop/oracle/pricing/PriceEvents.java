package io.backstop.oracle.pricing;

import io.backstop.events.EventEnvelope;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceSource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/** Translates prices between the pricing core and the {@code oracle.prices} contract. */
public final class PriceEvents {

    private PriceEvents() {
    }

    public static OraclePricePublished payload(PriceSnapshot price) {
        return new OraclePricePublished(price.symbol(), price.indexPrice(), price.markPrice(), price.twap(),
                price.confidence(), price.status(), price.marketPrice(), sources(price.sources()), price.priceTime(),
                price.lastTrustedAt());
    }

    /**
     * The event for a published price. Its id is derived from symbol and sequence, so publishing the
     * same price again (after a crash, say) carries the same eventId.
     */
    public static EventEnvelope<OraclePricePublished> event(PriceSnapshot price) {
        UUID id = UUID.nameUUIDFromBytes(("oracle.prices/" + price.symbol() + "/" + price.sequence())
                .getBytes(StandardCharsets.UTF_8));
        OraclePricePublished payload = payload(price);
        return new EventEnvelope<>(id, io.backstop.events.EventType.ORACLE_PRICE_PUBLISHED,
                io.backstop.events.EventType.ORACLE_PRICE_PUBLISHED.version(), price.priceTime(), null,
                price.sequence(), payload);
    }

    public static List<PriceSource> sources(List<SourceVerdict> verdicts) {
        return verdicts.stream().map(v -> new PriceSource(v.venue(), v.price(), v.effectiveWeight(), v.included(),
                v.exclusion() == null ? null : v.exclusion().name())).toList();
    }

    public static List<SourceVerdict> verdicts(List<PriceSource> sources) {
        return sources.stream().map(s -> new SourceVerdict(s.venue(), s.price(), s.weight(),
                s.included() ? null : exclusion(s.reason()), null)).toList();
    }

    private static Exclusion exclusion(String reason) {
        try {
            return Exclusion.valueOf(reason);
        } catch (IllegalArgumentException e) {
            return Exclusion.NO_DATA;
        }
    }
}
