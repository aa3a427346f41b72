package io.backstop.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class TestInfrastructureIT {

    @Test
    void postgresIsARealServerAndEachClassGetsItsOwnSchema() throws Exception {
        TestInfrastructure first = TestInfrastructure.forClass(TestInfrastructureIT.class);
        TestInfrastructure second = TestInfrastructure.forClass(TestInfrastructureIT.class);
        assertThat(first.schema()).isNotEqualTo(second.schema());

        try (Connection c = first.postgres().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + first.schema() + ".probe (id int primary key)");
            s.execute("INSERT INTO " + first.schema() + ".probe VALUES (1)");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_name = 'probe' AND table_schema = '" + second.schema() + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
            try (ResultSet rs = s.executeQuery("SHOW server_version_num")) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(140000);
            }
        }
    }

    @Test
    void kafkaIsARealBrokerWithTransactionsAndReadCommittedIsolation() throws Exception {
        TestInfrastructure infra = TestInfrastructure.forClass(TestInfrastructureIT.class);
        String topic = infra.topic("probe");
        try (Admin admin = infra.kafka().admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, infra.topicPrefix() + "tx"),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted".getBytes(StandardCharsets.UTF_8)));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed".getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
        }

        try (KafkaProbe probe = new KafkaProbe(infra.kafka().bootstrapServers())) {
            var records = probe.read(topic, 2, Duration.ofSeconds(5));
            assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactly("committed");
        }
    }

    @Test
    void withoutDockerTheInJvmFallbacksRunInsteadOfSkipping() {
        boolean externalPg = System.getenv("BACKSTOP_TEST_PG_URL") != null;
        boolean externalKafka = System.getenv("BACKSTOP_TEST_KAFKA_BOOTSTRAP") != null;
        String expectedWithoutDocker = "embedded";
        String expectedWithDocker = "testcontainers";
        String expected = Docker.available() ? expectedWithDocker : expectedWithoutDocker;

        assertThat(TestPostgres.shared().kind()).isEqualTo(externalPg ? "external" : expected);
        assertThat(TestKafka.shared().kind()).isEqualTo(externalKafka ? "external" : expected);
    }
}
