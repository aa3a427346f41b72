package io.backstop.liquidation;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A test double of the exchange: fills {@code liquidation.orders} as IOC limit orders against a
 * configured book per symbol (sells hit the bids, buys lift the asks, never beyond the limit), the
 * depth it takes is gone, and what cannot fill is cancelled; answers on {@code liquidation.executions}.
 */
final class TestExchange implements AutoCloseable {

    /** One price level: price and the quantity still resting there. */
    static final class Level {
        final BigDecimal price;
        BigDecimal quantity;

        Level(String price, String quantity) {
            this.price = new BigDecimal(price);
            this.quantity = new BigDecimal(quantity);
        }
    }

    private final EventJson json = new EventJson();
    private final Map<String, List<Level>> bids = new ConcurrentHashMap<>();
    private final Map<String, List<Level>> asks = new ConcurrentHashMap<>();
    private final List<LiquidationOrderPlaced> orders = new CopyOnWriteArrayList<>();
    private final Map<UUID, Instant> arrivals = new ConcurrentHashMap<>();
    private final Map<UUID, EventEnvelope<LiquidationOrderExecuted>> answered = new ConcurrentHashMap<>();
    private final List<LiquidationOrderStatusRequested> statusRequests = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> losing = ConcurrentHashMap.newKeySet();
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final String executionsTopic;
    private final Thread thread;
    private volatile boolean running = true;

    TestExchange(String bootstrap, String prefix) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, prefix + "test-exchange-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(prefix + Topic.LIQUIDATION_ORDERS.baseName()));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        executionsTopic = prefix + Topic.LIQUIDATION_EXECUTIONS.baseName();
        thread = new Thread(this::run, "test-exchange");
        thread.setDaemon(true);
        thread.start();
    }

    /** Replaces the symbol's book: bids (best first) take sells, asks (best first) take buys. */
    TestExchange book(String symbol, List<Level> bidLevels, List<Level> askLevels) {
        bids.put(symbol, new CopyOnWriteArrayList<>(bidLevels));
        asks.put(symbol, new CopyOnWriteArrayList<>(askLevels));
        return this;
    }

    List<LiquidationOrderPlaced> orders() {
        return orders;
    }

    /** Orders of {@code account} are lost on the way from now on: never received, never answered. */
    void loseOrdersOf(String account) {
        losing.add(account);
    }

    /** Orders of {@code account} arrive again. */
    void stopLosingOrdersOf(String account) {
        losing.remove(account);
    }

    /** The status requests the exchange answered. */
    List<LiquidationOrderStatusRequested> statusRequests() {
        return statusRequests;
    }

    /** When the order reached the exchange. */
    Instant arrival(UUID orderId) {
        return arrivals.get(orderId);
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                EventEnvelope<?> event = json.decode(Topic.LIQUIDATION_ORDERS, record.key(), record.value());
                EventEnvelope<LiquidationOrderExecuted> answer = answer(event.payload());
                if (answer != null) {
                    producer.send(new ProducerRecord<>(executionsTopic, answer.key(), json.encode(answer)));
                }
            }
        }
        consumer.close();
    }

    /**
     * An order is filled (unless lost); a status request is answered with the order's execution again, or, for an
     * order never received, a cancel of the whole quantity — as the contract of LiquidationOrderStatusRequested says.
     */
    private EventEnvelope<LiquidationOrderExecuted> answer(Object payload) {
        if (payload instanceof LiquidationOrderStatusRequested asked) {
            statusRequests.add(asked);
            return answered.computeIfAbsent(asked.orderId(), id -> EventEnvelope.of(new LiquidationOrderExecuted(
                    id, asked.liquidationId(), asked.symbol(), asked.side(), List.of(), asked.quantity()), Instant.now(),
                    id, null));
        }
        LiquidationOrderPlaced order = (LiquidationOrderPlaced) payload;
        if (losing.contains(order.accountId()) || answered.containsKey(order.orderId())) {
            return null;
        }
        arrivals.put(order.orderId(), Instant.now());
        orders.add(order);
        EventEnvelope<LiquidationOrderExecuted> execution = execute(order);
        answered.put(order.orderId(), execution);
        return execution;
    }

    private synchronized EventEnvelope<LiquidationOrderExecuted> execute(LiquidationOrderPlaced order) {
        List<Level> book = (order.side() == Side.SELL ? bids : asks).getOrDefault(order.symbol(), List.of());
        BigDecimal left = order.quantity();
        List<ExecutionFill> fills = new ArrayList<>();
        for (Level level : book) {
            boolean withinLimit = order.side() == Side.SELL ? level.price.compareTo(order.limitPrice()) >= 0
                    : level.price.compareTo(order.limitPrice()) <= 0;
            if (left.signum() == 0 || !withinLimit) {
                break;
            }
            BigDecimal take = left.min(level.quantity);
            if (take.signum() > 0) {
                fills.add(new ExecutionFill("x-" + UUID.randomUUID(), level.price, take));
                level.quantity = level.quantity.subtract(take);
                left = left.subtract(take);
            }
        }
        return EventEnvelope.of(new LiquidationOrderExecuted(order.orderId(), order.liquidationId(), order.symbol(),
                order.side(), fills, left), Instant.now(), order.orderId(), null);
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
    }
}
