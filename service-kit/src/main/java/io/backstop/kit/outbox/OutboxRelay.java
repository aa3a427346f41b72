package io.backstop.kit.outbox;

import io.backstop.kit.tracing.EventTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.backstop.kit.lifecycle.DedicatedThread;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the outbox to Kafka. Each round, in one database transaction: take this service's relay
 * lock (a PostgreSQL advisory lock, so among replicas exactly one relays and order is kept), read the
 * oldest events, publish them in one Kafka transaction, and delete them. The events are read from
 * {@code outbox_event} (one a row: bulk loads, and what an older version left) while it has any, then from
 * {@code outbox_batch} (one row a transaction, {@link OutboxFrames}), oldest first, up to the batch size of events.
 * A crash after the Kafka commit and before the database commit publishes the same events again with the same
 * eventIds, which consumers drop; nothing is ever lost. An event's trace context goes as the record's
 * {@code traceparent} header. On simulated time the relay has no thread: it publishes at the end of every step.
 */
public class OutboxRelay extends DedicatedThread implements io.backstop.kit.time.SimulatedWork {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    /**
     * The oldest rows, in one statement: {@code outbox_event}'s (kind 0, one event each: bulk loads, what an older
     * version left), which go first, then {@code outbox_batch}'s (kind 1, a transaction each), as many as it takes to
     * reach the batch size of events, and at least one.
     */
    private static final String SELECT = "SELECT 0 AS kind, id, topic, record_key, trace_parent, payload FROM"
            + " (SELECT id, topic, record_key, trace_parent, payload FROM outbox_event ORDER BY id LIMIT ?) single"
            + " UNION ALL SELECT 1, id, NULL, NULL, NULL, events FROM (SELECT id, events, event_count,"
            + " sum(event_count) OVER (ORDER BY id) AS upto FROM (SELECT id, event_count, events FROM outbox_batch"
            + " ORDER BY id LIMIT ?) oldest) counted WHERE upto - event_count < ? ORDER BY kind, id";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final KafkaTemplate<String, byte[]> kafka;
    private final String topicPrefix;
    private final long lockKey;
    private final int batchSize;
    private final Duration pollInterval;
    private final Clock clock;
    private final Counter published;
    private final Timer publishTime;
    private final AtomicLong oldestAgeMillis = new AtomicLong();

    public OutboxRelay(JdbcTemplate jdbc, TransactionTemplate tx, KafkaTemplate<String, byte[]> kafka,
                       String topicPrefix, String lockName, int batchSize, Duration pollInterval, Clock clock,
                       MeterRegistry meters) {
        super("outbox-relay", Duration.ofSeconds(10));
        this.jdbc = jdbc;
        this.tx = tx;
        this.kafka = kafka;
        this.topicPrefix = topicPrefix;
        this.lockKey = lockName.hashCode();
        this.batchSize = batchSize;
        this.pollInterval = pollInterval;
        this.clock = clock;
        this.published = Counter.builder("backstop.outbox.published")
                .description("Events the outbox relay published to Kafka").register(meters);
        this.publishTime = Timer.builder("backstop.outbox.publish")
                .description("Time to publish one batch in a Kafka transaction").register(meters);
        Gauge.builder("backstop.outbox.oldest.age", oldestAgeMillis, a -> a.get() / 1000.0)
                .description("Age in seconds of the oldest event waiting in the outbox (0 when empty)")
                .baseUnit("seconds").register(meters);
    }

    /** One relay round; returns how many events it published (0 when empty or another replica relays). */
    public int relayOnce() {
        Integer count = tx.execute(status -> {
            // the round's commit only deletes what Kafka already holds: if a crash loses it, the rows are published
            // again with the same eventIds, which consumers drop, so it need not wait for the WAL's flush
            Boolean locked = jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?)"
                    + " AND set_config('synchronous_commit', 'off', true) = 'off'", Boolean.class, lockKey);
            if (!Boolean.TRUE.equals(locked)) {
                return 0;
            }
            List<Long> ids = new ArrayList<>();
            List<OutboxFrames.Frame> frames = new ArrayList<>();
            boolean[] oneEventRows = new boolean[1];
            jdbc.query(SELECT, rs -> {
                boolean oneEvent = rs.getInt(1) == 0;
                if (ids.isEmpty()) {
                    oneEventRows[0] = oneEvent;
                } else if (oneEvent != oneEventRows[0]) {
                    return; // one-event rows go first, in a round of their own
                }
                ids.add(rs.getLong(2));
                if (oneEvent) {
                    frames.add(new OutboxFrames.Frame(rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getBytes(6)));
                } else {
                    frames.addAll(OutboxFrames.decode(rs.getBytes(6)));
                }
            }, batchSize, batchSize, batchSize);
            if (ids.isEmpty()) {
                oldestAgeMillis.set(0);
                return 0;
            }
            publishTime.record(() -> publish(frames));
            // exactly the rows published: a row with a lower id whose transaction committed after the SELECT
            // (each statement sees its own snapshot under READ COMMITTED) stays for the next round
            Long[] relayed = ids.toArray(Long[]::new);
            String table = oneEventRows[0] ? "outbox_event" : "outbox_batch";
            String delete = "DELETE FROM " + table + " WHERE id = ANY (?)";
            jdbc.update(con -> {
                var ps = con.prepareStatement(delete);
                ps.setArray(1, con.createArrayOf("bigint", relayed));
                return ps;
            });
            return frames.size();
        });
        int n = count == null ? 0 : count;
        published.increment(n);
        return n;
    }

    private void publish(List<OutboxFrames.Frame> frames) {
        kafka.executeInTransaction(ops -> {
            @SuppressWarnings("unchecked")
            CompletableFuture<org.springframework.kafka.support.SendResult<String, byte[]>>[] sends =
                    new CompletableFuture[frames.size()];
            for (int i = 0; i < frames.size(); i++) {
                OutboxFrames.Frame frame = frames.get(i);
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topicPrefix + frame.topic(), frame.key(),
                        frame.payload());
                if (frame.traceParent() != null) {
                    record.headers().add(EventTracing.HEADER, frame.traceParent().getBytes(StandardCharsets.UTF_8));
                }
                sends[i] = ops.send(record);
            }
            ops.flush();
            try {
                CompletableFuture.allOf(sends).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("publishing the outbox failed: " + e.getMessage(), e);
            }
            if (stepEnds != null) {
                for (var send : sends) {
                    var meta = send.join().getRecordMetadata();
                    stepEnds.computeIfAbsent(meta.topic(), t -> new java.util.TreeMap<>())
                            .merge(meta.partition(), meta.offset() + 1, Math::max);
                }
            }
            return null;
        });
    }

    /** Simulated time: where the events the current step published end, per topic and partition (else null). */
    private Map<String, Map<Integer, Long>> stepEnds;

    private void refreshOldestAge() {
        Instant oldest = jdbc.queryForObject("SELECT least((SELECT min(created_at) FROM outbox_event),"
                + " (SELECT min(created_at) FROM outbox_batch))", Instant.class);
        oldestAgeMillis.set(oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.instant()).toMillis()));
    }

    @Override
    protected void loop() {
        long backoffMillis = pollInterval.toMillis();
        long lastAgeCheck = 0;
        while (running()) {
            try {
                int n = relayOnce();
                backoffMillis = pollInterval.toMillis();
                if (System.nanoTime() - lastAgeCheck > TimeUnit.SECONDS.toNanos(1)) {
                    refreshOldestAge();
                    lastAgeCheck = System.nanoTime();
                }
                if (n < batchSize) { // else a full batch: there may be more at once
                    LockSupport.parkNanos(this, pollInterval.toNanos()); // or until wakeUp()
                    if (Thread.interrupted()) {
                        return;
                    }
                }
            } catch (RuntimeException e) {
                log.warn("outbox relay round failed, retrying in {} ms: {}", backoffMillis, e.toString());
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            }
        }
    }

    /** A transaction appended events: the relay publishes them now (its thread) or at the step's end (simulated time). */
    public void appended() {
        appendedSinceRelay = true;
        wakeUp();
    }

    /** Whether events may be waiting: set by every commit that appended some, and at start (left from before). */
    private volatile boolean appendedSinceRelay = true;

    @Override
    public void step(Instant now) {
        if (!appendedSinceRelay) {
            publishedAtLastStep = io.backstop.kit.time.Published.NONE;
            return; // nothing was appended since the outbox was last found empty
        }
        appendedSinceRelay = false;
        stepEnds = new java.util.TreeMap<>();
        int total = 0;
        int published;
        try {
            do {
                published = relayOnce();
                total += published;
            } while (published >= batchSize); // a full batch: there may be more
        } catch (RuntimeException e) {
            // the broker or the database failed: what is left in the outbox goes out when the step is asked again,
            // not one step later (which would change when the consumers see it)
            appendedSinceRelay = true;
            stepEnds = null;
            throw e;
        }
        publishedAtLastStep = new io.backstop.kit.time.Published(total, stepEnds);
        stepEnds = null;
        refreshOldestAge();
    }

    private volatile io.backstop.kit.time.Published publishedAtLastStep = io.backstop.kit.time.Published.NONE;

    @Override
    public io.backstop.kit.time.Published publishedAtLastStep() {
        return publishedAtLastStep;
    }

    @Override
    public int stepOrder() {
        return PUBLISH;
    }

    @Override
    protected boolean loopsWhenSimulated() {
        return false;
    }

    /**
     * Below the listener containers' phase: the relay starts before them and stops after them, so
     * what they appended while draining on shutdown is still published.
     */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }
}
