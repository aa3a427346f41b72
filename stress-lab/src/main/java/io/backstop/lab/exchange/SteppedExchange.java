package io.backstop.lab.exchange;

import io.backstop.events.EventEnvelope;
import io.backstop.events.EventPayload;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The exchange outside Backstop on simulated time: at each step of the replay it takes every liquidation
 * order published before the step (up to the end offsets the lab read), fills them against its
 * {@link SimulatedExchange.OrderBook} in an order that depends only on the orders (symbol, owner, account,
 * slice), at the world as it is at the step's time, and hands back the executions, stamped with that time,
 * for the lab to publish at the start of the next step: an order reaches the book one step (the reaction
 * time) after it was placed; then it answers the owners' status requests ({@link OrderAnswers}). Like a real
 * exchange with client order ids, it executes an order id once.
 */
public final class SteppedExchange implements AutoCloseable {

    private static final Comparator<LiquidationOrderPlaced> ORDER = Comparator
            .comparing(LiquidationOrderPlaced::symbol)
            .thenComparing(LiquidationOrderPlaced::owner)
            .thenComparing(LiquidationOrderPlaced::accountId)
            .thenComparing(LiquidationOrderPlaced::slice)
            .thenComparing(LiquidationOrderPlaced::side)
            .thenComparing(LiquidationOrderPlaced::quantity);

    private final EventJson json = new EventJson();
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<ConsumerRecord<String, byte[]>> buffered = new ArrayList<>();
    private final OrderAnswers answers;
    private final List<EventEnvelope<?>> executions = new ArrayList<>();

    /** Starts at the end of {@code liquidation.orders}: orders placed before the replay are not its. */
    public SteppedExchange(String bootstrap, SimulatedExchange.OrderBook book) {
        this.answers = new OrderAnswers(book);
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.partitionsFor(Topic.LIQUIDATION_ORDERS.baseName())
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /** Fills every order below {@code endOffsets}, at the world as it is {@code now}; their executions wait in {@link #take}. */
    public void step(Instant now, Map<String, List<Long>> endOffsets) {
        List<LiquidationOrderPlaced> due = new ArrayList<>();
        List<LiquidationOrderStatusRequested> asked = new ArrayList<>();
        Map<java.util.UUID, String> orderTraces = new java.util.HashMap<>();
        for (ConsumerRecord<String, byte[]> r : Fetch.upTo(consumer, partitions, endOffsets, buffered,
                Fetch.PATIENCE)) {
            EventPayload event = json.decode(Topic.LIQUIDATION_ORDERS, r.key(), r.value()).payload();
            if (event instanceof LiquidationOrderPlaced order) {
                due.add(order);
                orderTraces.put(order.orderId(), TraceHeader.of(r));
            } else {
                asked.add((LiquidationOrderStatusRequested) event);
                orderTraces.put(((LiquidationOrderStatusRequested) event).orderId(), TraceHeader.of(r));
            }
        }
        due.sort(ORDER);
        asked.sort(Comparator.comparing(LiquidationOrderStatusRequested::orderId)
                .thenComparing(LiquidationOrderStatusRequested::attempt));
        for (EventPayload event : java.util.stream.Stream.concat(due.stream(), asked.stream()).toList()) {
            answers.answer(event, now).ifPresent(execution -> {
                executions.add(execution);
                String trace = orderTraces.get(execution.payload().orderId());
                if (trace != null) {
                    traceParents.put(execution.eventId(), trace);
                }
            });
        }
    }

    /** The trace context of the order {@code execution} answers, to send as its traceparent header (null for none). */
    public String traceParentOf(EventEnvelope<?> execution) {
        return traceParents.remove(execution.eventId());
    }

    /** The executions' trace contexts, by eventId: an exchange answers an order in the order's trace. */
    private final Map<java.util.UUID, String> traceParents = new java.util.HashMap<>();

    /** The executions decided so far, to publish; the list is emptied. */
    public List<EventEnvelope<?>> take() {
        List<EventEnvelope<?>> taken = List.copyOf(executions);
        executions.clear();
        return taken;
    }

    public boolean hasExecutions() {
        return !executions.isEmpty();
    }

    public long executed() {
        return answers.executed();
    }

    /** Orders received again with an id already executed (and ignored). */
    public long copies() {
        return answers.copies();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
