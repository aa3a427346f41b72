package io.backstop.insurance;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class InsuranceFundServiceFoundationIT extends ServiceFoundationContract {

    @Autowired
    PriceBoard prices;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        return SampleEvents.freshForTopics(Topic.LIQUIDATION_SHORTFALLS, Topic.INSURANCE_CONTRIBUTIONS,
                Topic.ACCOUNT_POSITIONS, Topic.LIQUIDATION_EXECUTIONS, Topic.ORACLE_PRICES);
    }

    /**
     * Prices land on the board and snapshots in the ADL tables (both idempotent without the inbox); an
     * execution of an order that is not the fund's is counted as ignored.
     */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof OraclePricePublished price) {
            return prices.mark(price.symbol()).isPresent();
        }
        if (event.payload() instanceof AccountPositionsSnapshotted snapshot) {
            return jdbc.queryForObject("SELECT count(*) FROM adl_account WHERE account_id = ?", Integer.class,
                    snapshot.accountId()) == 1;
        }
        if (event.topic() == Topic.LIQUIDATION_EXECUTIONS) {
            return meters.find("backstop.events.consumed").tag("topic", "liquidation.executions")
                    .tag("outcome", "ignored").counter() != null;
        }
        return super.processed(event);
    }
}
