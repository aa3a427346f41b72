package io.backstop.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One real PostgreSQL server per JVM, shared by every test in it; each test class works in its own
 * schema. The server is, in this order: the one at {@code BACKSTOP_TEST_PG_URL} (with
 * {@code BACKSTOP_TEST_PG_USER} / {@code BACKSTOP_TEST_PG_PASSWORD}, default {@code postgres} and no
 * password), a Testcontainers PostgreSQL 17 when a Docker engine answers, else an embedded
 * PostgreSQL 17 (zonky). Never skipped: without Docker the embedded server runs.
 */
public final class TestPostgres {

    private static final Logger log = LoggerFactory.getLogger(TestPostgres.class);
    private static final Pattern SAFE_SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static volatile TestPostgres shared;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String kind;
    private final Set<String> createdSchemas = ConcurrentHashMap.newKeySet();

    private TestPostgres(String jdbcUrl, String user, String password, String kind) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.kind = kind;
    }

    /** The JVM's server, started on first use. */
    public static TestPostgres shared() {
        TestPostgres server = shared;
        if (server == null) {
            synchronized (TestPostgres.class) {
                server = shared;
                if (server == null) {
                    server = start();
                    Runtime.getRuntime().addShutdownHook(new Thread(server::dropCreatedSchemas, "test-pg-cleanup"));
                    shared = server;
                }
            }
        }
        return server;
    }

    private static TestPostgres start() {
        String url = System.getenv("BACKSTOP_TEST_PG_URL");
        if (url != null && !url.isBlank()) {
            String user = envOr("BACKSTOP_TEST_PG_USER", "postgres");
            String password = envOr("BACKSTOP_TEST_PG_PASSWORD", "");
            log.info("PostgreSQL for tests: {} (BACKSTOP_TEST_PG_URL)", url);
            return new TestPostgres(url, user, password, "external");
        }
        if (Docker.available()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
            container.start();
            log.info("PostgreSQL for tests: Testcontainers {}", container.getJdbcUrl());
            return new TestPostgres(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                    "testcontainers");
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            String embeddedUrl = embedded.getJdbcUrl("postgres", "postgres");
            log.info("PostgreSQL for tests: embedded {}", embeddedUrl);
            return new TestPostgres(embeddedUrl, "postgres", "", "embedded");
        } catch (IOException e) {
            throw new IllegalStateException("could not start an embedded PostgreSQL for tests", e);
        }
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    /** The server's JDBC URL, without a schema. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The JDBC URL whose connections work in {@code schema} by default. */
    public String jdbcUrl(String schema) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** {@code external}, {@code testcontainers} or {@code embedded}. */
    public String kind() {
        return kind;
    }

    /**
     * Creates (or empties) a schema for one test class and remembers it, so it is dropped when the JVM
     * ends. Names are lower-case identifiers.
     */
    public String freshSchema(String name) {
        String schema = name.toLowerCase(Locale.ROOT);
        if (!SAFE_SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("not a safe schema name: " + name);
        }
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema);
        createdSchemas.add(schema);
        return schema;
    }

    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (!password.isEmpty()) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(jdbcUrl, props);
    }

    private void execute(String... statements) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL for tests at " + jdbcUrl + " refused: " + e.getMessage(), e);
        }
    }

    private void dropCreatedSchemas() {
        if (createdSchemas.isEmpty() || !"external".equals(kind)) {
            return; // throw-away servers go with their container or process
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String schema : createdSchemas) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        } catch (SQLException e) {
            log.warn("could not drop test schemas {}: {}", createdSchemas, e.getMessage());
        }
    }
}
