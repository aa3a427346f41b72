package io.backstop.kit.audit;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The audited call a thread is serving, from authorization until it is answered: who, what, its request id, and
 * whether a committed transaction already carries its row. {@link AuditFilter} binds it to the request's thread;
 * {@link AuditInTransaction} puts its row into the first transaction of that thread that commits. A desk that commits
 * the call's change on a thread of its own takes the call with {@link #current()} on the request's thread and carries
 * it into its transaction with {@link #carryInCurrentTransaction()}.
 */
public final class AuditedCall {

    private static final ThreadLocal<AuditedCall> CURRENT = new ThreadLocal<>();

    final AuditTrail trail;
    final String subject;
    final String roles;
    final String method;
    final String path;
    final String requestId;
    final String traceId;
    // set on the thread that committed the row, read on the request's after the desk answered it
    private volatile boolean recorded;

    AuditedCall(AuditTrail trail, String subject, String roles, String method, String path, String requestId,
                String traceId) {
        this.trail = trail;
        this.subject = subject;
        this.roles = roles;
        this.method = method;
        this.path = path;
        this.requestId = requestId;
        this.traceId = traceId;
    }

    /** The audited call this thread serves, or null (no audited call: a consumer, a timer, a read). */
    public static AuditedCall current() {
        return CURRENT.get();
    }

    void bind() {
        CURRENT.set(this);
    }

    static void unbind() {
        CURRENT.remove();
    }

    /** Whether a committed transaction carries this call's row. */
    boolean recorded() {
        return recorded;
    }

    void committed() {
        recorded = true;
    }

    /**
     * Inserts the call's row (outcome {@code committed}) in the read-write transaction active on this thread, on the
     * audit's database, unless a committed transaction already carries it; once that transaction commits, the call is
     * recorded and gets no row after its answer. Call it inside the transaction that commits the call's change, once
     * the change is certain (the row says the change committed). Outside such a transaction it does nothing, and the
     * call is recorded once answered.
     */
    public void carryInCurrentTransaction() {
        if (recorded || !TransactionSynchronizationManager.isActualTransactionActive()
                || TransactionSynchronizationManager.isCurrentTransactionReadOnly()
                || !TransactionSynchronizationManager.isSynchronizationActive()
                || !TransactionSynchronizationManager.hasResource(trail.dataSource())) {
            return;
        }
        trail.appendCommitted(this);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                if (status == STATUS_COMMITTED) {
                    committed();
                }
            }
        });
    }
}
