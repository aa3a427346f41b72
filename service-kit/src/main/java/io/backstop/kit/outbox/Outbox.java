package io.backstop.kit.outbox;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import io.backstop.kit.tracing.EventTracing;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Appends events to emit to the outbox table, inside the caller's database transaction: they are
 * published if and only if that transaction commits. The relay publishes them in append order; events
 * with the same key must therefore be appended by one thread at a time (Backstop's consumers process
 * a key on one partition's thread, so they are). With each event it stores the trace context of the work that decided
 * it ({@link EventTracing}): the context current when it is appended, or the one captured when the decision was made
 * ({@link #outgoing}) by services that append a batch's events later, at its commit.
 *
 * <p>Each call writes one row holding all the events it is given ({@link OutboxFrames}), so a transaction that appends
 * its events together costs the database one insert and, once relayed, one delete, however many events it decided.
 */
public class Outbox {

    private static final String INSERT = "INSERT INTO outbox_batch (event_count, events) VALUES (?, ?)";
    private static final String INSERT_AND_NOTIFY = "WITH appended AS (" + INSERT + " RETURNING id)"
            + " SELECT pg_notify(?, '') FROM appended";

    private final JdbcTemplate jdbc;
    private final EventJson json;
    private final EventTracing tracing;
    private volatile Runnable afterCommit = () -> { };
    private volatile String channel;
    private volatile BooleanSupplier notifying = () -> false;

    public Outbox(JdbcTemplate jdbc, EventJson json) {
        this(jdbc, json, EventTracing.NONE);
    }

    public Outbox(JdbcTemplate jdbc, EventJson json, EventTracing tracing) {
        this.jdbc = jdbc;
        this.json = json;
        this.tracing = tracing;
    }

    /** An event decided now, to append later in the same transaction, with the trace context current now. */
    public record Outgoing(EventEnvelope<?> event, String traceParent) {
    }

    /** {@code event} with the trace context of the work deciding it now, for {@link #appendOutgoing} at the commit. */
    public Outgoing outgoing(EventEnvelope<?> event) {
        return new Outgoing(event, tracing.traceParent());
    }

    /** Runs after every transaction that appended events commits (the relay's wake-up call). */
    public void afterCommit(Runnable action) {
        this.afterCommit = action;
    }

    /**
     * Notifies {@code channel} in every transaction that appends events while {@code when} holds (this instance's
     * relay does not lead): PostgreSQL delivers the notification when the transaction commits, to the leading
     * instance's {@link RelayNotifications}, once however many appends the transaction made.
     */
    public void notifyRelay(String channel, BooleanSupplier when) {
        this.channel = channel;
        this.notifying = when;
    }

    public void append(EventEnvelope<?> event) {
        appendAll(List.of(event));
    }

    /** Appends {@code events}, each with the trace context current now. */
    public void appendAll(List<? extends EventEnvelope<?>> events) {
        String traceParent = tracing.traceParent();
        appendOutgoing(events.stream().map(e -> new Outgoing(e, traceParent)).toList());
    }

    /** Appends events decided earlier in this transaction, each with the trace context captured when it was decided. */
    public void appendOutgoing(List<Outgoing> events) {
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
        List<OutboxFrames.Frame> frames = new java.util.ArrayList<>(events.size());
        for (Outgoing outgoing : events) {
            EventEnvelope<?> event = outgoing.event();
            frames.add(new OutboxFrames.Frame(event.topic().baseName(), event.key(), outgoing.traceParent(),
                    json.encode(event)));
        }
        if (channel != null && notifying.getAsBoolean()) {
            jdbc.query(INSERT_AND_NOTIFY, rs -> { }, frames.size(), OutboxFrames.encode(frames), channel);
        } else {
            jdbc.update(INSERT, frames.size(), OutboxFrames.encode(frames));
        }
    }
}
