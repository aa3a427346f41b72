package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.json.EventJson;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import io.backstop.margin.config.SeedCommand;
import io.backstop.margin.engine.AccountReads;
import io.backstop.margin.seed.SeedPopulation;
import io.backstop.testkit.HttpProbe;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code ./backstop seed}'s bulk path against real PostgreSQL and Kafka, on a small base: margin's seed mode writes
 * the accounts by COPY and their snapshots into the outbox, which the running instance's relay publishes on
 * account.positions; a seed over seeded accounts is refused unless resumed or replaced; an instance taking the
 * partitions over holds the seeded accounts (AccountEngine's partition assignment) and the risk API answers for one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class SeedIT {

    private static final int ACCOUNTS = 10_000;
    private static final int POSITIONS = 31_250;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Autowired
    AccountReads reads;
    @Autowired
    TestInfrastructure infra;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aSeededBaseIsStoredPublishedAndHeldByTheInstanceThatTakesItsPartitions() throws Exception {
        await().atMost(WAIT).until(() -> reads.ownership().assigned());
        int partitions = reads.ownership().partitionCount();

        Run first = seed(partitions);
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(first.output()).contains("Seeded 10,000 accounts with 31,250 positions at version 1");
        assertThat(first.output()).contains("(100.0%)"); // the progress line

        try (Connection db = connection(); Statement s = db.createStatement()) {
            ResultSet rows = s.executeQuery("SELECT count(*), count(DISTINCT kafka_partition), min(partition_count),"
                    + " sum(jsonb_array_length(state -> 'positions')) FROM account WHERE id LIKE 'seed-%'");
            rows.next();
            assertThat(rows.getLong(1)).isEqualTo(ACCOUNTS);
            assertThat(rows.getInt(2)).isEqualTo(partitions);
            assertThat(rows.getInt(3)).isEqualTo(partitions);
            assertThat(rows.getLong(4)).isEqualTo(POSITIONS);
        }

        // margin publishes each seeded account's positions once, through its own outbox and relay
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            List<ConsumerRecord<String, byte[]>> snapshots = kafka.read(infra.topic("account.positions"), ACCOUNTS,
                    WAIT, r -> r.key().startsWith(SeedPopulation.ID_PREFIX));
            assertThat(snapshots).hasSize(ACCOUNTS);
            EventEnvelope<?> one = json.decode(infra.topic("account.positions"), infra.topicPrefix(), snapshots.get(0).value());
            AccountPositionsSnapshotted payload = (AccountPositionsSnapshotted) one.payload();
            assertThat(payload.positions()).isNotEmpty();
            assertThat(payload.marginRatio()).isLessThanOrEqualTo(SeedPopulation.MAX_MAINTENANCE_SHARE);
        }

        // seeding again is refused, resuming adds nothing, nothing changed
        Run again = seed(partitions);
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.output()).contains("10000 seeded accounts are stored already");
        Run resumed = seed(partitions, "--resume");
        assertThat(resumed.exit()).as(resumed.output()).isZero();
        assertThat(resumed.output()).contains("Seeded 0 accounts", "10,000 present skipped");
        Run bad = seed(partitions, "--positions", "9999");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("--positions must be at least --accounts");

        // written behind the running instance's back: it holds none of them until its partitions are assigned again
        String probeId = SeedPopulation.accountId(4_321);
        assertThat(reads.view(probeId)).isEmpty();
        ConfigurableApplicationContext second = SecondInstance.start(infra);
        try {
            AccountReads other = second.getBean(AccountReads.class);
            await().atMost(WAIT).until(() -> other.ownership().assigned() && !other.ownership().partitions().isEmpty()
                    && reads.ownership().partitions().size() + other.ownership().partitions().size() == partitions);
        } finally {
            second.close();
        }
        // the second instance left: this one takes every partition over and loads every seeded account
        await().atMost(WAIT).until(() -> reads.ownership().partitions().size() == partitions
                && reads.ownership().accounts() >= ACCOUNTS);
        for (long i = 0; i < ACCOUNTS; i += 499) {
            assertThat(reads.view(SeedPopulation.accountId(i))).as("seeded account %d", i).isPresent();
        }

        // at the reference prices every seeded account is re-marked and stays healthy: no margin call
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            long sequence = 1;
            for (Map.Entry<String, BigDecimal> price : new java.util.TreeMap<>(SeedPopulation.REFERENCE_PRICES)
                    .entrySet()) {
                BigDecimal p = price.getValue();
                Instant now = Instant.now();
                kafka.send(infra.topic("oracle.prices"), price.getKey(), json.encode(EventEnvelope.of(
                        new OraclePricePublished(price.getKey(), p, p, p, BigDecimal.ZERO, PriceStatus.OK, null,
                                List.of(), now, now), now, null, sequence++)));
            }
            await().atMost(WAIT).until(() -> new HttpProbe(port).get("/api/v1/accounts/" + probeId + "/risk").body()
                    .contains("\"liquidationPrice\""));
            assertThat(kafka.readUntil(infra.topic("margin.calls"), Duration.ofSeconds(5),
                    r -> r.key().startsWith(SeedPopulation.ID_PREFIX), found -> !found.isEmpty())).isEmpty();
        }

        Account expected = new SeedPopulation(new SeedPopulation.Spec(ACCOUNTS, POSITIONS, 1,
                SeedPopulation.REFERENCE_PRICES), SeedCommand.shipped().calculator(), "USDT").account(4_321, 1);
        HttpResponse<String> risk = new HttpProbe(port).get("/api/v1/accounts/" + probeId + "/risk");
        assertThat(risk.statusCode()).as(risk.body()).isEqualTo(200);
        JsonNode body = mapper.readTree(risk.body());
        assertThat(body.get("accountId").asString()).isEqualTo(probeId);
        assertThat(body.get("positions")).hasSize(expected.positions().size());
        Map.Entry<String, BigDecimal> firstAsset = expected.balances().entrySet().iterator().next();
        JsonNode collateral = body.get("collateral").get(0);
        assertThat(collateral.get("asset").asString()).isEqualTo(firstAsset.getKey());
        assertThat(body.get("status").asString()).isEqualTo("HEALTHY");
        assertThat(new BigDecimal(collateral.get("amount").asString())).isEqualByComparingTo(firstAsset.getValue());

        // replaced by a smaller base: the accounts beyond it are deleted, and their last snapshot holds no positions,
        // so that the fund's ADL queue (built from margin's snapshots) drops them too
        Run smaller = seed(partitions, "--accounts", "9000", "--positions", "28125", "--replace");
        assertThat(smaller.exit()).as(smaller.output()).isZero();
        assertThat(smaller.output()).contains("Seeded 9,000 accounts", "1,000 beyond the count deleted",
                "and 1,000 holding nothing for the deleted ones");
        try (Connection db = connection(); Statement s = db.createStatement()) {
            ResultSet rows = s.executeQuery("SELECT count(*) FROM account WHERE id LIKE 'seed-%'");
            rows.next();
            assertThat(rows.getLong(1)).isEqualTo(9_000);
        }
        try (KafkaProbe kafka = new KafkaProbe(infra.kafka().bootstrapServers())) {
            List<ConsumerRecord<String, byte[]>> emptied = kafka.read(infra.topic("account.positions"), 1_000, WAIT,
                    r -> r.key().compareTo(SeedPopulation.accountId(9_000)) >= 0 && r.key().startsWith("seed-")
                            && ((AccountPositionsSnapshotted) json.decode(infra.topic("account.positions"),
                            infra.topicPrefix(), r.value()).payload()).positions().isEmpty());
            assertThat(emptied).hasSize(1_000);
            assertThat(emptied.stream().map(ConsumerRecord::key).distinct()).hasSize(1_000);
        }
    }

    private record Run(int exit, String output) {
    }

    private Run seed(int partitions, String... more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<String> args = new java.util.ArrayList<>(List.of("--accounts", Integer.toString(ACCOUNTS), "--positions",
                Integer.toString(POSITIONS), "--seed", "1", "--chunk", "3000", "--partitions",
                Integer.toString(partitions), "--jdbc-url", infra.jdbcUrl(), "--user", infra.postgres().user(),
                "--password", infra.postgres().password(), "--schema", infra.schema()));
        for (int i = 0; i < more.length; i++) {
            int at = args.indexOf(more[i]);
            if (at >= 0 && i + 1 < more.length) { // an option given again replaces the default
                args.set(at + 1, more[++i]);
            } else {
                args.add(more[i]);
            }
        }
        int exit = SeedCommand.run(args.toArray(String[]::new), Map.of(), print, print);
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }

    private Connection connection() throws Exception {
        Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.postgres().user(),
                infra.postgres().password());
        c.setSchema(infra.schema());
        return c;
    }
}
