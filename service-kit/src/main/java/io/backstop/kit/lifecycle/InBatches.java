package io.backstop.kit.lifecycle;

import java.util.function.IntSupplier;
import org.springframework.transaction.support.TransactionTemplate;

/** Work taken in batches of a bounded size, one transaction each, until a batch comes back short. */
public final class InBatches {

    private InBatches() {
    }

    /**
     * Runs {@code batch} (which handles at most {@code size} items and answers how many) in a transaction of its
     * own, again while it answers {@code size}; returns how many items all the batches handled.
     */
    public static int drain(TransactionTemplate tx, int size, IntSupplier batch) {
        int total = 0;
        int n;
        do {
            Integer done = tx.execute(status -> batch.getAsInt());
            n = done == null ? 0 : done;
            total += n;
        } while (n == size);
        return total;
    }
}
