package io.backstop.kit.audit;

import org.springframework.core.Ordered;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Makes an audited call's state change and its audit row one: when a read-write transaction on the audit's database
 * begins on the thread serving an audited call ({@link AuditedCall}), the row is inserted just before that transaction
 * commits, through the same connection, so both commit or neither does. Only the first transaction of the call that
 * commits carries the row (a call may run several, or retry one that rolled back: a rolled-back one takes its row
 * with it, and the next one carries it); the row's outcome is {@code committed} and its status empty, as the answer
 * is not known yet. A call none of whose transactions commits is recorded after its answer ({@link AuditFilter}).
 * Registered on the kit's transaction manager; a transaction on another thread (a desk's own worker) is not seen.
 * Does nothing for threads serving no audited call.
 */
public final class AuditInTransaction implements TransactionExecutionListener {

    @Override
    public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
        AuditedCall call = AuditedCall.current();
        if (call == null || call.recorded() || beginFailure != null || transaction.isReadOnly()
                || !TransactionSynchronizationManager.isSynchronizationActive()
                || !TransactionSynchronizationManager.hasResource(call.trail.dataSource())) {
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new Carrier(call));
    }

    /** The row of one call, in one transaction. */
    private static final class Carrier implements TransactionSynchronization {

        private final AuditedCall call;
        private boolean inserted;

        Carrier(AuditedCall call) {
            this.call = call;
        }

        /** First among the transaction's synchronizations: what runs before commit after it is in the transaction. */
        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            // another transaction of the call (one nested in this, say) may have committed with the row meanwhile
            if (!readOnly && !call.recorded()) {
                call.trail.appendCommitted(call);
                inserted = true;
            }
        }

        @Override
        public void afterCompletion(int status) {
            if (inserted && status == STATUS_COMMITTED) {
                call.committed();
            }
        }
    }
}
