package io.backstop.kit.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.backstop.kit.kafka.ConsumerStalls;
import io.backstop.kit.kafka.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.AcknowledgingConsumerAwareMessageListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * The event driver against Kafka's {@link MockConsumer}: a step whose read fails part-way (the broker killed while
 * one listener had read its records and the next had not) loses nothing; the step asked again delivers every
 * record once.
 */
class EventDriverTest {

    private final Map<String, MockConsumer<Object, Object>> consumers = new HashMap<>();
    private final List<String> delivered = new ArrayList<>();

    @Test
    void aStepWhoseReadFailsPartWayDeliversEverythingOnceWhenAskedAgain() {
        EventDriver driver = driver(listener("a", "ticks"), listener("b", "rates"));
        driver.start();
        consumers.get("group-a").addRecord(record("ticks", 0, "BTC"));
        consumers.get("group-a").addRecord(record("ticks", 1, "ETH"));
        consumers.get("group-b").addRecord(record("rates", 0, "USDe"));
        // the broker stops answering the second listener's read, after the first has read its records
        consumers.get("group-b").setPollException(new KafkaException("broker killed"));
        Map<String, List<Long>> ends = Map.of("ticks", List.of(2L), "rates", List.of(1L));

        assertThatThrownBy(() -> driver.dispatch(ends)).isInstanceOf(KafkaException.class);
        assertThat(delivered).as("nothing is handed over before every listener has read its part").isEmpty();

        EventDriver.Dispatched again = driver.dispatch(ends);

        assertThat(again.events()).isEqualTo(3);
        // topics not of the platform come in name order
        assertThat(delivered).containsExactly("rates/USDe", "ticks/BTC", "ticks/ETH");
        assertThat(driver.dispatch(ends).events()).as("a step with nothing new takes nothing in").isZero();
        assertThat(delivered).hasSize(3);
        TopicPartition ticks = new TopicPartition("ticks", 0);
        assertThat(consumers.get("group-a").committed(java.util.Set.of(ticks)).get(ticks))
                .as("no offset is committed before the step's work is").isNull();

        driver.commitOffsets();

        assertThat(consumers.get("group-a").committed(java.util.Set.of(ticks)).get(ticks).offset()).isEqualTo(2);
        driver.stop();
    }

    private MessageListenerContainer listener(String id, String topic) {
        ContainerProperties properties = new ContainerProperties(topic);
        properties.setMessageListener((AcknowledgingConsumerAwareMessageListener<Object, Object>) (record, ack, c) ->
                delivered.add(record.topic() + "/" + record.key()));
        MessageListenerContainer container = mock(MessageListenerContainer.class);
        when(container.getListenerId()).thenReturn(id);
        when(container.getGroupId()).thenReturn("group-" + id);
        when(container.getContainerProperties()).thenReturn(properties);
        MockConsumer<Object, Object> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        consumer.updatePartitions(topic, List.of(new PartitionInfo(topic, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(new TopicPartition(topic, 0), 0L));
        consumers.put("group-" + id, consumer);
        return container;
    }

    @SuppressWarnings("unchecked")
    private EventDriver driver(MessageListenerContainer... containers) {
        KafkaListenerEndpointRegistry registry = mock(KafkaListenerEndpointRegistry.class);
        when(registry.getListenerContainers()).thenReturn(List.of(containers));
        ConsumerFactory<Object, Object> factory = mock(ConsumerFactory.class);
        when(factory.createConsumer(any(), any(), eq("-simulated"), any())).thenAnswer(call ->
                consumers.get((String) call.getArgument(0)));
        return new EventDriver(registry, factory, null, "", new RetryPolicy(1, Duration.ofMillis(10), () -> true),
                new ConsumerStalls(System::nanoTime, Duration.ofSeconds(30)));
    }

    private static ConsumerRecord<Object, Object> record(String topic, long offset, String key) {
        return new ConsumerRecord<>(topic, 0, offset, key, "value");
    }
}
