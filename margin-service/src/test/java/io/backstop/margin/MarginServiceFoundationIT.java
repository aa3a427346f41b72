package io.backstop.margin;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.util.List;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class MarginServiceFoundationIT extends ServiceFoundationContract {

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        return SampleEvents.freshForTopics(Topic.ORACLE_PRICES, Topic.TRADES_FILLS, Topic.LIQUIDATION_FILLS, Topic.INSURANCE_TAKEOVERS, Topic.ADL_EXECUTIONS, Topic.LOSS_SOCIALIZED);
    }
}
