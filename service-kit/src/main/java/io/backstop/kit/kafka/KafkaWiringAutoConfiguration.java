package io.backstop.kit.kafka;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.InvalidField;
import io.backstop.events.kafka.EventSerializer;
import io.backstop.kit.BackstopProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;

/**
 * Kafka as every Backstop service uses it: consumers that read committed data and check the event
 * contract; a message that breaks the contract goes at once to {@code <topic>.dlq} and the partition
 * moves on; a failure of the infrastructure (the database is down, say) is retried with back-off, in
 * order, for as long as it takes, because skipping a fill or a price is worse than waiting for it; any
 * other failure is retried a bounded number of times while the database answers, then dead-lettered
 * ({@link RetryPolicy}).
 *
 * <p>Listener containers are not Kafka-transactional: a consumer's effects and the eventIds it
 * processed are committed together in PostgreSQL (the inbox), and what it emits goes through the
 * outbox, whose relay is the transactional producer. Offsets are committed after processing; a
 * redelivery after a crash is recognised by the inbox.
 */
@AutoConfiguration(before = KafkaAutoConfiguration.class)
@EnableConfigurationProperties(BackstopProperties.class)
public class KafkaWiringAutoConfiguration {

    @Bean
    DeadLetterPublisher deadLetterPublisher(KafkaProperties kafka, BackstopProperties backstop, MeterRegistry meters,
                                            @Value("${spring.application.name}") String service,
                                            ObjectProvider<Clock> clock) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, service + "-" + backstop.getInstanceId() + "-dlq");
        Map<Class<?>, Serializer<?>> byType = new LinkedHashMap<>();
        byType.put(byte[].class, new ByteArraySerializer());
        byType.put(EventEnvelope.class, new EventSerializer());
        DefaultKafkaProducerFactory<String, Object> factory = new DefaultKafkaProducerFactory<>(config,
                new StringSerializer(), new DelegatingByTypeSerializer(byType, true));
        KafkaTemplate<String, Object> template = new KafkaTemplate<>(factory);
        return new DeadLetterPublisher(template, meters, backstop.getKafka().getTopicPrefix(), service,
                clock.getIfAvailable(Clock::systemUTC), backstop.getKafka().getDeadLetterLogPerMinute());
    }

    /** Whether this service's database answers: asked only after a consumer failed (a service without one: yes). */
    @Bean
    RetryPolicy retryPolicy(BackstopProperties backstop, ObjectProvider<DataSource> dataSource) {
        return new RetryPolicy(backstop.getKafka().getMaxAttempts(), backstop.getKafka().getMaxRetryInterval(), () -> {
            DataSource database = dataSource.getIfAvailable();
            if (database == null) {
                return true;
            }
            try (Connection c = database.getConnection()) {
                return c.isValid(2);
            } catch (SQLException | RuntimeException e) {
                return false;
            }
        });
    }

    /**
     * The partitions whose consumer keeps failing on them; one still failing fails again within the longest
     * back-off, so one quiet for twice that has stopped failing.
     */
    @Bean
    ConsumerStalls consumerStalls(RetryPolicy retries) {
        return new ConsumerStalls(System::nanoTime, retries.maxInterval().multipliedBy(2).plusSeconds(10));
    }

    /** Readiness: out of service while a partition has been stalled for {@code backstop.kafka.stalled-after}. */
    @Bean
    HealthIndicator consumersHealthIndicator(ConsumerStalls stalls, BackstopProperties backstop) {
        return () -> stalls.longest().filter(s -> s.lasting().compareTo(backstop.getKafka().getStalledAfter()) >= 0)
                .map(s -> stalled(Health.outOfService(), s)).orElseGet(() -> Health.up().build());
    }

    /**
     * Liveness: down once a partition has been stalled longer than {@code backstop.kafka.stall-limit} while the
     * database answers — the service is not waiting out an outage, it is stuck, and a restart is the way out.
     */
    @Bean
    HealthIndicator consumersAliveHealthIndicator(ConsumerStalls stalls, RetryPolicy retries,
                                                  BackstopProperties backstop) {
        return () -> stalls.longest().filter(s -> s.lasting().compareTo(backstop.getKafka().getStallLimit()) > 0)
                .filter(s -> retries.infrastructureAnswers())
                .map(s -> stalled(Health.down(), s)).orElseGet(() -> Health.up().build());
    }

    private static Health stalled(Health.Builder health, ConsumerStalls.Stall stall) {
        return health.withDetail("stalledPartition", stall.partition())
                .withDetail("stalledFor", stall.lasting().withNanos(0).toString())
                .withDetail("failedAttempts", stall.failures()).withDetail("lastError", stall.lastError()).build();
    }

    @Bean
    DefaultErrorHandler kafkaErrorHandler(DeadLetterPublisher deadLetters, RetryPolicy retries,
                                          ConsumerStalls stalls) {
        DefaultErrorHandler handler = new DefaultErrorHandler(deadLetters);
        handler.setRetryListeners(new RetryListener() {
            @Override
            public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int deliveryAttempt) {
                stalls.failed(partition(record), ex);
            }

            @Override
            public void failedDelivery(ConsumerRecords<?, ?> records, Exception ex, int deliveryAttempt) {
                records.partitions().forEach(p -> stalls.failed(p.toString(), ex));
            }

            @Override
            public void recovered(ConsumerRecord<?, ?> record, Exception ex) {
                stalls.movedOn(partition(record));
            }
        });
        handler.setBackOffFunction((record, failure) -> retries.backOff(failure));
        // a new kind of failure starts a new count (an outage's errors, then the record's own)
        handler.setResetStateOnExceptionChange(true);
        // DeserializationException is already fatal by default; these are the contract's own verdicts.
        handler.addNotRetryableExceptions(ContractViolation.class, InvalidField.class);
        handler.setCommitRecovered(true);
        // a batch listener's failed record is dead-lettered (logged there) and the rest re-sought: routine, not ERROR
        handler.setLogLevel(org.springframework.kafka.KafkaException.Level.WARN);
        return handler;
    }

    @Bean(name = "kafkaListenerContainerFactory")
    ConcurrentKafkaListenerContainerFactory<Object, Object> kafkaListenerContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ObjectProvider<ConsumerFactory<?, ?>> consumers,
            DefaultErrorHandler errorHandler, BackstopProperties backstop, ConsumerStalls stalls) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        @SuppressWarnings("unchecked")
        ConsumerFactory<Object, Object> consumerFactory = (ConsumerFactory<Object, Object>) consumers.getObject();
        configurer.configure(factory, consumerFactory);
        factory.getContainerProperties().setKafkaAwareTransactionManager(null);
        factory.getContainerProperties().setTransactionManager(null);
        factory.setCommonErrorHandler(errorHandler);
        // what a listener applied moves its partitions on: a stall ends with the first success after it
        factory.setRecordInterceptor(new RecordInterceptor<>() {
            @Override
            public ConsumerRecord<Object, Object> intercept(ConsumerRecord<Object, Object> record,
                                                            Consumer<Object, Object> consumer) {
                return record;
            }

            @Override
            public void success(ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
                stalls.movedOn(partition(record));
            }
        });
        factory.setBatchInterceptor(new BatchInterceptor<>() {
            @Override
            public ConsumerRecords<Object, Object> intercept(ConsumerRecords<Object, Object> records,
                                                             Consumer<Object, Object> consumer) {
                return records;
            }

            @Override
            public void success(ConsumerRecords<Object, Object> records, Consumer<Object, Object> consumer) {
                records.partitions().forEach(p -> stalls.movedOn(p.toString()));
            }
        });
        // on simulated time the containers do not consume: the simulation's EventDriver hands their listeners
        // each step's records in an order that depends only on the data
        factory.setAutoStartup(!backstop.getClock().simulated());
        return factory;
    }

    /**
     * The topics this service uses, created at start when missing; not declared at all with
     * {@code backstop.kafka.create-topics=false} (where the platform owns the topics).
     */
    @Bean
    @ConditionalOnBooleanProperty(name = "backstop.kafka.create-topics", matchIfMissing = true)
    KafkaAdmin.NewTopics backstopTopics(ObjectProvider<ServiceTopics> topics, BackstopProperties backstop) {
        ServiceTopics declared = topics.getIfAvailable(() -> ServiceTopics.of(java.util.Set.of(), java.util.Set.of()));
        return new KafkaAdmin.NewTopics(TopicDeclarations.of(declared, backstop.getKafka()).toArray(NewTopic[]::new));
    }

    /** How a partition is named in the stalls and the health details: {@code topic-partition}. */
    public static String partition(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition();
    }

    @Bean
    KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin kafkaAdmin, KafkaListenerEndpointRegistry listeners) {
        Admin admin = Admin.create(kafkaAdmin.getConfigurationProperties());
        return new KafkaHealthIndicator(admin, listeners, Duration.ofSeconds(3));
    }
}
