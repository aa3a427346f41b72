package io.backstop.margin.persistence;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountPartitions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One load of {@link AccountRepository#load(Collection, int, int, int, Consumer)}: loader threads query chunks of
 * ids with a cursor and restore their documents; the calling thread hands each restored account to the holder as
 * it arrives through a bounded queue, so restoring and holding overlap and the heap holds a bounded number of
 * accounts in between. Restoring the JSON was 45% of a 1.6M-account takeover on one thread (docs/capacity.md).
 */
final class ParallelLoad {

    private static final Logger log = LoggerFactory.getLogger(ParallelLoad.class);
    /** Rows the driver fetches per round trip once a cursor is open. */
    private static final int FETCH_SIZE = 1_000;
    /** How long the calling thread waits for loaders it stopped (a query under way ends on its own). */
    private static final long STOP_WAIT_SECONDS = 60;
    private static final AtomicInteger LOADS = new AtomicInteger();

    /** The ids of one query, all on one partition. */
    private record Chunk(int partition, List<String> ids) {
    }

    private final AccountRepository repository;
    private final DataSource dataSource;
    private final int partitionCount;
    private final int threads;
    private final ConcurrentLinkedQueue<Chunk> chunks = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Account> restored;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile boolean stopped;
    private final AtomicLong restoring = new AtomicLong();
    private final AtomicLong querying = new AtomicLong();
    private final int total;

    ParallelLoad(AccountRepository repository, DataSource dataSource, Collection<String> ids, int partitionCount,
                 int threads, int chunk, int queued) {
        this.repository = repository;
        this.dataSource = dataSource;
        this.partitionCount = partitionCount;
        this.total = ids.size();
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        for (String id : ids) {
            byPartition.computeIfAbsent(AccountPartitions.partitionOf(id, partitionCount), p -> new ArrayList<>())
                    .add(id);
        }
        byPartition.forEach((partition, onIt) -> {
            for (int from = 0; from < onIt.size(); from += chunk) {
                chunks.add(new Chunk(partition, onIt.subList(from, Math.min(onIt.size(), from + chunk))));
            }
        });
        this.threads = Math.min(threads, chunks.size());
        this.restored = new ArrayBlockingQueue<>(queued);
    }

    void run(Consumer<Account> holder) {
        long started = System.nanoTime();
        int load = LOADS.incrementAndGet();
        AtomicInteger names = new AtomicInteger();
        ExecutorService loaders = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "account-loader-" + load + "-" + names.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        CountDownLatch finished = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            loaders.execute(() -> {
                try {
                    work();
                } catch (RuntimeException | Error e) {
                    // work() names what failed; anything else (an OutOfMemoryError) is reported as it is
                    failure.compareAndSet(null, e instanceof RuntimeException r ? r
                            : new IllegalStateException("an account loader failed: " + e, e));
                } finally {
                    finished.countDown();
                }
            });
        }
        long holding = 0;
        int held = 0;
        try {
            while (true) {
                RuntimeException failed = failure.get();
                if (failed != null) {
                    throw failed;
                }
                boolean done = finished.getCount() == 0;
                Account account = restored.poll(done ? 0 : 50, TimeUnit.MILLISECONDS);
                if (account == null) {
                    if (done && failure.get() == null) {
                        break;
                    }
                    continue;
                }
                long before = System.nanoTime();
                holder.accept(account);
                holding += System.nanoTime() - before;
                held++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading " + total + " accounts", e);
        } finally {
            stop(loaders);
        }
        if (held != total) {
            log.warn("{} of {} accounts asked for were stored (the others were deleted meanwhile)", held, total);
        }
        if (held >= 10_000) {
            long took = System.nanoTime() - started;
            log.info("loaded {} accounts in {} ms: {} ms restoring their documents (JSON), {} ms querying and"
                            + " transferring (both CPU or wait summed over {} loader threads, in parallel), {} ms"
                            + " holding them on the calling thread while the loaders went on", held, took / 1_000_000,
                    restoring.get() / 1_000_000, querying.get() / 1_000_000, threads, holding / 1_000_000);
        }
    }

    /** Stops the loaders (when the load failed: a loader waiting for room in the queue stops waiting). */
    private void stop(ExecutorService loaders) {
        stopped = true;
        loaders.shutdownNow();
        restored.clear();
        try {
            if (!loaders.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.error("account loaders still running {} s after the load stopped", STOP_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A loader: chunks until none is left, on one connection. */
    private void work() {
        Chunk chunk = chunks.poll();
        if (chunk == null) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            // PostgreSQL's driver reads with a cursor, a fetch size at a time, only outside autocommit
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            try {
                while (chunk != null && !stopped) {
                    read(connection, chunk);
                    chunk = chunks.poll();
                }
            } finally {
                connection.rollback();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("loading the accounts of partition " + chunk.partition() + " of "
                    + partitionCount + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopped: the load failed elsewhere
        }
    }

    private void read(Connection connection, Chunk chunk) throws java.sql.SQLException, InterruptedException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT id, version, state FROM account WHERE id = ANY (?)")) {
            statement.setFetchSize(FETCH_SIZE);
            statement.setArray(1, connection.createArrayOf("text", chunk.ids().toArray()));
            long mark = System.nanoTime();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String id = rows.getString(1);
                    long version = rows.getLong(2);
                    String document = rows.getString(3);
                    long read = System.nanoTime();
                    querying.addAndGet(read - mark);
                    Account account;
                    try {
                        account = repository.restore(id, version, document);
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("account " + id + " (partition " + chunk.partition() + " of "
                                + partitionCount + ", version " + version + ") cannot be restored from its stored"
                                + " document: " + e.getMessage(), e);
                    }
                    restoring.addAndGet(System.nanoTime() - read);
                    while (!restored.offer(account, 100, TimeUnit.MILLISECONDS)) {
                        if (stopped) {
                            return;
                        }
                    }
                    mark = System.nanoTime();
                }
            }
        }
    }
}
