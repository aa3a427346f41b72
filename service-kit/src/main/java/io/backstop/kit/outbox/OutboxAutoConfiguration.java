package io.backstop.kit.outbox;

import io.backstop.events.json.EventJson;
import io.backstop.kit.BackstopProperties;
import io.backstop.kit.KitAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
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

/** The outbox every service writes and the relay that publishes it. */
@AutoConfiguration(after = KitAutoConfiguration.class)
public class OutboxAutoConfiguration {

    @Bean
    Outbox outbox(JdbcTemplate jdbc, EventJson json, io.backstop.kit.tracing.EventTracing tracing,
                  BackstopProperties backstop) {
        Outbox outbox = new Outbox(jdbc, json, tracing);
        // an instance without a relay always wakes the one whose relay leads; the relay, if any, refines this below
        outbox.notifyRelay(channel(backstop), () -> true);
        return outbox;
    }

    /** The PostgreSQL channel on which a service's instances wake the one whose relay leads. */
    static String channel(BackstopProperties backstop) {
        return backstop.getDb().getSchema() + "_outbox";
    }

    @Bean
    @ConditionalOnProperty(name = "backstop.outbox.relay-enabled", havingValue = "true", matchIfMissing = true)
    OutboxRelay outboxRelay(Outbox outbox, DataSource dataSource, KafkaProperties kafka,
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
        OutboxRelay relay = new OutboxRelay(dataSource, template, backstop.getKafka().getTopicPrefix(),
                backstop.getDb().getSchema() + ".outbox-relay", channel(backstop), backstop.getOutbox().getBatchSize(),
                backstop.getOutbox().getPollInterval(), clock, meters);
        outbox.afterCommit(relay::appended);
        outbox.notifyRelay(channel(backstop), () -> !relay.leads());
        return relay;
    }

    @Bean
    @ConditionalOnProperty(name = "backstop.outbox.relay-enabled", havingValue = "true", matchIfMissing = true)
    RelayNotifications relayNotifications(DataSource dataSource, BackstopProperties backstop, OutboxRelay relay) {
        return new RelayNotifications(dataSource, channel(backstop), relay);
    }
}
