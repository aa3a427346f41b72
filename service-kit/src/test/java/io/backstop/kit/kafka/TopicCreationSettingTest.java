package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Collection;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * {@code backstop.kafka.create-topics}: on by default (one machine, Compose), the kit declares the
 * service's topics and their dead-letter topics; off (Kubernetes, where Strimzi owns the topics) it
 * declares none. No broker is needed: declaring is wiring, creating happens when KafkaAdmin starts.
 */
class TopicCreationSettingTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaWiringAutoConfiguration.class, KafkaAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean(ServiceTopics.class, () -> ServiceTopics.of(Set.of(Topic.MARKET_TICKS), Set.of(Topic.ORACLE_PRICES)))
            .withPropertyValues("spring.application.name=topics-test", "backstop.instance-id=test-1",
                    "backstop.db.schema=topics_test", "spring.kafka.bootstrap-servers=127.0.0.1:1",
                    // wiring only: KafkaAdmin must not try to reach the (absent) broker at start
                    "spring.kafka.admin.auto-create=false");

    @Test
    void declaresTheServiceTopicsAndDeadLettersByDefault() {
        context.run(app -> {
            assertThat(app).hasSingleBean(KafkaAdmin.NewTopics.class);
            Collection<NewTopic> declared = ReflectionTestUtils.invokeMethod(app.getBean(KafkaAdmin.NewTopics.class),
                    "getNewTopics");
            assertThat(declared).extracting(NewTopic::name).containsExactlyInAnyOrder("market.ticks", "oracle.prices", "market.ticks.dlq");
        });
    }

    @Test
    void declaresNoTopicWhenThePlatformOwnsThem() {
        context.withPropertyValues("backstop.kafka.create-topics=false")
                .run(app -> assertThat(app).doesNotHaveBean(KafkaAdmin.NewTopics.class));
    }
}
