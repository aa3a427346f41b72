package io.backstop.margin.persistence;

import io.backstop.events.EventEnvelope;
import io.backstop.margin.account.Account;
import io.backstop.margin.seed.SeedPopulation;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes a {@link SeedPopulation} into margin's store, a chunk of accounts per transaction: the chunk's rows
 * ({@link AccountCopy#accounts}) and their positions snapshots in the outbox ({@link AccountCopy#outbox}), which
 * the running service's relay publishes on {@code account.positions} for the fund's ADL queue. A chunk commits
 * whole or not at all, and the ids are the accounts' indexes: an interrupted seed is completed with
 * {@link Mode#RESUME} (the accounts present are skipped) or redone with {@link Mode#REPLACE}. The next chunk is
 * generated while the current one is copied.
 */
public final class AccountSeeding {

    /** What to do when seeded accounts are stored already. */
    public enum Mode {
        /** Refuse ({@link AlreadySeeded}). */
        NEW,
        /** Replace them, at a higher version (and delete the seeded accounts beyond the new count). */
        REPLACE,
        /** Add the accounts missing, at the version of those present: completes an interrupted seed. */
        RESUME
    }

    /** Seeded accounts are stored already and the mode is {@link Mode#NEW}. */
    public static final class AlreadySeeded extends RuntimeException {
        public AlreadySeeded(long count) {
            super(count + " seeded accounts are stored already: --replace replaces them, --resume completes an"
                    + " interrupted seed of the same options");
        }
    }

    /** What a seed wrote. */
    public record Result(long accounts, long positions, long skipped, long deleted, long version, Duration took) {
    }

    static final String SEEDED = "id ~ '^" + SeedPopulation.ID_PREFIX + "[0-9]{9}$'";

    private final SeedPopulation population;
    private final AccountCopy copy;
    private final int partitionCount;
    private final int chunkSize;
    private final Clock clock;
    private final PrintStream progress;
    private final Duration progressEvery;

    public AccountSeeding(SeedPopulation population, AccountCopy copy, int partitionCount, int chunkSize, Clock clock,
                          PrintStream progress, Duration progressEvery) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("the chunk size must be positive, got " + chunkSize);
        }
        this.population = population;
        this.copy = copy;
        this.partitionCount = partitionCount;
        this.chunkSize = chunkSize;
        this.clock = clock;
        this.progress = progress;
        this.progressEvery = progressEvery;
    }

    private record Chunk(long from, List<Account> accounts, List<EventEnvelope<?>> snapshots, long positions) {
    }

    /** Seeds on {@code connection} (its auto-commit is turned off: one transaction per chunk). */
    public Result run(Connection connection, Mode mode) throws SQLException {
        long started = System.nanoTime();
        connection.setAutoCommit(false);
        long[] stored = stored(connection);
        connection.commit();
        long count = stored[0];
        if (count > 0 && mode == Mode.NEW) {
            throw new AlreadySeeded(count);
        }
        long version = count == 0 ? 1 : mode == Mode.REPLACE ? stored[1] + 1 : stored[1];
        long total = population.spec().accounts();
        long written = 0;
        long positions = 0;
        long skipped = 0;
        long lastReport = System.nanoTime();
        ExecutorService generator = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "seed-generator");
            t.setDaemon(true);
            return t;
        });
        try {
            final long v = version;
            CompletableFuture<Chunk> next = CompletableFuture.supplyAsync(() -> chunk(0, v), generator);
            for (long from = 0; from < total; from += chunkSize) {
                Chunk chunk = next.join();
                long after = from + chunkSize;
                next = after < total ? CompletableFuture.supplyAsync(() -> chunk(after, v), generator) : null;
                Chunk toWrite = chunk;
                if (count > 0) {
                    Set<String> present = present(connection, chunk.accounts());
                    if (mode == Mode.REPLACE) {
                        delete(connection, present);
                    } else if (!present.isEmpty()) {
                        toWrite = without(chunk, present);
                        skipped += present.size();
                    }
                }
                copy.accounts(connection, toWrite.accounts(), partitionCount);
                copy.outbox(connection, toWrite.snapshots());
                connection.commit();
                written += toWrite.accounts().size();
                positions += toWrite.positions();
                long now = System.nanoTime();
                if (now - lastReport >= progressEvery.toNanos()) {
                    report(Math.min(after, total), total, written, positions, now - started);
                    lastReport = now;
                }
            }
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            generator.shutdownNow();
        }
        long deleted = 0;
        if (mode == Mode.REPLACE && count > 0) {
            deleted = deleteBeyond(connection, total);
        }
        report(total, total, written, positions, System.nanoTime() - started);
        return new Result(written, positions, skipped, deleted, version,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Deletes the seeded accounts at or beyond index {@code total}, a chunk a transaction, and with each deleted
     * account appends a snapshot of no positions, one version above its last, to the outbox: the fund's ADL queue,
     * built from margin's snapshots, then drops them too, instead of keeping their last positions.
     */
    private long deleteBeyond(Connection connection, long total) throws SQLException {
        long deleted = 0;
        while (true) {
            List<Account> gone = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement("SELECT id, version FROM account WHERE " + SEEDED
                    + " AND substr(id, " + (SeedPopulation.ID_PREFIX.length() + 1) + ")::bigint >= ? ORDER BY id"
                    + " LIMIT ?")) {
                ps.setLong(1, total);
                ps.setInt(2, chunkSize);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        gone.add(population.emptied(rs.getString(1), rs.getLong(2) + 1));
                    }
                }
            }
            if (gone.isEmpty()) {
                return deleted;
            }
            var at = clock.instant();
            copy.outbox(connection, gone.stream().<EventEnvelope<?>>map(a -> population.snapshot(a, at)).toList());
            delete(connection, gone.stream().map(Account::id).collect(java.util.stream.Collectors.toSet()));
            connection.commit();
            deleted += gone.size();
        }
    }

    /** How many seeded accounts are stored, and their highest version. */
    static long[] stored(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT count(*), coalesce(max(version), 0)"
                + " FROM account WHERE " + SEEDED); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private Chunk chunk(long from, long version) {
        long to = Math.min(from + chunkSize, population.spec().accounts());
        List<Account> accounts = new ArrayList<>((int) (to - from));
        List<EventEnvelope<?>> snapshots = new ArrayList<>((int) (to - from));
        long positions = 0;
        var at = clock.instant();
        for (long i = from; i < to; i++) {
            Account account = population.account(i, version);
            accounts.add(account);
            snapshots.add(population.snapshot(account, at));
            positions += account.positions().size();
        }
        return new Chunk(from, accounts, snapshots, positions);
    }

    private static Chunk without(Chunk chunk, Set<String> present) {
        List<Account> accounts = new ArrayList<>();
        List<EventEnvelope<?>> snapshots = new ArrayList<>();
        long positions = 0;
        for (int i = 0; i < chunk.accounts().size(); i++) {
            Account account = chunk.accounts().get(i);
            if (!present.contains(account.id())) {
                accounts.add(account);
                snapshots.add(chunk.snapshots().get(i));
                positions += account.positions().size();
            }
        }
        return new Chunk(chunk.from(), accounts, snapshots, positions);
    }

    private static Set<String> present(Connection connection, List<Account> accounts) throws SQLException {
        Set<String> present = new HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT id FROM account WHERE id = ANY (?)")) {
            ps.setArray(1, connection.createArrayOf("text", accounts.stream().map(Account::id).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        return present;
    }

    private static void delete(Connection connection, Set<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement("DELETE FROM account WHERE id = ANY (?)")) {
            ps.setArray(1, connection.createArrayOf("text", ids.toArray()));
            ps.executeUpdate();
        }
    }

    private void report(long done, long total, long written, long positions, long nanos) {
        double seconds = nanos / 1e9;
        double rate = seconds > 0 ? written / seconds : 0;
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        progress.printf("  %,d of %,d accounts (%.1f%%), %,d positions, %,.0f accounts/s, %.0f s, ETA %d s%n",
                done, total, 100.0 * done / total, positions, rate, seconds, eta);
    }
}
