package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.json.EventJson;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.events.trading.TradeFilled;
import io.backstop.margin.engine.AccountReads;
import io.backstop.testkit.HttpProbe;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import io.backstop.testkit.TestPostgres;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import tools.jackson.databind.JsonNode;

/**
 * margin-service through a PostgreSQL outage (issue 15): its connections cut and new ones refused for long
 * enough that a commit fails and the reload after it fails too. The service must keep every account it
 * holds, say NOT READY while its engine cannot commit, apply what waited once PostgreSQL is back (exactly
 * once), and go on by itself. Before the fix the failed reload dropped the account from memory: its fill
 * was refused as an unknown account, it answered 404, and every later round failed on its due snapshot.
 *
 * <p>The outage is real but confined to this service: its pool logs in as a role of its own
 * (its own {@code JdbcConnectionDetails}), which the test forbids to log in and whose sessions it
 * terminates (the other tests' connections are untouched).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.hikari.connection-timeout=2000", "backstop.margin.engine-failing-limit=5s"})
@RealInfrastructure
@Import(PostgresOutageIT.OwnRole.class)
class PostgresOutageIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    static final String ROLE = "backstop_outage_it";

    /** The service connects as {@link #ROLE} to the test's database and schema. */
    @TestConfiguration
    static class OwnRole {
        @Bean
        JdbcConnectionDetails outageRole(TestInfrastructure infra) {
            return new JdbcConnectionDetails() {
                @Override
                public String getUsername() {
                    return ROLE;
                }

                @Override
                public String getPassword() {
                    return null;
                }

                @Override
                public String getJdbcUrl() {
                    // a user in the URL (the embedded server's has one) would win over the pool's
                    return infra.jdbcUrl().replaceFirst("([?&])user=[^&]*(&|$)", "$1").replaceFirst("[?&]$", "");
                }
            };
        }
    }

    static {
        // the role the service's pool logs in as: a superuser, so migrations work as before
        sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "') THEN"
                + " CREATE ROLE " + ROLE + " LOGIN SUPERUSER; END IF; END $$", "ALTER ROLE " + ROLE + " LOGIN");
    }

    @Autowired
    TestInfrastructure infra;
    @Autowired
    AccountReads reads;
    @Autowired
    KafkaListenerEndpointRegistry listeners;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;

    @BeforeEach
    void open() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
        await().atMost(WAIT).until(() -> Listeners.allAssigned(listeners) && reads.ownership().assigned());
    }

    @AfterEach
    void close() {
        sql("ALTER ROLE " + ROLE + " LOGIN"); // whatever happened, the role may log in again
        kafka.close();
    }

    @Test
    void throughAnOutageEveryAccountIsKeptWhatWaitedIsAppliedOnceAndReadinessSaysNotReadyMeanwhile() throws Exception {
        sendPrice("60000");
        await().atMost(WAIT).until(() -> reads.prices().quote("BTCUSDT").isPresent());
        String id = "outage-" + UUID.randomUUID();
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + id + "\"}").statusCode()).isEqualTo(201);
        assertThat(deposit(id, "10000").statusCode()).isEqualTo(200);
        sendFill(id, Side.BUY, "1");
        await().atMost(WAIT).until(() -> size(id).compareTo(BigDecimal.ONE) == 0);
        await().atMost(WAIT).until(() -> readiness() == 200);

        assertThat(sessions()).as(() -> "the service's pool logs in as a role of its own; sessions: " + allSessions())
                .isPositive();
        // the outage: the service's sessions cut, its logins refused
        sql("ALTER ROLE " + ROLE + " NOLOGIN",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + ROLE + "'");
        // a deposit is applied in memory, its commit fails, and so does the reload after it: refused, account still held
        HttpResponse<String> refused = deposit(id, "5000");
        assertThat(refused.statusCode()).as(refused.body()).isGreaterThanOrEqualTo(500);
        assertThat(reads.view(id)).as("still held").isPresent();
        sendFill(id, Side.BUY, "1"); // waits: the engine runs nothing until the account is reloaded
        await().atMost(WAIT).until(() -> engineCommits().path("details").path("failingRounds").asLong() >= 3);
        assertThat(readiness()).as("not ready while the engine cannot commit").isEqualTo(503);
        JsonNode commits = engineCommits();
        assertThat(commits.path("status").asString()).isEqualTo("OUT_OF_SERVICE");
        assertThat(commits.path("details").path("accountsToReload").asInt())
                .as("the account the failed commit changed waits to be reloaded, still held").isEqualTo(1);
        assertThat(get("/api/v1/accounts/" + id + "/risk").statusCode()).as("its risk still answered").isEqualTo(200);
        // past backstop.margin.engine-failing-limit (5 s here) liveness fails too: the platform would restart it
        await().atMost(WAIT).until(() -> get("/actuator/health/liveness").statusCode() == 503);

        // PostgreSQL is back for the service
        sql("ALTER ROLE " + ROLE + " LOGIN");
        await().atMost(WAIT).until(() -> readiness() == 200);
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> size(id).compareTo(new BigDecimal("2")) == 0);
        assertThat(engineCommits().path("status").asString()).isEqualTo("UP");
        assertThat(get("/api/v1/accounts/" + id + "/risk").statusCode()).isEqualTo(200);
        assertThat(wallet(id)).as("the refused deposit left nothing behind").isEqualByComparingTo("10000");

        // and it goes on: the deposit retried (with a key, as a client that may have to retry again), a new fill, each
        // applied once
        HttpResponse<String> retried = deposit(id, "5000", "top-up-1");
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(retried.body()).contains("\"applied\":true");
        HttpResponse<String> again = deposit(id, "5000", "top-up-1");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.body()).as("a second retry is told it was applied").contains("\"applied\":false");
        sendFill(id, Side.SELL, "2");
        await().atMost(WAIT).until(() -> size(id).signum() == 0);
        assertThat(wallet(id)).isEqualByComparingTo("15000");
    }

    private BigDecimal size(String id) {
        return reads.view(id).map(v -> v.positions().get("BTCUSDT")).map(p -> p.size()).orElse(BigDecimal.ZERO);
    }

    private BigDecimal wallet(String id) {
        return reads.view(id).orElseThrow().balances().getOrDefault("USDT", BigDecimal.ZERO);
    }

    /** Readiness's part about the account engine committing its rounds. */
    private JsonNode engineCommits() throws Exception {
        return json.mapper().readTree(get("/actuator/health/readiness").body()).path("components").path("engineCommits");
    }

    private int readiness() throws Exception {
        return get("/actuator/health/readiness").statusCode();
    }

    private HttpResponse<String> deposit(String id, String amount) throws Exception {
        return post("/api/v1/accounts/" + id + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"" + amount + "\"}");
    }

    private HttpResponse<String> deposit(String id, String amount, String key) throws Exception {
        return new HttpProbe(port).post("/api/v1/accounts/" + id + "/deposits",
                "{\"asset\":\"USDT\",\"amount\":\"" + amount + "\"}", "Idempotency-Key", key);
    }

    private void sendPrice(String price) {
        BigDecimal p = new BigDecimal(price);
        Instant now = Instant.now();
        kafka.send(infra.topic("oracle.prices"), "BTCUSDT", json.encode(EventEnvelope.of(new OraclePricePublished(
                "BTCUSDT", p, p, p, BigDecimal.ZERO, PriceStatus.OK, null, List.of(), now, now), now, null, 1L)));
    }

    private void sendFill(String accountId, Side side, String quantity) {
        kafka.send(infra.topic("trades.fills"), accountId, json.encode(EventEnvelope.of(new TradeFilled(
                UUID.randomUUID().toString(), accountId, "BTCUSDT", side, new BigDecimal(quantity),
                new BigDecimal("60000"), BigDecimal.ZERO, "USDT", MarginMode.CROSS, null), Instant.now(), null, null)));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return new HttpProbe(port).get(path);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return new HttpProbe(port).post(path, body);
    }

    private static String allSessions() {
        try (Connection c = TestPostgres.shared().connect(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT usename, datname, count(*) FROM pg_stat_activity"
                     + " WHERE backend_type = 'client backend' GROUP BY 1, 2")) {
            StringBuilder b = new StringBuilder();
            while (rs.next()) {
                b.append(rs.getString(1)).append('@').append(rs.getString(2)).append('=').append(rs.getInt(3)).append(' ');
            }
            return b.toString();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int sessions() {
        try (Connection c = TestPostgres.shared().connect(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + ROLE + "'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs statements as the test server's own user (never the role the outage locks out). */
    private static void sql(String... statements) {
        try (Connection c = TestPostgres.shared().connect(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
