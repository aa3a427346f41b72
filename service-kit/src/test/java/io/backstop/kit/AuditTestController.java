package io.backstop.kit;

import io.backstop.kit.audit.AuditFilter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A write shaped like a desk's, for the audit's tests: notes {@code <request id>-1}, {@code -2} inserted in
 * {@code audit_test_note} by transactions that commit, roll back or fail at the commit, as {@code mode} says.
 */
@RestController
class AuditTestController {

    /** Audit rows of the request that the failing commit's transaction saw just before it failed, by request id. */
    static final Map<String, Integer> seenInFailedCommit = new ConcurrentHashMap<>();

    private final TransactionTemplate tx;
    private final JdbcTemplate jdbc;

    AuditTestController(TransactionTemplate tx, JdbcTemplate jdbc) {
        this.tx = tx;
        this.jdbc = jdbc;
    }

    @PostMapping("/api/test/notes/{mode}")
    ResponseEntity<String> note(@PathVariable String mode,
                                @RequestHeader(name = AuditFilter.REQUEST_ID, required = false) String requestId) {
        switch (mode) {
            case "commit" -> tx.executeWithoutResult(s -> insert(requestId + "-1"));
            case "twice" -> {
                tx.executeWithoutResult(s -> insert(requestId + "-1"));
                tx.executeWithoutResult(s -> insert(requestId + "-2"));
            }
            case "retry" -> {
                tx.executeWithoutResult(s -> {
                    insert(requestId + "-1");
                    s.setRollbackOnly();
                });
                tx.executeWithoutResult(s -> insert(requestId + "-2"));
            }
            case "rollback" -> {
                tx.executeWithoutResult(s -> {
                    insert(requestId + "-1");
                    s.setRollbackOnly();
                });
                return ResponseEntity.status(409).body("refused");
            }
            case "failing-commit" -> {
                try {
                    tx.executeWithoutResult(s -> {
                        insert(requestId + "-1");
                        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                            @Override
                            public void beforeCommit(boolean readOnly) {
                                seenInFailedCommit.put(requestId, jdbc.queryForObject(
                                        "SELECT count(*) FROM audit_event WHERE request_id = ?", Integer.class,
                                        requestId));
                                throw new IllegalStateException("the commit fails");
                            }
                        });
                    });
                } catch (IllegalStateException failed) {
                    return ResponseEntity.status(500).body("failed");
                }
            }
            default -> {
                return ResponseEntity.badRequest().body("no such mode");
            }
        }
        return ResponseEntity.ok("noted");
    }

    private void insert(String id) {
        jdbc.update("INSERT INTO audit_test_note (id) VALUES (?)", id);
    }
}
