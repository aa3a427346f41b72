package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.Topic;
import io.backstop.kit.KitEnvironmentPostProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * The kit's defaults make every listener container commit its offsets at most once a second, not after every poll
 * (the inbox, not the offset, makes a redelivery harmless); a service or the environment can still choose otherwise.
 */
class OffsetCommitSettingTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withInitializer(app -> new KitEnvironmentPostProcessor().postProcessEnvironment(app.getEnvironment(),
                    new SpringApplication()))
            .withConfiguration(AutoConfigurations.of(KafkaWiringAutoConfiguration.class, KafkaAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean(ServiceTopics.class, () -> ServiceTopics.of(Set.of(Topic.MARKET_TICKS), Set.of(Topic.ORACLE_PRICES)))
            .withPropertyValues("spring.application.name=offsets-test", "backstop.db.schema=offsets_test",
                    "spring.kafka.bootstrap-servers=127.0.0.1:1", "spring.kafka.admin.auto-create=false");

    @Test
    void listenersCommitTheirOffsetsAtMostOnceASecondByDefault() {
        context.run(app -> {
            ContainerProperties container = app.getBean("kafkaListenerContainerFactory",
                    ConcurrentKafkaListenerContainerFactory.class).getContainerProperties();
            assertThat(container.getAckMode()).isEqualTo(ContainerProperties.AckMode.TIME);
            assertThat(container.getAckTime()).isEqualTo(1_000L);
        });
    }

    @Test
    void aServiceOrTheEnvironmentCanStillCommitAfterEveryPoll() {
        context.withPropertyValues("spring.kafka.listener.ack-mode=batch").run(app -> {
            ContainerProperties container = app.getBean("kafkaListenerContainerFactory",
                    ConcurrentKafkaListenerContainerFactory.class).getContainerProperties();
            assertThat(container.getAckMode()).isEqualTo(ContainerProperties.AckMode.BATCH);
        });
    }
}
