package io.backstop.testkit;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.kafka.KafkaContainer;

/**
 * One real Kafka broker per JVM, shared by every test in it; test classes isolate themselves with a
 * topic prefix. The broker is the one at {@code BACKSTOP_TEST_KAFKA_BOOTSTRAP} when set, a
 * Testcontainers Kafka (KRaft) when a Docker engine answers, else an in-JVM KRaft broker from
 * spring-kafka-test. Configured for transactions on a single node.
 */
public final class TestKafka {

    private static final Logger log = LoggerFactory.getLogger(TestKafka.class);
    private static volatile TestKafka shared;

    private final String bootstrapServers;
    private final String kind;

    private TestKafka(String bootstrapServers, String kind) {
        this.bootstrapServers = bootstrapServers;
        this.kind = kind;
    }

    public static TestKafka shared() {
        TestKafka broker = shared;
        if (broker == null) {
            synchronized (TestKafka.class) {
                broker = shared;
                if (broker == null) {
                    broker = start();
                    shared = broker;
                }
            }
        }
        return broker;
    }

    private static TestKafka start() {
        String external = System.getenv("BACKSTOP_TEST_KAFKA_BOOTSTRAP");
        if (external != null && !external.isBlank()) {
            log.info("Kafka for tests: {} (BACKSTOP_TEST_KAFKA_BOOTSTRAP)", external);
            return new TestKafka(external, "external");
        }
        if (Docker.available()) {
            KafkaContainer container = new KafkaContainer("apache/kafka:4.1.1");
            container.start();
            log.info("Kafka for tests: Testcontainers {}", container.getBootstrapServers());
            return new TestKafka(container.getBootstrapServers(), "testcontainers");
        }
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1",
                "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        broker.afterPropertiesSet();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "test-kafka-shutdown"));
        log.info("Kafka for tests: in-JVM KRaft broker {}", broker.getBrokersAsString());
        return new TestKafka(broker.getBrokersAsString(), "embedded");
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** {@code external}, {@code testcontainers} or {@code embedded}. */
    public String kind() {
        return kind;
    }

    /** An admin client on the broker; close it after use. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis());
        return Admin.create(props);
    }
}
