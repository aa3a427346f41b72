package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The services' PostgreSQL roles on the real embedded server the runtime starts (no Kafka, no service): a role
 * reads and writes its own schema and is refused everything else; a database whose tables the superuser created
 * (before the roles existed) has them handed to the roles by the next start; and the server flushes its WAL when
 * {@code BACKSTOP_PG_FSYNC} says so.
 */
class ServiceRolesIT {

    private static final String PERMISSION_DENIED = "42501";

    private static RuntimeSettings settings;
    private static LocalPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        var environment = TestPlatforms.environment(Path.of("target", "roles-it-" + ProcessHandle.current().pid()));
        environment.put("BACKSTOP_PG_FSYNC", "on"); // the server's own default is off (below)
        settings = RuntimeSettings.fromEnvironment(environment);
        postgres = new LocalPostgres(settings);
        postgres.start();
        // as the services' migrations would: each role's own table in its own schema
        for (Service service : Service.values()) {
            try (Connection c = as(service.databaseRole()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + service.schema() + ".ledger (id bigserial PRIMARY KEY,"
                        + " note text)");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Test
    void theServerFlushesItsWalAtCommitWhenAskedThoughItsEmbeddedDefaultIsNot() throws SQLException {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.pgUser(), settings.pgPassword());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT setting, source FROM pg_settings WHERE name = 'fsync'")) {
            assertThat(rs.next()).isTrue();
            // the embedded server is started with -F (fsync off); the runtime's setting comes after it and wins
            assertThat(rs.getString(1)).isEqualTo("on");
            assertThat(rs.getString(2)).isEqualTo("command line");
        }
        assertThat(PlatformWrites.of(settings).walFlush()).startsWith("PostgreSQL flushes its WAL to disk");
    }

    @Test
    void aRoleReadsAndWritesItsOwnSchema() throws SQLException {
        try (Connection c = as(Service.MARGIN.databaseRole()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO margin.ledger (note) VALUES ('own')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM margin.ledger WHERE note = 'own'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isPositive();
            }
            s.execute("ALTER TABLE margin.ledger ADD COLUMN IF NOT EXISTS added text"); // a later migration
        }
    }

    @Test
    void aRoleCannotReadNorWriteAnotherServicesSchema() throws SQLException {
        try (Connection c = as(Service.MARGIN.databaseRole()); Statement s = c.createStatement()) {
            for (Service other : Service.values()) {
                if (other == Service.MARGIN) {
                    continue;
                }
                assertDenied(s, "SELECT * FROM " + other.schema() + ".ledger");
                assertDenied(s, "INSERT INTO " + other.schema() + ".ledger (note) VALUES ('not mine')");
                assertDenied(s, "CREATE TABLE " + other.schema() + ".planted (id int)");
            }
        }
    }

    @Test
    void aRoleCreatesNothingOutsideItsSchema() throws SQLException {
        try (Connection c = as(Service.ORACLE.databaseRole()); Statement s = c.createStatement()) {
            assertDenied(s, "CREATE TABLE public.planted (id int)");
            assertDenied(s, "CREATE SCHEMA planted");
        }
    }

    @Test
    void tablesTheSuperuserCreatedAreHandedToTheRoleOnTheNextStart() throws Exception {
        try (Connection c = as(settings.pgUser()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS liquidation.before_roles (id bigserial PRIMARY KEY, note text)");
        }
        try (Connection c = as(Service.LIQUIDATION.databaseRole()); Statement s = c.createStatement()) {
            assertDenied(s, "INSERT INTO liquidation.before_roles (note) VALUES ('x')");
        }

        postgres.start(); // running already: what every ./backstop up does to it

        try (Connection c = as(Service.LIQUIDATION.databaseRole()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO liquidation.before_roles (note) VALUES ('now mine')");
            s.execute("ALTER TABLE liquidation.before_roles ADD COLUMN IF NOT EXISTS added text");
        }
        try (Connection c = as(Service.INSURANCE_FUND.databaseRole()); Statement s = c.createStatement()) {
            assertDenied(s, "SELECT * FROM liquidation.before_roles");
        }
    }

    private static void assertDenied(Statement s, String sql) {
        assertThatThrownBy(() -> s.execute(sql)).as(sql).isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getSQLState()).as(sql + ": " + e.getMessage()).isEqualTo(PERMISSION_DENIED));
    }

    private static Connection as(String role) throws SQLException {
        return DriverManager.getConnection(settings.jdbcUrl(), role, "");
    }
}
