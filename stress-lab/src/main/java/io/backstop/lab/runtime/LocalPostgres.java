package io.backstop.lab.runtime;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Backstop's PostgreSQL: the server at {@code BACKSTOP_PG_URL} when given (never started or stopped
 * here), else an embedded PostgreSQL 17 (zonky's binaries, from Maven Central) running as its own
 * daemon with its data in {@code run/pg/data}, so it outlives this command and keeps its data across
 * restarts. On the embedded server each service has a role of its own ({@link ServiceRoles}); on a server of
 * one's own the services connect as {@code BACKSTOP_PG_USER}, whose rights are that server's business.
 */
final class LocalPostgres {

    private final RuntimeSettings settings;

    LocalPostgres(RuntimeSettings settings) {
        this.settings = settings;
    }

    String describe() {
        return settings.embeddedPostgres() ? "postgres (embedded)" : "postgres (external)";
    }

    Path dataDir() {
        return settings.runDir().resolve("pg").resolve("data");
    }

    Path log() {
        return settings.logs().resolve("postgres.log");
    }

    /**
     * Starts the embedded server if it is not running, and makes sure the database and the services' roles
     * ({@link ServiceRoles}) exist.
     */
    void start() throws IOException, SQLException {
        if (settings.embeddedPostgres() && pid().isEmpty()) {
            Ports.requireFree("postgres", settings.pgPort(), "BACKSTOP_PG_PORT");
            Files.createDirectories(dataDir());
            Files.createDirectories(settings.logs());
            Files.deleteIfExists(dataDir().resolve("postmaster.pid"));
            EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir())
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setOverrideWorkingDirectory(settings.runDir().resolve("pg").resolve("bin").toFile())
                    .setPort(settings.pgPort())
                    .setServerConfig("synchronous_commit", "on")
                    // the embedded server's default is off: BACKSTOP_PG_FSYNC (RuntimeSettings) says which
                    .setServerConfig("fsync", settings.pgFsync() ? "on" : "off")
                    .setServerConfig("max_connections", "200")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .setPGStartupWait(Duration.ofSeconds(settings.readyTimeoutSeconds())) // as long as any component
                    .start();
            // deliberately not closed: the server is a daemon now, stopped by `./backstop down`
        }
        ensureDatabase();
    }

    private void ensureDatabase() throws SQLException {
        if (!settings.embeddedPostgres()) {
            try (Connection c = connect(settings.jdbcUrl())) {
                c.isValid(5);
            }
            return;
        }
        try (Connection c = connect("jdbc:postgresql://127.0.0.1:" + settings.pgPort() + "/postgres");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'backstop'")) {
            if (!rs.next()) {
                s.execute("CREATE DATABASE backstop");
            }
        }
        try (Connection c = connect(settings.jdbcUrl())) {
            ServiceRoles.ensure(c, "backstop");
        }
    }

    boolean ready() {
        try (Connection c = connect(settings.jdbcUrl())) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** The postmaster's pid, for the embedded server. */
    Optional<ProcessHandle> pid() {
        Path pidFile = dataDir().resolve("postmaster.pid");
        if (!settings.embeddedPostgres() || !Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Stops the embedded server (fast shutdown); an external one is left alone. True if it was running. */
    boolean stop() throws IOException, InterruptedException {
        Optional<ProcessHandle> postmaster = pid();
        if (postmaster.isEmpty()) {
            return false;
        }
        Optional<Path> pgCtl = pgCtl();
        if (pgCtl.isPresent()) {
            Process p = new ProcessBuilder(pgCtl.get().toString(), "-D", dataDir().toString(), "stop", "-m", "fast",
                    "-w", "-t", "30")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
            p.waitFor(40, TimeUnit.SECONDS);
        }
        if (postmaster.get().isAlive()) {
            Processes.terminate(postmaster.get(), Duration.ofSeconds(10));
        }
        return true;
    }

    private Optional<Path> pgCtl() throws IOException {
        Path bin = settings.runDir().resolve("pg").resolve("bin");
        if (!Files.exists(bin)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(bin)) {
            return files.filter(f -> f.getFileName().toString().equals("pg_ctl") && Files.isExecutable(f)).findFirst();
        }
    }

    private Connection connect(String url) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", settings.pgUser());
        if (!settings.pgPassword().isEmpty()) {
            props.setProperty("password", settings.pgPassword());
        }
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, props);
    }
}
