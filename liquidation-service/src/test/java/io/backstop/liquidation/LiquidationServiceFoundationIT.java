package io.backstop.liquidation;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.util.List;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class LiquidationServiceFoundationIT extends ServiceFoundationContract {

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        return SampleEvents.freshForTopics(Topic.MARGIN_CALLS, Topic.ORACLE_PRICES, Topic.LIQUIDATION_EXECUTIONS);
    }

    @org.springframework.beans.factory.annotation.Autowired
    PriceBoard prices;

    /** Prices are not kept in the inbox (a price only replaces an older one): their effect is the board. */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof io.backstop.events.oracle.OraclePricePublished price) {
            return prices.marks().containsKey(price.symbol());
        }
        return super.processed(event);
    }

    @Override
    protected List<ValidRequest> validRequests() {
        java.time.Instant to = java.time.Instant.now();
        return List.of(ValidRequest.read("GET /api/v1/liquidations", "/api/v1/liquidations?accountId=a-1&symbol=BTCUSDT"
                + "&from=" + to.minusSeconds(3600) + "&to=" + to + "&limit=10"));
    }
}
