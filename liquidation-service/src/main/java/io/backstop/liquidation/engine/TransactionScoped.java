package io.backstop.liquidation.engine;

import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A value that lives as long as the current transaction: made on first use within it, handed to
 * {@code beforeCommit} just before it commits (to write what it collected as batches), and forgotten when the
 * transaction ends either way. Call only inside a transaction; one instance per kind of value. Values are handed
 * over in the order of {@code order} (lower first), whatever order they were first used in: what one writes in its
 * {@code beforeCommit} may go to a value handed over after it, provided that value was used before the commit began.
 */
final class TransactionScoped<T> {

    private final Supplier<T> create;
    private final Consumer<T> beforeCommit;
    private final int order;

    TransactionScoped(Supplier<T> create, Consumer<T> beforeCommit, int order) {
        this.create = create;
        this.beforeCommit = beforeCommit;
        this.order = order;
    }

    T get() {
        @SuppressWarnings("unchecked")
        T value = (T) TransactionSynchronizationManager.getResource(this);
        if (value == null) {
            T fresh = create.get();
            TransactionSynchronizationManager.bindResource(this, fresh);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public int getOrder() {
                    return order;
                }

                @Override
                public void beforeCommit(boolean readOnly) {
                    beforeCommit.accept(fresh);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(TransactionScoped.this);
                }
            });
            value = fresh;
        }
        return value;
    }

    /** Runs {@code action} once the current transaction has committed (never when it rolls back). */
    static void afterCommit(Runnable action) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }
}
