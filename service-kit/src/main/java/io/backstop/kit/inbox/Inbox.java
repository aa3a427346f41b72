package io.backstop.kit.inbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The eventIds this service has processed. Recording them happens in the transaction that applies the
 * events, so "applied" and "recorded" are one fact: a redelivered event finds its id and is skipped.
 * One way to record: a poll's deliveries in one statement ({@link #recordFirstDeliveries}). Services whose
 * state is in the database apply a poll through {@link InboxBatch}, which records first and applies the
 * first deliveries; margin-service, whose accounts live in memory and change before its transaction,
 * asks {@link #processedAmong} first and records the same way when it commits.
 */
public class Inbox {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public Inbox(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** One delivered event, to record. */
    public record Delivery(UUID eventId, String topic, int partition, long offset) {
    }

    /**
     * Records a poll's deliveries in one statement and returns the eventIds delivered for the first
     * time (an id twice in the poll counts once). Call inside the applying transaction.
     */
    public java.util.Set<UUID> recordFirstDeliveries(java.util.List<Delivery> deliveries) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("the inbox is written only inside the transaction that applies the event");
        }
        if (deliveries.isEmpty()) {
            return new java.util.HashSet<>();
        }
        return new java.util.HashSet<>(jdbc.query(con -> {
            var ps = con.prepareStatement("INSERT INTO inbox_event (event_id, topic, kafka_partition, kafka_offset)"
                    + " SELECT * FROM unnest(?::uuid[], ?::text[], ?::int[], ?::bigint[])"
                    + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id");
            ps.setArray(1, con.createArrayOf("uuid", deliveries.stream().map(Delivery::eventId).toArray()));
            ps.setArray(2, con.createArrayOf("text", deliveries.stream().map(Delivery::topic).toArray()));
            ps.setArray(3, con.createArrayOf("integer", deliveries.stream().map(Delivery::partition).toArray()));
            ps.setArray(4, con.createArrayOf("bigint", deliveries.stream().map(Delivery::offset).toArray()));
            return ps;
        }, (rs, i) -> rs.getObject(1, UUID.class)));
    }

    /** Which of these eventIds were processed before (one query for a whole batch). */
    public java.util.Set<UUID> processedAmong(java.util.Collection<UUID> eventIds) {
        if (eventIds.isEmpty()) {
            return java.util.Set.of();
        }
        return new java.util.HashSet<>(jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT event_id FROM inbox_event WHERE event_id = ANY (?)");
            ps.setArray(1, con.createArrayOf("uuid", eventIds.toArray()));
            return ps;
        }, (rs, i) -> rs.getObject(1, UUID.class)));
    }

    /**
     * The topic an event was processed from (or, for a request recorded as a delivery, what the request was), if it was
     * processed and not forgotten yet.
     */
    public java.util.Optional<String> topicOf(UUID eventId) {
        return jdbc.query("SELECT topic FROM inbox_event WHERE event_id = ?", (rs, i) -> rs.getString(1), eventId)
                .stream().findFirst();
    }

    public boolean contains(UUID eventId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM inbox_event WHERE event_id = ?)",
                Boolean.class, eventId));
    }

    /** Forgets ids processed longer ago than {@code retention}; returns how many. */
    public int purgeOlderThan(Duration retention) {
        return jdbc.update("DELETE FROM inbox_event WHERE processed_at < ?",
                java.sql.Timestamp.from(Instant.now(clock).minus(retention)));
    }
}
