package io.backstop.insurance;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.util.List;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class InsuranceFundServiceFoundationIT extends ServiceFoundationContract {

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        return SampleEvents.freshForTopics(Topic.LIQUIDATION_SHORTFALLS, Topic.INSURANCE_CONTRIBUTIONS, Topic.ACCOUNT_POSITIONS, Topic.LIQUIDATION_EXECUTIONS, Topic.ORACLE_PRICES);
    }
}
