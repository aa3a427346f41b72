package io.backstop.liquidation;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
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
}
