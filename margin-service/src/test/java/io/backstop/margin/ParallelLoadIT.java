package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountPartitions;
import io.backstop.margin.engine.AccountReads;
import io.backstop.margin.engine.PartitionOwnership;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.testkit.RealInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A partition assignment loads its accounts on several loader threads, from real PostgreSQL: a replacement instance
 * taking every partition over holds exactly the stored accounts, at their stored versions; a stored document that
 * cannot be restored fails the assignment naming the account and its partition, with no loader thread left.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@RealInfrastructure
class ParallelLoadIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int ACCOUNTS = 3_000;

    @Autowired
    ApplicationContext context;
    @Autowired
    AccountReads reads;
    @Autowired
    AccountRepository repository;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aTakeoverOnSeveralLoaderThreadsHoldsExactlyTheStoredAccounts() {
        int count = partitions();
        List<String> ids = IntStream.range(0, ACCOUNTS).mapToObj(i -> "load-" + i).toList();
        store(ids, count);
        Set<Integer> covered = new HashSet<>();
        ids.forEach(id -> covered.add(AccountPartitions.partitionOf(id, count)));
        assertThat(covered).as("accounts on every partition").hasSize(count);
        Set<Integer> all = new HashSet<>(IntStream.range(0, count).boxed().toList());
        Map<String, Long> stored = repository.versions(all, count);

        withReplacement(3, (replacement, replacementReads) -> {
            replacement.assign(all, count);
            Map<String, Long> held = new HashMap<>();
            stored.keySet().forEach(id -> replacementReads.view(id).ifPresent(v -> held.put(id, v.version())));
            assertThat(held).isEqualTo(stored);
            for (int i = 0; i < ACCOUNTS; i += 97) {
                assertThat(held.get(ids.get(i))).isEqualTo(i + 1L);
            }
        });
    }

    @Test
    void anUnreadableDocumentFailsTheAssignmentNamingTheAccount() {
        int count = partitions();
        store(IntStream.range(0, ACCOUNTS).mapToObj(i -> "good-" + i).toList(), count);
        String corrupt = "corrupt-1";
        int partition = AccountPartitions.partitionOf(corrupt, count);
        jdbc.update("INSERT INTO account (id, version, state, kafka_partition, partition_count)"
                + " VALUES (?, 1, '{\"balances\": 5}'::jsonb, ?, ?)", corrupt, partition, count);
        try {
            Set<Integer> all = new HashSet<>(IntStream.range(0, count).boxed().toList());
            withReplacement(3, (replacement, replacementReads) ->
                    assertThatThrownBy(() -> replacement.assign(all, count))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("account " + corrupt + " (partition " + partition + " of " + count)
                            .hasMessageContaining("cannot be restored"));
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("account-loader-"));
        } finally {
            jdbc.update("DELETE FROM account WHERE id = ?", corrupt);
        }
    }

    private int partitions() {
        await().atMost(WAIT).until(() -> reads.ownership().assigned());
        return reads.ownership().partitionCount();
    }

    /** Stores the accounts, the i-th at version i + 1, each on its partition. */
    private void store(List<String> ids, int count) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            rows.add(new Object[] {id, i + 1L, repository.document(new Account(id, "USDT")),
                    AccountPartitions.partitionOf(id, count), count});
        }
        jdbc.batchUpdate("INSERT INTO account (id, version, state, kafka_partition, partition_count)"
                + " VALUES (?, ?, ?::jsonb, ?, ?) ON CONFLICT (id) DO NOTHING", rows);
    }

    private interface Replacement {
        void run(PartitionOwnership ownership, AccountReads reads);
    }

    /** A replacement instance's engine and ownership (as MarginFlowIT's), loading on {@code threads} threads. */
    private void withReplacement(int threads, Replacement body) {
        try (ReplacementEngine replacement = new ReplacementEngine(context)) {
            replacement.engine.start();
            body.run(new PartitionOwnership(replacement.engine, replacement.reads, repository, threads, threads),
                    replacement.reads);
        }
    }
}
