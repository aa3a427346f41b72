package io.backstop.kit.outbox;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Appends events to emit to the outbox table, inside the caller's database transaction: they are
 * published if and only if that transaction commits. The relay publishes them in append order; events
 * with the same key must therefore be appended by one thread at a time (Backstop's consumers process
 * a key on one partition's thread, so they are).
 */
public class Outbox {

    private static final String INSERT = "INSERT INTO outbox_event (event_id, topic, record_key, event_type, payload)"
            + " VALUES (?, ?, ?, ?, ?)";

    private final JdbcTemplate jdbc;
    private final EventJson json;
    private volatile Runnable afterCommit = () -> { };

    public Outbox(JdbcTemplate jdbc, EventJson json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Runs after every transaction that appended events commits (the relay's wake-up call). */
    public void afterCommit(Runnable action) {
        this.afterCommit = action;
    }

    public void append(EventEnvelope<?> event) {
        appendAll(List.of(event));
    }

    public void appendAll(List<? extends EventEnvelope<?>> events) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("the outbox is written only inside the transaction that decides the events");
        }
        if (events.isEmpty()) {
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                afterCommit.run();
            }
        });
        jdbc.batchUpdate(INSERT, events, events.size(), (ps, event) -> {
            ps.setObject(1, event.eventId());
            ps.setString(2, event.topic().baseName());
            ps.setString(3, event.key());
            ps.setString(4, event.type().wireName());
            ps.setBytes(5, json.encode(event));
        });
    }
}
