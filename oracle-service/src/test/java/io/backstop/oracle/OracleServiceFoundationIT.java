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

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        Instant now = Instant.now();
        return List.of(
                EventEnvelope.of(new VenueTickObserved("gate", "SOL", null, null, new BigDecimal("150.25"), now),
                        now, null, null),
                EventEnvelope.of(new ConversionRateObserved("WBETH", "ETH", new BigDecimal("1.0712"),
                        "binance-staking", now), now, null, null));
    }

    /** Ticks are not kept in the inbox (they are idempotent per venue); their effect is the accepted count. */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof VenueTickObserved tick) {
            return get("/actuator/prometheus").body()
                    .contains("backstop_oracle_ticks_accepted_total{application=\"oracle-service\",symbol=\""
                            + tick.symbol() + "\"} 1.0");
        }
        try (Connection c = infra.postgres().connect();
             PreparedStatement s = c.prepareStatement(
                     "SELECT count(*) FROM " + infra.schema() + ".conversion_rate WHERE asset = 'WBETH'")) {
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }
}
