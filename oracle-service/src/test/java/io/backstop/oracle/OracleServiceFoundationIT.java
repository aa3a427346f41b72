package io.backstop.oracle;

import io.backstop.events.EventEnvelope;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
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
