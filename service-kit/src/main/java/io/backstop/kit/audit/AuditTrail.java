package io.backstop.kit.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The service's audit: who (the token's subject and roles) made which state-changing call, when, with which request
 * id and outcome; appended to {@code audit_event} in the service's schema, which refuses updates and deletes, in the
 * transaction that commits the call's state change when there is one ({@link AuditInTransaction}). Read by operators
 * over {@code GET /api/v1/audit}.
 */
public final class AuditTrail {

    /**
     * One audited call: {@code outcome} {@code committed} when its row was written in the transaction that committed
     * its state change ({@code status} null: not known then), {@code answered} when written after the call, with the
     * answer's {@code status}.
     */
    public record Entry(long id, Instant occurredAt, String subject, String roles, String method, String path,
                        String outcome, Integer status, String requestId, String traceId) {
    }

    static final String COMMITTED = "committed";
    static final String ANSWERED = "answered";

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public AuditTrail(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The call, answered with {@code status}: in a transaction of its own (none of the call's committed). */
    void append(AuditedCall call, int status) {
        insert(call, ANSWERED, status);
    }

    /** The call, in the transaction about to commit its state change (the caller's: this joins it). */
    void appendCommitted(AuditedCall call) {
        insert(call, COMMITTED, null);
    }

    private void insert(AuditedCall call, String outcome, Integer status) {
        jdbc.update("INSERT INTO audit_event (occurred_at, subject, roles, method, path, outcome, status, request_id,"
                        + " trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", Timestamp.from(clock.instant()), call.subject,
                call.roles, call.method, call.path, outcome, status, call.requestId, call.traceId);
    }

    /** The database the rows go to: a transaction on it can carry a row. */
    javax.sql.DataSource dataSource() {
        return jdbc.getDataSource();
    }

    /** Entries after {@code afterId} (0 for the first), oldest first, of {@code subject} unless null; at most {@code limit}. */
    public List<Entry> page(long afterId, String subject, int limit) {
        return jdbc.query("SELECT id, occurred_at, subject, roles, method, path, outcome, status, request_id, trace_id"
                        + " FROM audit_event WHERE id > ? AND (?::text IS NULL OR subject = ?) ORDER BY id LIMIT ?",
                (rs, n) -> new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getObject(8, Integer.class),
                        rs.getString(9), rs.getString(10)),
                afterId, subject, subject, limit);
    }
}
