package io.backstop.lab.runtime;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The four services as separate JVMs, each from its own Boot jar, configured by environment variables. */
final class LocalServices {

    private final RuntimeSettings settings;
    private final StartupCache startupCache;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    LocalServices(RuntimeSettings settings) {
        this(settings, System.out);
    }

    /** @param out where a start says that it trains a service's startup cache first */
    LocalServices(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.startupCache = new StartupCache(settings, out);
    }

    /** The most instances of one service: each holds at least one of a topic's partitions (6 by default). */
    static final int MAX_INSTANCES = 6;

    Path log(Service service) {
        return log(service, 1);
    }

    Path pidFile(Service service) {
        return pidFile(service, 1);
    }

    Optional<ProcessHandle> running(Service service) {
        return running(service, 1);
    }

    /** Instance 1 is the service itself ({@code liquidation-service}); instance 2 is {@code liquidation-service-2}. */
    static String component(Service service, int instance) {
        return instance == 1 ? service.id() : service.id() + "-" + instance;
    }

    Path log(Service service, int instance) {
        return settings.logs().resolve(component(service, instance) + ".log");
    }

    Path pidFile(Service service, int instance) {
        return settings.pids().resolve(component(service, instance) + ".pid");
    }

    Optional<ProcessHandle> running(Service service, int instance) {
        return Processes.running(component(service, instance), pidFile(service, instance));
    }

    /** The service's port, and for instance n the port 10 × (n - 1) above it (8083, 8093, 8103 ...). */
    int port(Service service, int instance) {
        return settings.servicePorts().get(service) + 10 * (instance - 1);
    }

    /** The instances of a service that run, 1 first. */
    List<Integer> runningInstances(Service service) {
        List<Integer> instances = new ArrayList<>();
        for (int i = 1; i <= MAX_INSTANCES; i++) {
            if (running(service, i).isPresent()) {
                instances.add(i);
            }
        }
        return instances;
    }

    void start(Service service) throws IOException {
        start(service, Map.of());
    }

    /** Starts a service with {@code extra} environment on top of what every service gets (a property for one run). */
    void start(Service service, Map<String, String> extra) throws IOException {
        start(service, 1, extra);
    }

    /**
     * Starts one instance of a service: its own port, log, pid file and instance id (its Kafka transactional ids);
     * instances share the consumer groups, so the partitions are spread over them.
     */
    void start(Service service, int instance, Map<String, String> extra) throws IOException {
        if (running(service, instance).isPresent()) {
            return;
        }
        String component = component(service, instance);
        Ports.requireFree(component, port(service, instance), service.portVariable());
        Path jar = settings.serviceJar(service);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no jar for " + service.id() + " at " + jar + ": build with ./mvnw package");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_PORT", Integer.toString(port(service, instance)));
        env.put("SPRING_DATASOURCE_URL", settings.jdbcUrl());
        // on the embedded database its own role, which may touch only its schema (ServiceRoles; trust, no password)
        env.put("SPRING_DATASOURCE_USERNAME", settings.embeddedPostgres() ? service.databaseRole() : settings.pgUser());
        env.put("SPRING_DATASOURCE_PASSWORD", settings.embeddedPostgres() ? "" : settings.pgPassword());
        env.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", settings.kafkaBootstrap());
        env.put("BACKSTOP_KAFKA_PARTITIONS", Integer.toString(settings.partitions()));
        env.put("BACKSTOP_INSTANCE_ID", service.id() + "-local-" + instance);
        env.put("BACKSTOP_CLOCK_MODE", settings.clock());
        // the API's tokens: the local issuer's (created here once, kept in run/security)
        io.backstop.events.auth.LocalIssuer.create(settings.securityDir(), io.backstop.events.auth.LocalIssuer.LOCAL_ISSUER);
        env.put("BACKSTOP_SECURITY_ISSUER", io.backstop.events.auth.LocalIssuer.LOCAL_ISSUER);
        env.put("SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_PUBLIC_KEY_LOCATION", settings.securityDir()
                .resolve(io.backstop.events.auth.LocalIssuer.PUBLIC_KEY_FILE).toUri().toString());
        // where the status page (on every service) finds the others
        for (Service peer : Service.values()) {
            env.put("BACKSTOP_STATUS_PEERS_" + peer.statusKey().toUpperCase(java.util.Locale.ROOT),
                    settings.serviceUrl(peer));
        }
        env.putAll(extra);
        List<String> javaOptions = Arrays.stream(settings.javaOpts(service).trim().split("\\s+"))
                .filter(o -> !o.isEmpty()).toList();
        StartupCache.Launch launch = startupCache.prepare(service, javaOptions, env);
        List<String> command = new ArrayList<>();
        command.add(settings.java());
        command.addAll(javaOptions);
        command.addAll(launch.options());
        command.add(Processes.marker(component));
        command.add("-jar");
        command.add(launch.jar().toString());
        Processes.launch(component, command, env, log(service, instance), pidFile(service, instance), settings.home());
    }

    /** Whether {@code /actuator/health/readiness} answers UP. */
    boolean ready(Service service) {
        return ready(service, 1);
    }

    boolean ready(Service service, int instance) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(readinessUri(service, instance))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    URI readinessUri(Service service) {
        return readinessUri(service, 1);
    }

    URI readinessUri(Service service, int instance) {
        return URI.create("http://127.0.0.1:" + port(service, instance) + "/actuator/health/readiness");
    }

    boolean stop(Service service) throws IOException {
        return stop(service, 1);
    }

    boolean stop(Service service, int instance) throws IOException {
        return Processes.stop(component(service, instance), pidFile(service, instance), Duration.ofSeconds(30));
    }
}
