package io.backstop.lab.exchange;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * The exchange outside Backstop, as the stress lab simulates it: it reads the IOC orders on
 * {@code liquidation.orders}, fills each against its {@link OrderBook} within the order's limit and
 * answers on {@code liquidation.executions} (fills and the cancelled rest), and answers the owners' status
 * requests ({@link OrderAnswers}), each answer keyed by its liquidation. Like a real exchange with client order ids,
 * it executes an order id once: a copy (the platform's outbox may publish an event again after a crash) is counted
 * and ignored.
 * {@link #deepBook} is a book of unlimited depth at fixed prices (to measure the platform's side of a burst),
 * {@link #followingMarks} one at the oracle's marks as they move (a load and the wait after it); a scenario's book
 * moves with what it trades.
 */
public final class SimulatedExchange implements AutoCloseable {

    /** Fills an order within its limit: what traded (possibly nothing); the rest is cancelled. */
    @FunctionalInterface
    public interface OrderBook {
        List<ExecutionFill> fill(LiquidationOrderPlaced order);
    }

    /** A book of unlimited depth per symbol at a fixed best bid and ask: all or nothing at the best price. */
    public static SimulatedExchange deepBook(String bootstrap, Map<String, BigDecimal> bids, Map<String, BigDecimal> asks) {
        Map<String, BigDecimal> b = Map.copyOf(bids);
        Map<String, BigDecimal> a = Map.copyOf(asks);
        return new SimulatedExchange(bootstrap, order -> {
            BigDecimal best = (order.side() == Side.SELL ? b : a).get(order.symbol());
            boolean fills = best != null && (order.side() == Side.SELL ? best.compareTo(order.limitPrice()) >= 0
                    : best.compareTo(order.limitPrice()) <= 0);
            return fills ? List.of(new ExecutionFill("sim-" + UUID.randomUUID(), best, order.quantity())) : List.of();
        });
    }

    /**
     * A book of unlimited depth at the oracle's latest marks ({@link MarkBook}), which it follows from
     * {@code oracle.prices} from the topic's start (compacted: the last price of every symbol first); ready once
     * it has read the marks published before it started.
     */
    public static SimulatedExchange followingMarks(String bootstrap) {
        MarkBook book = new MarkBook();
        MarkFeed feed = new MarkFeed(bootstrap, book);
        return new SimulatedExchange(bootstrap, book, feed);
    }

    /**
     * {@link #followingMarks}, ready within {@code timeout}; an {@link IllegalStateException} naming the broker and
     * the cause when it cannot be (nothing left running then).
     */
    public static SimulatedExchange startFollowingMarks(String bootstrap, Duration timeout)
            throws InterruptedException {
        SimulatedExchange exchange = null;
        try {
            exchange = followingMarks(bootstrap);
            exchange.awaitReady(timeout);
            return exchange;
        } catch (RuntimeException e) {
            if (exchange != null) {
                exchange.close();
            }
            throw new IllegalStateException("the exchange could not start (Kafka at " + bootstrap + "): "
                    + e.getMessage(), e);
        }
    }

    private final EventJson json = new EventJson();
    private final MarkFeed feed;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private final OrderAnswers answers;
    private volatile long executed;
    private volatile long copies;
    private volatile boolean running = true;

    public SimulatedExchange(String bootstrap, OrderBook book) {
        this(bootstrap, book, null);
    }

    private SimulatedExchange(String bootstrap, OrderBook book, MarkFeed feed) {
        this.feed = feed;
        this.answers = new OrderAnswers(book);
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "stress-lab-exchange-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(Topic.LIQUIDATION_ORDERS.baseName()));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2),
                new StringSerializer(), new ByteArraySerializer());
        thread = new Thread(this::run, "simulated-exchange");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Waits until the exchange's consumer is assigned its partitions (it reads from the end), and a book that
     * follows the marks has read those published before it started.
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!ready) {
            throw new IllegalStateException("the exchange was not assigned liquidation.orders within " + timeout);
        }
        if (feed != null) {
            feed.awaitCaughtUp(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    private volatile boolean ready;

    public long executed() {
        return executed;
    }

    /** Orders received again with an id already executed (and ignored). */
    public long copies() {
        return copies;
    }

    private void run() {
        while (running) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                answers.answer(json.decode(Topic.LIQUIDATION_ORDERS, record.key(), record.value()).payload(),
                        Instant.now()).ifPresent(execution -> producer.send(answer(json, execution,
                                TraceHeader.of(record))));
                executed = answers.executed();
                copies = answers.copies();
            }
            if (!ready && !consumer.assignment().isEmpty()) {
                ready = true;
            }
        }
        consumer.close();
    }

    /**
     * The record of an answer (an order's execution, or the answer to a status request), in the trace of what it
     * answers: keyed by its liquidation, as the topic declares, not by the order's symbol.
     */
    static ProducerRecord<String, byte[]> answer(EventJson json, EventEnvelope<LiquidationOrderExecuted> execution,
                                                 String traceParent) {
        return TraceHeader.with(new ProducerRecord<>(Topic.LIQUIDATION_EXECUTIONS.baseName(), execution.key(),
                json.encode(execution)), traceParent);
    }

    @Override
    public void close() {
        running = false;
        awaitEnd(thread);
        producer.close();
        if (feed != null) {
            feed.close();
        }
    }

    /** Waits up to 5 s for a thread told to stop (it closes its consumer on the way out). */
    static void awaitEnd(Thread thread) {
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
