package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.json.EventJson;
import io.backstop.events.trading.TradeFilled;
import io.backstop.margin.account.AccountPartitions;
import io.backstop.margin.engine.AccountReads;
import io.backstop.testkit.HttpProbe;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Two instances share the accounts by Kafka partition, with real Kafka and PostgreSQL: a second
 * instance joining takes some partitions and loads their accounts; each account is served by exactly
 * one instance (the other answers 421 naming the partition); events of an account are applied by its
 * owner, once; when the second instance stops, the first takes its partitions back with every change
 * the second made. A replica that crashes and comes back under its instance id takes its own partitions back
 * without taking any from the other.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class PartitionOwnershipIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    AccountReads reads;
    @Autowired
    TestInfrastructure infra;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void twoInstancesSplitTheAccountsAndTheSurvivorTakesBackEveryChange() throws Exception {
        HttpProbe first = new HttpProbe(port);
        await().atMost(WAIT).until(() -> reads.ownership().assigned());
        int count = reads.ownership().partitionCount();
        assertThat(reads.ownership().partitions()).hasSize(count);

        // accounts on every partition, opened while the first instance owns them all
        List<String> ids = new ArrayList<>();
        Set<Integer> covered = new HashSet<>();
        for (int i = 0; covered.size() < count || ids.size() < 12; i++) {
            String id = "own-" + i;
            ids.add(id);
            covered.add(AccountPartitions.partitionOf(id, count));
            assertThat(first.post("/api/v1/accounts", "{\"accountId\":\"" + id + "\"}").statusCode()).isEqualTo(201);
            assertThat(first.post("/api/v1/accounts/" + id + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"1000\"}")
                    .statusCode()).isEqualTo(200);
        }

        ConfigurableApplicationContext second = SecondInstance.start(infra);
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            AccountReads other = second.getBean(AccountReads.class);
            HttpProbe secondHttp = new HttpProbe(Integer.parseInt(second.getEnvironment().getProperty("local.server.port")));
            await().atMost(WAIT).until(() -> other.ownership().assigned()
                    && !other.ownership().partitions().isEmpty()
                    && reads.ownership().partitions().size() + other.ownership().partitions().size() == count);
            assertThat(reads.ownership().partitions()).doesNotContainAnyElementsOf(other.ownership().partitions());

            // every account is served by its owner only; the other instance names the partition
            String movedAccount = null;
            for (String id : ids) {
                int partition = AccountPartitions.partitionOf(id, count);
                boolean second0 = other.ownership().partitions().contains(partition);
                HttpProbe owner = second0 ? secondHttp : first;
                HttpProbe elsewhere = second0 ? first : secondHttp;
                JsonNode risk = mapper.readTree(owner.get("/api/v1/accounts/" + id + "/risk").body());
                assertThat(risk.get("collateral").get(0).get("amount").asString()).isEqualTo("1000");
                HttpResponse<String> misdirected = elsewhere.get("/api/v1/accounts/" + id + "/risk");
                assertThat(misdirected.statusCode()).as("%s asked of the instance not owning it", id).isEqualTo(421);
                JsonNode problem = mapper.readTree(misdirected.body());
                assertThat(problem.get("partition").asInt()).isEqualTo(partition);
                assertThat(problem.get("type").asString()).endsWith("/account-elsewhere");
                if (second0 && movedAccount == null) {
                    movedAccount = id;
                }
            }
            assertThat(movedAccount).as("an account on the second instance's partitions").isNotNull();

            // a fill of an account the second instance owns, delivered twice, is applied there once
            EventEnvelope<?> fill = EventEnvelope.of(new TradeFilled("t-" + UUID.randomUUID(), movedAccount, "BTCUSDT",
                    Side.BUY, new BigDecimal("0.01"), new BigDecimal("60000"), new BigDecimal("0.5"), "USDT",
                    MarginMode.CROSS, null), Instant.now(), null, null);
            kafka.send(infra.topic("trades.fills"), movedAccount, json.encode(fill));
            kafka.send(infra.topic("trades.fills"), movedAccount, json.encode(fill));
            String moved = movedAccount;
            await().atMost(WAIT).until(() -> other.view(moved).map(v -> v.positions().containsKey("BTCUSDT"))
                    .orElse(false));
            assertThat(secondHttp.post("/api/v1/accounts/" + moved + "/deposits",
                    "{\"asset\":\"USDT\",\"amount\":\"250\"}").statusCode()).isEqualTo(200);
            long versionThere = other.view(moved).orElseThrow().version();
            Map<String, BigDecimal> balancesThere = other.view(moved).orElseThrow().balances();
            assertThat(reads.view(moved)).as("the first instance does not serve it meanwhile")
                    .satisfiesAnyOf(v -> assertThat(v).isEmpty(), v -> assertThat(reads.owns(moved)).isFalse());

            // the second instance leaves: the first owns everything again, with the second's changes
            second.close();
            await().atMost(WAIT).until(() -> reads.ownership().partitions().size() == count);
            await().atMost(WAIT).until(() -> reads.view(moved).map(v -> v.version() == versionThere).orElse(false));
            assertThat(reads.view(moved).orElseThrow().balances()).isEqualTo(balancesThere);
            // 1,000 + 250 deposited, minus the 0.5 fee charged once
            assertThat(balancesThere.get("USDT")).isEqualByComparingTo("1249.5");
            assertThat(reads.view(moved).orElseThrow().positions().get("BTCUSDT").size())
                    .isEqualByComparingTo("0.01");
            assertThat(first.get("/api/v1/accounts/" + moved + "/risk").statusCode()).isEqualTo(200);
            for (String id : ids) {
                assertThat(reads.owns(id)).isTrue();
                assertThat(reads.view(id)).as(id).isPresent();
            }
        } finally {
            if (second.isActive()) {
                second.close();
            }
        }
    }

    @Test
    void aReplicaBackUnderItsIdAfterACrashTakesItsOwnPartitionsWithoutARebalance() throws Exception {
        await().atMost(WAIT).until(() -> reads.ownership().assigned()
                && reads.ownership().partitions().size() == reads.ownership().partitionCount());
        int count = reads.ownership().partitionCount();
        String id = "returning-" + UUID.randomUUID();
        // stops as a crash does, without leaving the group: it keeps its place until the session times out (45 s)
        ConfigurableApplicationContext crashed = SecondInstance.start(infra, Map.of("backstop.instance-id", id,
                "backstop.margin.leave-group-on-shutdown", "false"));
        Set<Integer> its;
        int revocations;
        try {
            AccountReads other = crashed.getBean(AccountReads.class);
            await().atMost(WAIT).until(() -> other.ownership().assigned() && !other.ownership().partitions().isEmpty()
                    && reads.ownership().partitions().size() + other.ownership().partitions().size() == count);
            its = other.ownership().partitions();
            revocations = reads.ownership().revocations();
            assertThat(revocations).as("the first instance gave partitions to the second").isPositive();
        } finally {
            crashed.close();
        }
        Set<Integer> mine = reads.ownership().partitions();
        assertThat(mine).as("nothing moved while the crashed replica's place is kept").doesNotContainAnyElementsOf(its);

        ConfigurableApplicationContext back = SecondInstance.start(infra, Map.of("backstop.instance-id", id));
        try {
            AccountReads returned = back.getBean(AccountReads.class);
            await().atMost(WAIT).until(() -> returned.ownership().assigned());
            assertThat(returned.ownership().partitions()).as("its own partitions, given back").isEqualTo(its);
            assertThat(reads.ownership().partitions()).isEqualTo(mine);
            assertThat(reads.ownership().revocations()).as("the first instance was not rebalanced")
                    .isEqualTo(revocations);
        } finally {
            // leaves the group as it stops (the default): the first instance takes every partition back at once
            back.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> reads.ownership().partitions().size() == count);
    }
}
