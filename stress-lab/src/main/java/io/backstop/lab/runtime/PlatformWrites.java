package io.backstop.lab.runtime;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What the platform wrote, counted where it is kept: PostgreSQL's own statistics (rows inserted, updated, of them
 * HOT, and deleted per table, from {@code pg_stat_user_tables}; the WAL's position; the database's commits) and the
 * broker's log end offsets per topic (records and transaction markers alike). Two samples around a run give the
 * writes per operation. Unlike CPU time, these are counts: they hardly move from one run of the same load to the
 * next, so a change that writes less shows at once where a CPU difference of 10% is lost in the spread of a shared
 * machine. Where PostgreSQL has {@code pg_stat_statements} loaded, a sample also holds the statements each role (each
 * service's database user) has run.
 *
 * <p>PostgreSQL's statistics are cumulative over the whole server, and a backend adds its own to them at most once
 * a second: one that goes idle less than a second after its last report reports the rest ten seconds later
 * ({@code PGSTAT_IDLE_INTERVAL}). A sample after a run therefore waits {@link #SETTLE} first; with a shorter wait, a
 * drain measured 0.89 liquidations inserted a call where every call inserts one. Rows of transactions that rolled
 * back are counted too: they were written.
 */
public final class PlatformWrites {

    /** How long after a run's last event PostgreSQL's backends are given to report their counts (10 s and a margin). */
    public static final Duration SETTLE = Duration.ofMillis(11_500);

    private final RuntimeSettings settings;

    private PlatformWrites(RuntimeSettings settings) {
        this.settings = settings;
    }

    public static PlatformWrites of(RuntimeSettings settings) {
        return new PlatformWrites(settings);
    }

    /** Rows a table had inserted, updated (of them HOT: no index touched) and deleted, cumulative. */
    public record Rows(long inserted, long updated, long hot, long deleted) {

        Rows minus(Rows before) {
            return new Rows(inserted - before.inserted, updated - before.updated, hot - before.hot,
                    deleted - before.deleted);
        }

        boolean none() {
            return inserted == 0 && updated == 0 && deleted == 0;
        }
    }

    /**
     * The counters at one moment. A part that could not be read is empty, with why in {@code unavailable}.
     *
     * @param tables  rows by {@code schema.table}
     * @param walBytes the WAL's position in bytes
     * @param commits the database's committed transactions
     * @param statements statements run by role, from {@code pg_stat_statements}; empty where it is not loaded
     * @param offsets the log end offsets by topic, summed over its partitions
     */
    public record Sample(Map<String, Rows> tables, Optional<Long> walBytes, Optional<Long> commits,
                         Optional<Map<String, Long>> statements, Map<String, Long> offsets, List<String> unavailable) {
    }

    /**
     * Whether PostgreSQL flushes its WAL to disk before a commit returns ({@code fsync} on and {@code
     * synchronous_commit} not off), as a line for a measurement's header: a commit that waits for the disk costs
     * more, and takes longer, than one that does not, so every figure says which it had. The local runtime's embedded
     * server does not flush unless {@code BACKSTOP_PG_FSYNC=on} ({@link RuntimeSettings}).
     */
    public String walFlush() {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(), settings.pgPassword());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            return describeWalFlush(rs.getString(1), rs.getString(2));
        } catch (SQLException e) {
            return "PostgreSQL's WAL flush: not known (" + e.getMessage() + ")";
        }
    }

    static String describeWalFlush(String fsync, String synchronousCommit) {
        if (!"on".equals(fsync)) {
            return "PostgreSQL does not flush its WAL to disk (fsync off): commits cost less, and wait less, than on"
                    + " a durable deployment (BACKSTOP_PG_FSYNC=on flushes)";
        }
        if ("off".equals(synchronousCommit)) {
            return "PostgreSQL flushes its WAL, but commits do not wait for it (synchronous_commit off)";
        }
        return "PostgreSQL flushes its WAL to disk before each commit returns (fsync on, synchronous_commit "
                + synchronousCommit + ")";
    }

    /** Printed where statements are not counted, with what would count them. */
    static final String NO_STATEMENTS = "statements: not counted (pg_stat_statements is not loaded in this database;"
            + " docs/performance.md says how)";

    /** Reads the counters now; what cannot be read (an external database, a broker gone) is named, not thrown. */
    public Sample sample() {
        Map<String, Rows> tables = new TreeMap<>();
        Optional<Long> wal = Optional.empty();
        Optional<Long> commits = Optional.empty();
        Optional<Map<String, Long>> statements = Optional.empty();
        List<String> unavailable = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(), settings.pgPassword());
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd,"
                    + " n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables")) {
                while (rs.next()) {
                    tables.put(rs.getString(1), new Rows(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,"
                    + " (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())")) {
                rs.next();
                wal = Optional.of(rs.getLong(1));
                commits = Optional.of(rs.getLong(2));
            }
            statements = statements(s);
        } catch (SQLException e) {
            unavailable.add("PostgreSQL (" + e.getMessage() + ")");
        }
        Map<String, Long> offsets = new TreeMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                10000))) {
            Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(false)).names()
                    .get(10, TimeUnit.SECONDS);
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> ends = topics.values().stream()
                    .flatMap(t -> t.partitions().stream().map(p -> new TopicPartition(t.name(), p.partition())))
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            admin.listOffsets(ends).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> offsets.merge(tp.topic(), info.offset(), Long::sum));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            unavailable.add("Kafka (" + e + ")");
        }
        return new Sample(tables, wal, commits, statements, offsets, unavailable);
    }

    /** Statements run by role, or empty when {@code pg_stat_statements} is not there (read last: it may fail). */
    private static Optional<Map<String, Long>> statements(Statement s) {
        try (ResultSet rs = s.executeQuery("SELECT r.rolname, sum(p.calls)::bigint FROM pg_stat_statements p"
                + " JOIN pg_roles r ON r.oid = p.userid GROUP BY r.rolname")) {
            Map<String, Long> byRole = new TreeMap<>();
            while (rs.next()) {
                byRole.put(rs.getString(1), rs.getLong(2));
            }
            return Optional.of(byRole);
        } catch (SQLException e) {
            // the view is missing (no extension in this database) or refuses to answer (the library not preloaded)
            return Optional.empty();
        }
    }

    /** What was written between two samples. */
    public record Written(Map<String, Rows> tables, Optional<Long> walBytes, Optional<Long> commits,
                          Optional<Map<String, Long>> statements, Map<String, Long> offsets, List<String> unavailable) {

        public static Written between(Sample before, Sample after) {
            Map<String, Rows> tables = new TreeMap<>();
            after.tables().forEach((table, rows) -> {
                Rows d = rows.minus(before.tables().getOrDefault(table, new Rows(0, 0, 0, 0)));
                if (!d.none()) {
                    tables.put(table, d);
                }
            });
            Map<String, Long> offsets = new TreeMap<>();
            after.offsets().forEach((topic, end) -> {
                long d = end - before.offsets().getOrDefault(topic, 0L);
                if (d != 0) {
                    offsets.put(topic, d);
                }
            });
            List<String> unavailable = new ArrayList<>(before.unavailable());
            after.unavailable().stream().filter(u -> !unavailable.contains(u)).forEach(unavailable::add);
            Optional<Map<String, Long>> statements = before.statements().flatMap(b -> after.statements().map(a -> {
                Map<String, Long> ran = new TreeMap<>();
                // pg_stat_statements may evict a statement between the samples: a count never goes below zero
                a.forEach((role, n) -> ran.put(role, Math.max(0, n - b.getOrDefault(role, 0L))));
                ran.values().removeIf(n -> n == 0);
                return ran;
            }));
            return new Written(tables, difference(before.walBytes(), after.walBytes()),
                    difference(before.commits(), after.commits()), statements, offsets, unavailable);
        }

        /** Statements every role ran together, where they were counted. */
        public Optional<Long> statementCount() {
            return statements.map(s -> s.values().stream().mapToLong(Long::longValue).sum());
        }

        private static Optional<Long> difference(Optional<Long> before, Optional<Long> after) {
            return before.flatMap(b -> after.map(a -> a - b));
        }

        /** Rows written (inserted, updated, deleted) in every table together. */
        public long rows() {
            return tables.values().stream().mapToLong(r -> r.inserted() + r.updated() + r.deleted()).sum();
        }

        /** Offsets taken in every topic together: records and transaction markers. */
        public long records() {
            return offsets.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Prints what was written per operation: rows per table (inserted, updated with the HOT ones in parentheses,
     * deleted), the WAL's bytes and the commits, and the offsets per topic.
     */
    public static void print(PrintStream out, Written w, long operations, String operation) {
        out.printf("Writes per %s, from PostgreSQL's statistics and the broker's offsets (%,d %ss):%n", operation,
                operations, operation);
        if (!w.tables().isEmpty()) {
            out.printf("  %-40s %9s %16s %9s%n", "PostgreSQL rows", "inserted", "updated (HOT)", "deleted");
            w.tables().forEach((table, r) -> out.printf("  %-40s %9.2f %9.2f (%4.2f) %9.2f%n", table,
                    per(r.inserted(), operations), per(r.updated(), operations), per(r.hot(), operations),
                    per(r.deleted(), operations)));
            out.printf("  %-40s %9.2f rows written a %s%n", "all tables", per(w.rows(), operations), operation);
        }
        w.walBytes().ifPresent(b -> out.printf("  %-40s %,9.0f bytes a %s%n", "WAL", per(b, operations), operation));
        w.commits().ifPresent(c -> out.printf("  %-40s %9.2f a %s%n", "commits", per(c, operations), operation));
        if (w.statements().isPresent()) {
            out.printf("  %-40s %9.2f a %s (pg_stat_statements)%n", "statements", per(w.statementCount().orElse(0L),
                    operations), operation);
            w.statements().get().forEach((role, n) -> out.printf("    %-38s %9.2f%n", "by " + role,
                    per(n, operations)));
        } else if (w.walBytes().isPresent()) {
            out.printf("  %s%n", NO_STATEMENTS);
        }
        if (!w.offsets().isEmpty()) {
            out.printf("  %-40s %9s%n", "Kafka topic", "offsets (records and transaction markers)");
            w.offsets().forEach((topic, n) -> out.printf("  %-40s %9.2f%n", topic, per(n, operations)));
            out.printf("  %-40s %9.2f offsets a %s%n", "all topics", per(w.records(), operations), operation);
        }
        w.unavailable().forEach(u -> out.printf("  not measured: %s%n", u));
    }

    static double per(long count, long operations) {
        return operations == 0 ? 0 : (double) count / operations;
    }
}
