package io.backstop.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.auth.Role;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.testkit.AccessMatrix;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class OracleServiceFoundationIT extends ServiceFoundationContract {

    /** Per good tick: the accepted ticks of its symbol before it was sent. */
    private final java.util.Map<java.util.UUID, Double> before = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    protected java.util.Map<String, AccessMatrix.Allowed> accessMatrix() {
        return java.util.Map.of(
                "GET /api/v1/prices", AccessMatrix.Allowed.anyone(),
                "GET /api/v1/prices/{symbol}", AccessMatrix.Allowed.anyone(),
                "GET /api/v1/prices/{symbol}/history", AccessMatrix.Allowed.anyone(),
                "POST /api/v1/ticks", AccessMatrix.Allowed.roles(Role.FEED));
    }

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        Instant now = Instant.now();
        EventEnvelope<VenueTickObserved> tick = EventEnvelope.of(new VenueTickObserved("gate", "SOL", null, null,
                new BigDecimal("150.25"), now), now, null, null);
        EventEnvelope<ConversionRateObserved> rate = EventEnvelope.of(new ConversionRateObserved("WBETH", "ETH",
                new BigDecimal("1.0712"), "binance-staking", now), now, null, null);
        try {
            before.put(tick.eventId(), accepted("SOL"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return List.of(tick, rate);
    }

    /**
     * Ticks are not kept in the inbox (they are idempotent per venue); their effect is the accepted count, counted
     * from where it stood before the tick was sent. A rate's effect is a stored rate of its asset (not necessarily
     * this one's: the context, and its schema, may be shared with OraclePricingIT, whose WBETH rate can be newer).
     */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        double was = before.getOrDefault(event.eventId(), 0.0);
        if (event.payload() instanceof VenueTickObserved tick) {
            return accepted(tick.symbol()) == was + 1;
        }
        return storedRateTime() != null;
    }

    @Override
    protected List<ValidRequest> validRequests() {
        // a tick carries its venue's time: made afresh for each use, so the valid one is never stale on arrival
        java.util.function.Supplier<String> tick = () -> "{\"venue\":\"okx\",\"symbol\":\"BNB\",\"bid\":\"612.4\","
                + "\"ask\":\"612.6\",\"last\":\"612.5\",\"venueTime\":\"" + Instant.now() + "\"}";
        Instant to = Instant.now();
        return List.of(
                ValidRequest.fresh("POST /api/v1/ticks", "/api/v1/ticks", tick, java.util.Set.of("bid", "ask"),
                        () -> accepted("BNB")),
                ValidRequest.read("GET /api/v1/prices/{symbol}/history", "/api/v1/prices/BNB/history?from="
                        + to.minusSeconds(600) + "&to=" + to + "&limit=10"));
    }

    /**
     * Market data the oracle cannot use is no poison: a tick of a symbol or venue it does not price, from the future
     * (beyond the symbol's tolerance), already stale, older than the venue's last accepted quote or the same quote
     * again, and a rate of an asset it does not price, from a source it does not trust, from the future (beyond the
     * same tolerance) or older than the last accepted one, are each ignored by their rule and counted by reason; none
     * is dead-lettered, only the one good tick is accepted, and the rate dated next year holds back no real one.
     */
    @org.junit.jupiter.api.Test
    void marketDataItCannotUseIsIgnoredByItsRuleCountedByReasonAndNeverDeadLettered() throws Exception {
        Instant now = Instant.now();
        // after the stored WBETH rate, which a test sharing the context may have left a little ahead
        Instant stored = storedRateTime();
        Instant rateTime = stored != null && !stored.isBefore(now) ? stored.plusSeconds(1) : now;
        java.util.Map<String, Double> ticksBefore = ignored("ticks");
        java.util.Map<String, Double> ratesBefore = ignored("rates");
        double acceptedBefore = accepted("ETH");
        List<EventEnvelope<?>> data = List.of(
                tick("kraken", "ETH", "3800.5", now),
                tick("kraken", "ETH", "3800.5", now),
                tick("kraken", "ETH", "3801", now.minusMillis(500)),
                tick("kraken", "ETH", "3801", now.plus(java.time.Duration.ofHours(1))),
                tick("kraken", "ETH", "3801", now.minus(java.time.Duration.ofMinutes(5))),
                tick("mtgox", "ETH", "3801", now),
                tick("kraken", "NOPE", "1", now),
                rate("WBETH", "binance-staking", rateTime.plus(java.time.Duration.ofDays(365))),
                rate("WBETH", "binance-staking", rateTime),
                rate("WBETH", "binance-staking", rateTime.minusSeconds(1)),
                rate("WBETH", "a-blog", rateTime.plusSeconds(1)),
                rate("NOPE", "binance-staking", rateTime));

        assertThat(deadLetterVerdicts(data)).containsOnly("consumed");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(increase(ticksBefore, ignored("ticks"))).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                    "DUPLICATE", 1.0, "OUT_OF_ORDER", 1.0, "FUTURE_TIMESTAMP", 1.0, "STALE_ON_ARRIVAL", 1.0,
                    "UNKNOWN_VENUE", 1.0, "UNKNOWN_SYMBOL", 1.0));
            assertThat(increase(ratesBefore, ignored("rates"))).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                    "FUTURE_TIMESTAMP", 1.0, "OUT_OF_ORDER", 1.0, "UNTRUSTED_SOURCE", 1.0, "UNKNOWN_ASSET", 1.0));
            assertThat(accepted("ETH")).isEqualTo(acceptedBefore + 1);
        });
        assertThat(storedRateTime()).as("the rate kept is the real one, not next year's")
                .isCloseTo(rateTime, org.assertj.core.api.Assertions.within(1, java.time.temporal.ChronoUnit.MILLIS));
    }

    private static EventEnvelope<VenueTickObserved> tick(String venue, String symbol, String last, Instant venueTime) {
        return EventEnvelope.of(new VenueTickObserved(venue, symbol, null, null, new BigDecimal(last), venueTime),
                Instant.now(), null, null);
    }

    private static EventEnvelope<ConversionRateObserved> rate(String asset, String source, Instant observedAt) {
        return EventEnvelope.of(new ConversionRateObserved(asset, "ETH", new BigDecimal("1.0712"), source, observedAt),
                Instant.now(), null, null);
    }

    /** The oracle's ignored ticks or rates, summed by reason. */
    private java.util.Map<String, Double> ignored(String what) throws Exception {
        java.util.Map<String, Double> byReason = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("backstop_oracle_" + what
                + "_ignored_total\\{[^}]*reason=\"(\\w+)\"[^}]*} ([0-9.E]+)").matcher(get("/actuator/prometheus").body());
        while (m.find()) {
            byReason.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
        }
        return byReason;
    }

    private static java.util.Map<String, Double> increase(java.util.Map<String, Double> before,
                                                          java.util.Map<String, Double> after) {
        java.util.Map<String, Double> increase = new java.util.TreeMap<>();
        after.forEach((reason, n) -> {
            double by = n - before.getOrDefault(reason, 0.0);
            if (by != 0) {
                increase.put(reason, by);
            }
        });
        return increase;
    }

    private double accepted(String symbol) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "backstop_oracle_ticks_accepted_total\\{application=\"oracle-service\",symbol=\"" + symbol
                        + "\"} ([0-9.E]+)").matcher(get("/actuator/prometheus").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }

    private Instant storedRateTime() throws Exception {
        try (Connection c = infra.postgres().connect();
             PreparedStatement s = c.prepareStatement(
                     "SELECT observed_at FROM " + infra.schema() + ".conversion_rate WHERE asset = 'WBETH'")) {
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1).toInstant() : null;
            }
        }
    }
}
