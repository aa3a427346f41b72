package io.backstop.kit.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The service's audit: who (the token's subject and roles) made which state-changing call, when, with which request
 * id and answer; appended to {@code audit_event} in the service's schema, which refuses updates and deletes. Read by
 * operators over {@code GET /api/v1/audit}.
 */
public final class AuditTrail {

    /** One audited call. */
    public record Entry(long id, Instant occurredAt, String subject, String roles, String method, String path,
                        int status, String requestId, String traceId) {
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public AuditTrail(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    void append(String subject, String roles, String method, String path, int status, String requestId,
                String traceId) {
        jdbc.update("INSERT INTO audit_event (occurred_at, subject, roles, method, path, status, request_id, trace_id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", Timestamp.from(clock.instant()), subject, roles, method,
                path, status, requestId, traceId);
    }

    /** Entries after {@code afterId} (0 for the first), oldest first, of {@code subject} unless null; at most {@code limit}. */
    public List<Entry> page(long afterId, String subject, int limit) {
        return jdbc.query("SELECT id, occurred_at, subject, roles, method, path, status, request_id, trace_id"
                        + " FROM audit_event WHERE id > ? AND (?::text IS NULL OR subject = ?) ORDER BY id LIMIT ?",
                (rs, n) -> new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8), rs.getString(9)),
                afterId, subject, subject, limit);
    }
}
