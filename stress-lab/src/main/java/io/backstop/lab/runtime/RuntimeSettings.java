package io.backstop.lab.runtime;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where the local runtime puts things and which ports it uses. Read from environment variables on
 * {@code up} and remembered in {@code run/runtime.properties}, so {@code status}, {@code restart} and
 * {@code down} act on what {@code up} started even from a shell with other variables.
 *
 * <ul>
 *   <li>{@code BACKSTOP_HOME}: the project's root (set by the {@code ./backstop} script)</li>
 *   <li>{@code BACKSTOP_RUN_DIR}: state, data and logs (default {@code <home>/run})</li>
 *   <li>{@code BACKSTOP_PG_URL} (+ {@code BACKSTOP_PG_USER}, {@code BACKSTOP_PG_PASSWORD}): an existing
 *       PostgreSQL database to use; without it an embedded PostgreSQL 17 runs on {@code BACKSTOP_PG_PORT}
 *       (default 15432) with its data under the run directory</li>
 *   <li>{@code BACKSTOP_KAFKA_PORT} / {@code BACKSTOP_KAFKA_CONTROLLER_PORT} (default 19092 / 19093)</li>
 *   <li>{@code BACKSTOP_ORACLE_PORT}, {@code _MARGIN_}, {@code _LIQUIDATION_}, {@code _INSURANCE_FUND_} (8081-8084)</li>
 *   <li>{@code BACKSTOP_PG_FSYNC}: {@code off} (default) or {@code on}, whether the embedded PostgreSQL flushes its
 *       WAL to disk at each commit. Off, a killed process loses nothing (the OS keeps what was written), only a
 *       crash of the machine would; on, every commit also waits for the disk, as on a durable deployment, which is
 *       what a measurement of commit latency must include (docs/performance.md)</li>
 *   <li>{@code BACKSTOP_PARTITIONS}: partitions per topic (default 6)</li>
 *   <li>{@code BACKSTOP_SERVICE_JAVA_OPTS}: JVM options of each service (default {@code -Xms256m -Xmx768m})</li>
 *   <li>{@code BACKSTOP_ORACLE_JAVA_OPTS}, {@code _MARGIN_}, {@code _LIQUIDATION_}, {@code _INSURANCE_FUND_JAVA_OPTS}:
 *       more JVM options of one service, after the shared ones (so {@code BACKSTOP_MARGIN_JAVA_OPTS=-Xmx6g} gives
 *       margin-service a 6 GB heap: a replica holding 1.6 million seeded accounts needs it, docs/capacity.md)</li>
 *   <li>{@code BACKSTOP_READY_TIMEOUT}: seconds to wait for each component (default 300: a JVM starting on a
 *       loaded 2-core machine can take minutes)</li>
 *   <li>{@code BACKSTOP_STARTUP_CACHE}: {@code on} (default) or {@code off}: each service starts from its extracted jar
 *       with a class cache trained once per build and JDK ({@link StartupCache}), or from its Boot jar as it is</li>
 *   <li>{@code BACKSTOP_CLOCK}: {@code system} (default) or {@code simulated}, the services' clock (see
 *       docs/simulated-time.md): replays step a platform on simulated time</li>
 *   <li>{@code BACKSTOP_KAFKA_BOOTSTRAP} and {@code BACKSTOP_ORACLE_URL}, {@code _MARGIN_}, {@code _LIQUIDATION_},
 *       {@code _INSURANCE_FUND_URL}: a platform that runs elsewhere (Docker Compose, Kubernetes), for
 *       {@code replay}, {@code load}, {@code fills} and {@code drain} from a container; with
 *       {@code BACKSTOP_PG_URL} for its database. Unset, the local runtime's broker and ports.</li>
 * </ul>
 */
public record RuntimeSettings(Path home, Path runDir, String externalPgUrl, String pgUser, String pgPassword,
                              int pgPort, int kafkaPort, int kafkaControllerPort, Map<Service, Integer> servicePorts,
                              int partitions, String serviceJavaOpts, int readyTimeoutSeconds, String java,
                              String clock, String remoteKafkaBootstrap, Map<Service, String> remoteServiceUrls,
                              Map<Service, String> serviceJavaOptsOf, boolean startupCache, boolean pgFsync) {

    static final String STATE_FILE = "runtime.properties";
    public static final String SYSTEM = "system";
    public static final String SIMULATED = "simulated";

    public RuntimeSettings {
        if (!SYSTEM.equals(clock) && !SIMULATED.equals(clock)) {
            throw new IllegalArgumentException("the clock is system or simulated, not '" + clock + "'");
        }
    }

    /** The same settings with the services on another clock. */
    public RuntimeSettings withClock(String mode) {
        return new RuntimeSettings(home, runDir, externalPgUrl, pgUser, pgPassword, pgPort, kafkaPort,
                kafkaControllerPort, servicePorts, partitions, serviceJavaOpts, readyTimeoutSeconds, java, mode,
                remoteKafkaBootstrap, remoteServiceUrls, serviceJavaOptsOf, startupCache, pgFsync);
    }

    /** The JVM options of one service: the shared ones, then its own. */
    public String javaOpts(Service service) {
        String own = serviceJavaOptsOf.getOrDefault(service, "");
        return own.isBlank() ? serviceJavaOpts : serviceJavaOpts + " " + own;
    }

    public boolean simulated() {
        return SIMULATED.equals(clock);
    }

    public static RuntimeSettings fromEnvironment(Map<String, String> env) {
        Path home = Path.of(env.getOrDefault("BACKSTOP_HOME", ".")).toAbsolutePath().normalize();
        Path runDir = Path.of(env.getOrDefault("BACKSTOP_RUN_DIR", home.resolve("run").toString()))
                .toAbsolutePath().normalize();
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, intOf(env, s.portVariable(), s.defaultPort()));
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        return new RuntimeSettings(home, runDir, blankToNull(env.get("BACKSTOP_PG_URL")),
                env.getOrDefault("BACKSTOP_PG_USER", "postgres"), env.getOrDefault("BACKSTOP_PG_PASSWORD", ""),
                intOf(env, "BACKSTOP_PG_PORT", 15432), intOf(env, "BACKSTOP_KAFKA_PORT", 19092),
                intOf(env, "BACKSTOP_KAFKA_CONTROLLER_PORT", 19093), ports, intOf(env, "BACKSTOP_PARTITIONS", 6),
                env.getOrDefault("BACKSTOP_SERVICE_JAVA_OPTS", "-Xms256m -Xmx768m"),
                intOf(env, "BACKSTOP_READY_TIMEOUT", 300), env.getOrDefault("BACKSTOP_JAVA", java),
                env.getOrDefault("BACKSTOP_CLOCK", SYSTEM).trim().toLowerCase(Locale.ROOT),
                blankToNull(env.get("BACKSTOP_KAFKA_BOOTSTRAP")), remoteUrls(env), ownJavaOpts(env),
                onOrOff(env, "BACKSTOP_STARTUP_CACHE", "on"), onOrOff(env, "BACKSTOP_PG_FSYNC", "off"));
    }

    private static Map<Service, String> ownJavaOpts(Map<String, String> env) {
        Map<Service, String> opts = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            String value = blankToNull(env.get(s.javaOptsVariable()));
            if (value != null) {
                opts.put(s, value.trim());
            }
        }
        return opts;
    }

    private static Map<Service, String> remoteUrls(Map<String, String> env) {
        Map<Service, String> urls = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            String url = blankToNull(env.get(s.urlVariable()));
            if (url != null) {
                urls.put(s, url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            }
        }
        return urls;
    }

    /** What {@code up} recorded, if the runtime was started from this run directory; else from the environment. */
    public static RuntimeSettings load(Map<String, String> env) throws IOException {
        RuntimeSettings fresh = fromEnvironment(env);
        Path state = fresh.runDir.resolve(STATE_FILE);
        if (!Files.exists(state)) {
            return fresh;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(state)) {
            p.load(r);
        }
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        Map<Service, String> ownOpts = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, Integer.parseInt(p.getProperty("port." + s.id())));
            String own = blankToNull(p.getProperty("java.opts." + s.id()));
            if (own != null) {
                ownOpts.put(s, own);
            }
        }
        return new RuntimeSettings(fresh.home, fresh.runDir, blankToNull(p.getProperty("pg.url")),
                p.getProperty("pg.user"), p.getProperty("pg.password"), Integer.parseInt(p.getProperty("pg.port")),
                Integer.parseInt(p.getProperty("kafka.port")), Integer.parseInt(p.getProperty("kafka.controller.port")),
                ports, Integer.parseInt(p.getProperty("partitions")), p.getProperty("service.java.opts"),
                fresh.readyTimeoutSeconds, p.getProperty("java"), p.getProperty("clock", SYSTEM),
                fresh.remoteKafkaBootstrap, fresh.remoteServiceUrls, ownOpts,
                !"off".equals(p.getProperty("startup.cache", "on")), "on".equals(p.getProperty("pg.fsync", "off")));
    }

    void save() throws IOException {
        Properties p = new Properties();
        p.setProperty("pg.url", externalPgUrl == null ? "" : externalPgUrl);
        p.setProperty("pg.user", pgUser);
        p.setProperty("pg.password", pgPassword);
        p.setProperty("pg.port", Integer.toString(pgPort));
        p.setProperty("kafka.port", Integer.toString(kafkaPort));
        p.setProperty("kafka.controller.port", Integer.toString(kafkaControllerPort));
        servicePorts.forEach((s, port) -> p.setProperty("port." + s.id(), Integer.toString(port)));
        p.setProperty("partitions", Integer.toString(partitions));
        p.setProperty("service.java.opts", serviceJavaOpts);
        serviceJavaOptsOf.forEach((s, opts) -> p.setProperty("java.opts." + s.id(), opts));
        p.setProperty("java", java);
        p.setProperty("clock", clock);
        p.setProperty("startup.cache", startupCache ? "on" : "off");
        p.setProperty("pg.fsync", pgFsync ? "on" : "off");
        Files.createDirectories(runDir);
        try (Writer w = Files.newBufferedWriter(runDir.resolve(STATE_FILE))) {
            p.store(w, "Backstop local runtime, written by ./backstop up");
        }
    }

    void forget() throws IOException {
        Files.deleteIfExists(runDir.resolve(STATE_FILE));
    }

    public boolean embeddedPostgres() {
        return externalPgUrl == null;
    }

    /** The JDBC URL of Backstop's database. */
    public String jdbcUrl() {
        return embeddedPostgres() ? "jdbc:postgresql://127.0.0.1:" + pgPort + "/backstop" : externalPgUrl;
    }

    public String kafkaBootstrap() {
        return remoteKafkaBootstrap != null ? remoteKafkaBootstrap : "127.0.0.1:" + kafkaPort;
    }

    /** Whether the platform runs elsewhere (a broker or a service given by address), not under ./backstop up. */
    public boolean remote() {
        return remoteKafkaBootstrap != null || !remoteServiceUrls.isEmpty();
    }

    /** The service's base URL, without a trailing slash: its {@code BACKSTOP_<SERVICE>_URL}, else the local port. */
    public String serviceUrl(Service service) {
        String remote = remoteServiceUrls.get(service);
        return remote != null ? remote : "http://127.0.0.1:" + servicePorts.get(service);
    }

    /**
     * Every running instance's base URL, instance 1 first: on a platform elsewhere its one address (its router's),
     * on the local platform each instance {@code ./backstop scale} started (instance 1 even when it is down).
     */
    public List<String> instanceUrls(Service service) {
        if (remoteServiceUrls.containsKey(service)) {
            return List.of(serviceUrl(service));
        }
        LocalServices local = new LocalServices(this);
        List<String> urls = new java.util.ArrayList<>();
        urls.add(serviceUrl(service));
        local.runningInstances(service).stream().filter(i -> i > 1)
                .forEach(i -> urls.add("http://127.0.0.1:" + local.port(service, i)));
        return urls;
    }

    public Path logs() {
        return runDir.resolve("logs");
    }

    /**
     * The local token issuer's keys (created by {@code up}; the services trust its public key, the lab and
     * {@code ./backstop token} sign with its private key). For a platform elsewhere, its issuer's keys go here.
     */
    public Path securityDir() {
        return runDir.resolve("security");
    }

    public Path pids() {
        return runDir.resolve("pids");
    }

    public Path serviceJar(Service service) {
        return home.resolve(service.id()).resolve("target").resolve(service.id() + ".jar");
    }

    public Path kafkaLib() {
        return home.resolve("local-kafka").resolve("target").resolve("lib");
    }

    private static boolean onOrOff(Map<String, String> env, String name, String fallback) {
        String value = env.getOrDefault(name, fallback).trim().toLowerCase(Locale.ROOT);
        if (!value.equals("on") && !value.equals("off")) {
            throw new IllegalArgumentException(name + " is on or off, not '" + env.get(name) + "'");
        }
        return value.equals("on");
    }

    private static int intOf(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
