package io.backstop.kit.outbox;

import com.zaxxer.hikari.HikariDataSource;
import io.backstop.kit.tracing.EventTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.backstop.kit.lifecycle.DedicatedThread;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the outbox to Kafka. One instance of a service relays at a time: the one whose relay holds the service's
 * relay lock, a PostgreSQL session advisory lock taken on a connection the relay keeps while it leads (so order is
 * kept among replicas). The others ask for the lock every poll interval, and at once when the leader resigns. Each
 * round, in one database transaction on that connection: read the oldest events, publish them in one Kafka
 * transaction, and delete them. The events are read from {@code outbox_event} (one a row: bulk loads, and what an
 * older version left) while it has any, then from {@code outbox_batch} (one row a transaction, {@link OutboxFrames}),
 * oldest first, up to the batch size of events. The leader is woken by its own instance's commits in process, and by
 * the other instances' through PostgreSQL's {@code NOTIFY} ({@link RelayNotifications}), so its rounds follow the
 * service's work whatever the number of instances; the poll interval is only a sweep for what no wake-up announced
 * (an older version's instance in a rolling upgrade). A crash after the Kafka commit and before the database commit
 * publishes the same events again with the same eventIds, which consumers drop; nothing is ever lost. An event's
 * trace context goes as the record's {@code traceparent} header. On simulated time the relay has no thread: it
 * publishes at the end of every step.
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

    /**
     * The payload of the notification a resigning leader sends. This version's standbys have the lock at once anyway
     * (they wait for it); the previous version's ask for it when told, so a rolling upgrade keeps its quick takeover.
     */
    static final String RESIGNED = "resigned";
    /**
     * The lock's session is probed by the server's TCP keepalives within ~11 s, not PostgreSQL's default two hours: a
     * leader whose machine vanished must not keep the lock, nor a standby whose machine vanished be granted it.
     */
    private static final String KEEPALIVES = "SELECT set_config('tcp_keepalives_idle', '5', false),"
            + " set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false)";
    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(?)";
    private static final String WAIT_FOR_LOCK = "SELECT true FROM (SELECT pg_advisory_lock(?)) granted";

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final String channel;
    private final KafkaTemplate<String, byte[]> kafka;
    private final String topicPrefix;
    private final long lockKey;
    private final int batchSize;
    private final Duration pollInterval;
    private final Clock clock;
    private final Counter published;
    private final Timer publishTime;
    private final AtomicLong oldestAgeMillis = new AtomicLong();
    /** While this instance leads: the connection holding the relay lock, and the round's templates over it. */
    private volatile Leadership leadership;
    /** The standby's request for the lock while it waits in PostgreSQL: stopping cancels it. */
    private volatile Statement waiting;
    /** Set first when the relay stops, so that a standby does not begin to wait again. */
    private volatile boolean stopping;
    /** Whether the last round left events it did not read (one-event rows go in a round of their own). */
    private boolean moreWaiting;

    private record Leadership(Connection connection, JdbcTemplate jdbc, TransactionTemplate tx) {
    }

    /**
     * @param dataSource the service's pool: the relay keeps one of its connections while it leads
     * @param channel    the service's outbox channel ({@link Outbox#notifyRelay}), where a resigning leader says so
     */
    public OutboxRelay(DataSource dataSource, KafkaTemplate<String, byte[]> kafka, String topicPrefix, String lockName,
                       String channel, int batchSize, Duration pollInterval, Clock clock, MeterRegistry meters) {
        super("outbox-relay", Duration.ofSeconds(10));
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        this.channel = channel;
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
        Gauge.builder("backstop.outbox.leading", this, relay -> relay.leads() ? 1 : 0)
                .description("1 on the instance whose relay holds the service's relay lock and publishes, else 0")
                .register(meters);
        Gauge.builder("backstop.outbox.oldest.age", oldestAgeMillis, a -> a.get() / 1000.0)
                .description("Age in seconds of the oldest event waiting in the outbox (0 when empty)")
                .baseUnit("seconds").register(meters);
    }

    /** Whether this instance's relay holds the service's relay lock (and so is the one that publishes). */
    public boolean leads() {
        return leadership != null;
    }

    /** One relay round; returns how many events it published (0 when empty or another instance leads). */
    public int relayOnce() {
        return relayOnce(false);
    }

    /** A round; with {@code waitForLock}, a standby first waits until it leads (or the relay stops). */
    private int relayOnce(boolean waitForLock) {
        Leadership leader = lead(waitForLock);
        if (leader == null) {
            return 0;
        }
        Integer count;
        try {
            count = leader.tx().execute(status -> round(leader.jdbc()));
        } catch (RuntimeException e) {
            if (!usable(leader.connection())) {
                resign(false); // the session, and the lock with it, is gone: lead again (or let another) from a new one
            }
            throw e;
        }
        int n = count == null ? 0 : count;
        published.increment(n);
        return n;
    }

    /**
     * The leadership this instance holds, taking the lock if it is free. Without {@code wait}, null while another
     * instance leads (simulated time asks at every step). With it, blocks in PostgreSQL until the lock is granted,
     * null only when the relay stops meanwhile: a lock wait costs neither side anything while the leader holds it.
     */
    private Leadership lead(boolean wait) {
        Leadership held = leadership;
        if (held != null) {
            return held;
        }
        Connection connection;
        try {
            connection = dataSource.getConnection(); // never a transaction's: the relay keeps it
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("no connection for the relay lock: " + e.getMessage(), e);
        }
        boolean kept = false;
        try {
            connection.setAutoCommit(true);
            try (Statement keepalives = connection.createStatement()) {
                keepalives.execute(KEEPALIVES);
            }
            if (wait) {
                // this instance's commits woke only its own relay while it believed it led (a session lost under
                // it, say): whoever leads now looks for them
                try (PreparedStatement wake = connection.prepareStatement("SELECT pg_notify(?, '')")) {
                    wake.setString(1, channel);
                    wake.execute();
                }
            }
            try (PreparedStatement lock = connection.prepareStatement(wait ? WAIT_FOR_LOCK : TRY_LOCK)) {
                lock.setLong(1, lockKey);
                if (wait) {
                    waiting = lock;
                    if (stopping) {
                        return null;
                    }
                }
                try (ResultSet rs = lock.executeQuery()) {
                    kept = rs.next() && rs.getBoolean(1);
                }
            } finally {
                waiting = null;
            }
            if (!kept) {
                return null;
            }
            SingleConnectionDataSource single = new SingleConnectionDataSource(connection, true);
            leadership = new Leadership(connection, new JdbcTemplate(single),
                    new TransactionTemplate(new JdbcTransactionManager(single)));
            log.info("this instance's outbox relay leads");
            return leadership;
        } catch (SQLException e) {
            if (stopping) {
                return null; // the wait was cancelled: the relay stops
            }
            throw new DataAccessResourceFailureException("asking for the relay lock failed: " + e.getMessage(), e);
        } finally {
            if (!kept) {
                close(connection);
            }
        }
    }

    /** Cancels a standby's wait for the lock, until its thread has left it (a cancel before the wait began is lost). */
    private void cancelWaiting() {
        for (int i = 0; i < 100; i++) {
            Statement request = waiting;
            if (request == null) {
                return;
            }
            try {
                request.cancel();
            } catch (SQLException e) {
                log.debug("cancelling the wait for the relay lock failed: {}", e.toString());
            }
            if (!backOff(20)) {
                return;
            }
        }
    }

    /**
     * Gives the lock up: the connection is closed, not returned to the pool (the session lock ends with its session,
     * and no pooled connection may keep it). With {@code announce} (the instance stops) a standby is told, to take the
     * lock at once; a lost session is not announced (the database may be what failed, and this relay asks again).
     */
    private void resign(boolean announce) {
        Leadership held = leadership;
        leadership = null;
        if (held == null) {
            return;
        }
        closeForGood(dataSource, held.connection());
        log.info("this instance's outbox relay resigned");
        if (!announce) {
            return;
        }
        try {
            jdbc.query("SELECT pg_notify(?, ?)", rs -> { }, channel, RESIGNED);
        } catch (RuntimeException e) {
            log.debug("the resignation was not announced (a standby takes the lock at its next poll): {}",
                    e.toString());
        }
    }

    /** Closes {@code connection} itself, not returning it to the pool: its session's locks and listening end too. */
    static void closeForGood(DataSource dataSource, Connection connection) {
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                dataSource.unwrap(HikariDataSource.class).evictConnection(connection);
            } else {
                connection.close();
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("closing a connection of the relay failed: {}", e.toString());
        }
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("closing a connection failed: {}", e.toString());
        }
    }

    private static boolean usable(Connection connection) {
        try {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private int round(JdbcTemplate jdbc) {
        // the round's commit only deletes what Kafka already holds: if a crash loses it, the rows are published
        // again with the same eventIds, which consumers drop, so it need not wait for the WAL's flush
        jdbc.queryForObject("SELECT set_config('synchronous_commit', 'off', true)", String.class);
        List<Long> ids = new ArrayList<>();
        List<OutboxFrames.Frame> frames = new ArrayList<>();
        boolean[] oneEventRows = new boolean[1];
        moreWaiting = false;
        jdbc.query(SELECT, rs -> {
            boolean oneEvent = rs.getInt(1) == 0;
            if (ids.isEmpty()) {
                oneEventRows[0] = oneEvent;
            } else if (oneEvent != oneEventRows[0]) {
                moreWaiting = true; // one-event rows go first, in a round of their own: the next round at once
                return;
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

    void refreshOldestAge() {
        Instant oldest = jdbc.queryForObject("SELECT least((SELECT min(created_at) FROM outbox_event),"
                + " (SELECT min(created_at) FROM outbox_batch))", Instant.class);
        oldestAgeMillis.set(oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.instant()).toMillis()));
    }

    /**
     * The leader's rounds: at once while a round leaves events behind, else when woken (a commit that appended
     * events, here or at another instance) or after the poll interval. A standby waits for the lock first.
     */
    @Override
    protected void loop() {
        long firstRetryMillis = Math.min(pollInterval.toMillis(), 100); // a lost session is taken again at once
        long backoffMillis = firstRetryMillis;
        long lastAgeCheck = 0;
        while (running() && !stopping) {
            boolean more = false;
            try {
                int n = relayOnce(true);
                backoffMillis = firstRetryMillis;
                more = n >= batchSize || moreWaiting; // a full batch, or rows of the other kind: more at once
                if (!more) {
                    oldestAgeMillis.set(0); // what the round saw is published; what came since is new
                } else if (System.nanoTime() - lastAgeCheck > TimeUnit.SECONDS.toNanos(1)) {
                    refreshOldestAge();
                    lastAgeCheck = System.nanoTime();
                }
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.warn("outbox relay round failed, retrying in {} ms: {}", backoffMillis, e.toString());
                lastAgeCheck = ageWhileFailing(lastAgeCheck);
                if (!backOff(backoffMillis)) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
                continue;
            }
            if (!more) {
                awaitWakeUp(pollInterval); // at once if a commit woke the relay during the round
                if (Thread.interrupted()) {
                    return;
                }
            }
        }
    }

    /**
     * While rounds fail (the broker down, say) the outbox grows: its age is read at most once a second, so that the
     * alert on it fires; a database that fails too leaves the last reading. Returns when it was read.
     */
    private long ageWhileFailing(long lastAgeCheck) {
        if (System.nanoTime() - lastAgeCheck <= TimeUnit.SECONDS.toNanos(1)) {
            return lastAgeCheck;
        }
        try {
            refreshOldestAge();
        } catch (RuntimeException e) {
            log.debug("the outbox's age could not be read: {}", e.toString());
        }
        return System.nanoTime();
    }

    @Override
    public void start() {
        stopping = false;
        super.start();
    }

    /** Stops the thread (a standby's wait for the lock is cancelled), then gives the lock up. */
    @Override
    public void stop() {
        stopping = true;
        cancelWaiting();
        super.stop();
        resign(true);
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
            } while (published >= batchSize || moreWaiting); // a full batch, or the other kind's rows: more
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
