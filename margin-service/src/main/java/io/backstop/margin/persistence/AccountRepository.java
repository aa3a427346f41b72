package io.backstop.margin.persistence;

import io.backstop.events.json.EventJson;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.Position;
import io.backstop.margin.account.AccountPartitions;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/** Accounts in PostgreSQL, one JSONB document each, saved in batches. */
public class AccountRepository {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AccountRepository.class);
    /** Loads of at least this many accounts (a takeover, a restart) say where their time went. */
    private static final int LOGGED_LOAD = 10_000;

    private final JdbcTemplate jdbc;
    private final EventJson json;
    private final String settlementAsset;
    /** The symbols of the positions restored, each held once (the market catalogue is small). */
    private final Map<String, String> symbols = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The stored form of an account (fields absent from rows written before they existed are null: no
     * settlements). Rows written before the lease also hold lastLiquidationTradeId and lastWaterfallEventId,
     * which are read and ignored (the mapper ignores unknown fields) and gone from the row at its next save.
     */
    record State(Map<String, BigDecimal> balances, List<Position> positions, Map<String, Account.Scope> scopes,
                 Map<java.util.UUID, Account.Settlement> settlements) {
    }

    public AccountRepository(JdbcTemplate jdbc, EventJson json, String settlementAsset) {
        this.jdbc = jdbc;
        this.json = json;
        this.settlementAsset = settlementAsset;
    }

    /**
     * Saves in one batch; call inside the transaction that writes the inbox and outbox. Each row
     * records its Kafka partition for {@code partitionCount} partitions.
     */
    public void saveAll(Collection<Account> accounts, int partitionCount) {
        if (accounts.isEmpty()) {
            return;
        }
        List<Account> list = new ArrayList<>(accounts);
        jdbc.batchUpdate("INSERT INTO account (id, version, state, kafka_partition, partition_count)"
                        + " VALUES (?, ?, ?::jsonb, ?, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state,"
                        + " kafka_partition = excluded.kafka_partition, partition_count = excluded.partition_count,"
                        + " updated_at = now() WHERE account.version < excluded.version",
                list, list.size(), (ps, account) -> {
                    ps.setString(1, account.id());
                    ps.setLong(2, account.version());
                    ps.setString(3, document(account));
                    ps.setInt(4, AccountPartitions.partitionOf(account.id(), partitionCount));
                    ps.setInt(5, partitionCount);
                });
    }

    /** The account's stored document (the {@code state} column): what {@link #load} restores. */
    public String document(Account account) {
        return json.mapper().writeValueAsString(new State(account.balances(),
                List.copyOf(account.positions().values()), account.scopes(), account.settlements()));
    }

    /**
     * The stored version of every account on the given partitions (of {@code partitionCount}): what an
     * instance taking the partitions over must hold. Rows placed for another count are placed again
     * first.
     */
    public Map<String, Long> versions(Collection<Integer> partitions, int partitionCount) {
        place(partitionCount);
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<String, Long> versions = new java.util.HashMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement(
                    "SELECT id, version FROM account WHERE partition_count = ? AND kafka_partition = ANY (?)");
            ps.setInt(1, partitionCount);
            ps.setArray(2, con.createArrayOf("integer", partitions.toArray()));
            return ps;
        }, rs -> {
            versions.put(rs.getString(1), rs.getLong(2));
        });
        return versions;
    }

    private void place(int partitionCount) {
        List<String> unplaced = jdbc.queryForList(
                "SELECT id FROM account WHERE partition_count IS DISTINCT FROM ?", String.class, partitionCount);
        if (!unplaced.isEmpty()) {
            jdbc.batchUpdate("UPDATE account SET kafka_partition = ?, partition_count = ? WHERE id = ?", unplaced,
                    1000, (ps, id) -> {
                        ps.setInt(1, AccountPartitions.partitionOf(id, partitionCount));
                        ps.setInt(2, partitionCount);
                        ps.setString(3, id);
                    });
        }
    }

    public List<Account> load(Collection<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        long started = System.nanoTime();
        long[] parsing = {0};
        List<Account> loaded = jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT id, version, state FROM account WHERE id = ANY (?)");
            ps.setArray(1, con.createArrayOf("text", ids.toArray()));
            return ps;
        }, (rs, i) -> {
            String id = rs.getString(1);
            long version = rs.getLong(2);
            String document = rs.getString(3);
            long before = System.nanoTime();
            Account account = restore(id, version, document);
            parsing[0] += System.nanoTime() - before;
            return account;
        });
        if (loaded.size() >= LOGGED_LOAD) {
            long took = System.nanoTime() - started;
            log.info("loaded {} accounts in {} ms: {} ms restoring their documents (JSON), {} ms querying and"
                    + " transferring", loaded.size(), took / 1_000_000, parsing[0] / 1_000_000,
                    (took - parsing[0]) / 1_000_000);
        }
        return loaded;
    }

    /**
     * Streams the given accounts (on {@code partitionCount} partitions) to {@code holder} as they are restored:
     * the ids are split by partition into chunks of at most {@link #CHUNK} ids, each chunk read with a cursor
     * (a read-only transaction with a fetch size, so PostgreSQL sends rows as they are read rather than the whole
     * result at once) and its documents restored on one of at most {@code threads} loader threads, which take at
     * most {@code connections} connections. {@code holder} runs on the calling thread, one restored account at a
     * time, while the loaders go on; between them is a queue of at most {@link #QUEUED} accounts, so the heap holds
     * that many restored accounts not yet held, and no more, whatever the number loaded.
     *
     * <p>A loader that fails (a document that cannot be restored, PostgreSQL gone) fails the whole load with an
     * {@link IllegalStateException} naming the account, or the partition being read; the other loaders are stopped
     * and every loader thread has ended when this returns or throws. The accounts handed to {@code holder} before
     * the failure are stored versions, so they are correct as far as they go: a caller may keep them and load the
     * rest again later.
     */
    public void load(Collection<String> ids, int partitionCount, int threads, int connections,
                     java.util.function.Consumer<Account> holder) {
        load(ids, partitionCount, threads, connections, CHUNK, holder);
    }

    /** {@link #load(Collection, int, int, int, java.util.function.Consumer)} in chunks of at most {@code chunk} ids. */
    void load(Collection<String> ids, int partitionCount, int threads, int connections, int chunk,
              java.util.function.Consumer<Account> holder) {
        if (ids.isEmpty()) {
            return;
        }
        new ParallelLoad(this, jdbc.getDataSource(), ids, partitionCount, Math.max(1, Math.min(threads, connections)),
                chunk, QUEUED).run(holder);
    }

    /** Ids per query of a parallel load: small enough for several loaders to share the work of one partition. */
    static final int CHUNK = 10_000;
    /** Restored accounts a parallel load may have waiting for the holder. */
    static final int QUEUED = 10_000;

    Account restore(String id, long version, String document) {
        State state = json.mapper().readValue(document, State.class);
        Account account = new Account(id, settlementAsset);
        Map<String, Position> positions = new java.util.LinkedHashMap<>();
        for (Position p : state.positions()) {
            // one String per symbol and one zero for every cross position's margin, not one of each per position:
            // with 5 million positions held, 400 MB of heap (docs/capacity.md)
            String symbol = symbols.computeIfAbsent(p.symbol(), s -> s);
            BigDecimal isolated = BigDecimal.ZERO.equals(p.isolatedMargin()) ? BigDecimal.ZERO : p.isolatedMargin();
            positions.put(symbol, new Position(symbol, p.size(), p.entryPrice(), p.mode(), isolated));
        }
        account.restore(state.balances(), positions, state.scopes(), state.settlements(), version);
        return account;
    }
}
