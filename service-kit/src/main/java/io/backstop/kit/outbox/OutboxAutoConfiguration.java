package io.backstop.kit.outbox;

import io.backstop.events.json.EventJson;
import io.backstop.kit.BackstopProperties;
import io.backstop.kit.KitAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** The outbox every service writes and the relay that publishes it. */
@AutoConfiguration(after = KitAutoConfiguration.class)
public class OutboxAutoConfiguration {

    @Bean
    Outbox outbox(JdbcTemplate jdbc, EventJson json, io.backstop.kit.tracing.EventTracing tracing) {
        return new Outbox(jdbc, json, tracing);
    }

    @Bean
    @ConditionalOnProperty(name = "backstop.outbox.relay-enabled", havingValue = "true", matchIfMissing = true)
    OutboxRelay outboxRelay(Outbox outbox, JdbcTemplate jdbc, TransactionTemplate tx, KafkaProperties kafka,
                            BackstopProperties backstop, Clock clock, MeterRegistry meters,
                            @Value("${spring.application.name}") String service) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, service + "-" + backstop.getInstanceId() + "-outbox");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        DefaultKafkaProducerFactory<String, byte[]> factory = new DefaultKafkaProducerFactory<>(config,
                new StringSerializer(), new ByteArraySerializer());
        // unique per instance: a restarted instance with the same id fences its predecessor's producer
        factory.setTransactionIdPrefix(service + "-" + backstop.getInstanceId() + "-outbox-");
        KafkaTemplate<String, byte[]> template = new KafkaTemplate<>(factory);
        OutboxRelay relay = new OutboxRelay(jdbc, tx, template, backstop.getKafka().getTopicPrefix(),
                backstop.getDb().getSchema() + ".outbox-relay", backstop.getOutbox().getBatchSize(),
                backstop.getOutbox().getPollInterval(), clock, meters);
        outbox.afterCommit(relay::appended);
        return relay;
    }
}
