package io.backstop.lab.exchange;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * time) after it was placed. Like a real exchange with client order ids, it executes an order id once.
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
    private final SimulatedExchange.OrderBook book;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<ConsumerRecord<String, byte[]>> buffered = new ArrayList<>();
    private final Set<UUID> seen = new HashSet<>();
    private final List<EventEnvelope<?>> executions = new ArrayList<>();
    private long executed;
    private long copies;

    /** Starts at the end of {@code liquidation.orders}: orders placed before the replay are not its. */
    public SteppedExchange(String bootstrap, SimulatedExchange.OrderBook book) {
        this.book = book;
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
        for (ConsumerRecord<String, byte[]> r : Fetch.upTo(consumer, partitions, endOffsets, buffered,
                Duration.ofSeconds(60))) {
            LiquidationOrderPlaced order = (LiquidationOrderPlaced) json.decode(Topic.LIQUIDATION_ORDERS, r.key(),
                    r.value()).payload();
            if (seen.add(order.orderId())) {
                due.add(order);
            } else {
                copies++;
            }
        }
        due.sort(ORDER);
        for (LiquidationOrderPlaced order : due) {
            List<ExecutionFill> fills = book.fill(order);
            BigDecimal filled = fills.stream().map(ExecutionFill::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
            executions.add(EventEnvelope.causedBy(order.orderId(), "execution", new LiquidationOrderExecuted(
                    order.orderId(), order.liquidationId(), order.symbol(), order.side(), fills,
                    order.quantity().subtract(filled)), now, null));
            executed++;
        }
    }

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
        return executed;
    }

    /** Orders received again with an id already executed (and ignored). */
    public long copies() {
        return copies;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
