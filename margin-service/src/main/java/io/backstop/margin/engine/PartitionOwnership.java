package io.backstop.margin.engine;

import io.backstop.margin.account.Account;
import io.backstop.margin.decision.Reassignment;
import io.backstop.margin.persistence.AccountRepository;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the consumer's assignment of the account topics' partitions: the accounts of the partitions this
 * instance owns are the ones it holds, loaded from PostgreSQL when they are not current; what to drop and
 * what to load is {@link Reassignment}'s decision.
 */
public class PartitionOwnership {

    private static final Logger log = LoggerFactory.getLogger(PartitionOwnership.class);
    /** How long an assignment may load: below Kafka's default max.poll.interval.ms (5 min). */
    static final java.time.Duration ASSIGNMENT_LIMIT = java.time.Duration.ofMinutes(4);

    private final AccountEngine engine;
    private final AccountReads reads;
    private final AccountRepository repository;
    /** Threads restoring the accounts of an assignment, besides the account engine's. */
    private final int loaderThreads;
    /** Database connections those threads may take: the engine's commits need the rest of the pool. */
    private final int loaderConnections;

    /** Loads with a thread per processor on at most 8 connections (the default pool of 10, less 2). */
    public PartitionOwnership(AccountEngine engine, AccountReads reads, AccountRepository repository) {
        this(engine, reads, repository, Runtime.getRuntime().availableProcessors(), 8);
    }

    public PartitionOwnership(AccountEngine engine, AccountReads reads, AccountRepository repository,
                              int loaderThreads, int loaderConnections) {
        this.engine = engine;
        this.reads = reads;
        this.repository = repository;
        this.loaderThreads = Math.max(1, loaderThreads);
        this.loaderConnections = Math.max(1, loaderConnections);
    }

    /**
     * Takes over the accounts of newly assigned partitions (of {@code count} partitions): accounts
     * held that are no longer owned are dropped; those stored with another version than the one held
     * (changed by the instance that owned them meanwhile), or not held at all, are loaded from
     * PostgreSQL and reviewed at the current prices. Blocks until done; called from the consumer's
     * rebalance callback, before any record of those partitions is delivered.
     *
     * <p>The accounts are queried and restored on loader threads ({@code backstop.margin.loader-threads}), by
     * partition and in chunks, while the engine thread holds each one as it is restored
     * ({@link AccountRepository#load(java.util.Collection, int, int, int, java.util.function.Consumer)}). A load
     * that fails (a document that cannot be restored, PostgreSQL gone) fails the assignment with an error naming the
     * account or the partition, after every loader thread has stopped. The accounts held by then stay held: each is
     * a stored version, and the next assignment loads whatever is not held at its stored version, the rest of them
     * included.
     */
    public void assign(Set<Integer> partitions, int count) {
        // as long as Kafka lets a rebalance callback run (max.poll.interval.ms, 5 min by default): an instance taking
        // over 1.6 million accounts loads for longer than the 30 s of a command, and a callback that gave up would
        // only queue the same load again on the next rebalance (docs/capacity.md)
        engine.call(batch -> {
            long started = System.nanoTime();
            HeldAccounts held = batch.held();
            int before = reads.partitionCount();
            if (before != count && before != 0) {
                log.warn("the account topics now have {} partitions instead of {}: every account is re-placed",
                        count, before);
            }
            Set<Integer> owned = reads.assigned(partitions, count);
            List<String> dropped = Reassignment.notOwned(held.ids(), owned, count);
            dropped.forEach(held::drop);
            Map<String, Long> stored = repository.versions(owned, count);
            long versionsRead = System.nanoTime();
            List<String> stale = Reassignment.stale(stored, id -> {
                Account account = held.get(id);
                return account == null ? null : account.version();
            });
            // held as they are restored, and reviewed at the current prices in the rounds that follow
            repository.load(stale, count, loaderThreads, loaderConnections, held::loaded);
            reads.assignedOnce();
            long done = System.nanoTime();
            log.info("owning partitions {} of {}: {} accounts held, {} loaded, {} dropped in {} ms ({} ms reading"
                            + " versions, {} ms loading)", new TreeSet<>(owned), count, held.size(), stale.size(),
                    dropped.size(), (done - started) / 1_000_000, (versionsRead - started) / 1_000_000,
                    (done - versionsRead) / 1_000_000);
            return null;
        }, ASSIGNMENT_LIMIT);
    }

    /**
     * Partitions taken away: their accounts are no longer served (REST answers 421) but stay in memory
     * until the next assignment decides, so a partition given straight back costs no reload; whatever
     * another owner changed meanwhile is reloaded by version then.
     */
    public void revoke(Set<Integer> partitions) {
        Set<Integer> owned = reads.revoked(partitions);
        log.info("partitions {} revoked; still owning {}", partitions, new TreeSet<>(owned));
    }
}
