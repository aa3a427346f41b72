package io.backstop.lab.runtime;

import java.io.IOException;
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
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    LocalServices(RuntimeSettings settings) {
        this.settings = settings;
    }

    Path log(Service service) {
        return settings.logs().resolve(service.id() + ".log");
    }

    Path pidFile(Service service) {
        return settings.pids().resolve(service.id() + ".pid");
    }

    Optional<ProcessHandle> running(Service service) {
        return Processes.running(service.id(), pidFile(service));
    }

    void start(Service service) throws IOException {
        start(service, Map.of());
    }

    /** Starts a service with {@code extra} environment on top of what every service gets (a property for one run). */
    void start(Service service, Map<String, String> extra) throws IOException {
        if (running(service).isPresent()) {
            return;
        }
        Ports.requireFree(service.id(), settings.servicePorts().get(service), service.portVariable());
        Path jar = settings.serviceJar(service);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no jar for " + service.id() + " at " + jar + ": build with ./mvnw package");
        }
        List<String> command = new ArrayList<>();
        command.add(settings.java());
        command.addAll(Arrays.stream(settings.serviceJavaOpts().trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        command.add(Processes.marker(service.id()));
        command.add("-jar");
        command.add(jar.toString());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_PORT", Integer.toString(settings.servicePorts().get(service)));
        env.put("SPRING_DATASOURCE_URL", settings.jdbcUrl());
        // on the embedded database its own role, which may touch only its schema (ServiceRoles; trust, no password)
        env.put("SPRING_DATASOURCE_USERNAME", settings.embeddedPostgres() ? service.databaseRole() : settings.pgUser());
        env.put("SPRING_DATASOURCE_PASSWORD", settings.embeddedPostgres() ? "" : settings.pgPassword());
        env.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", settings.kafkaBootstrap());
        env.put("BACKSTOP_KAFKA_PARTITIONS", Integer.toString(settings.partitions()));
        env.put("BACKSTOP_INSTANCE_ID", service.id() + "-local-1");
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
        Processes.launch(service.id(), command, env, log(service), pidFile(service), settings.home());
    }

    /** Whether {@code /actuator/health/readiness} answers UP. */
    boolean ready(Service service) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(readinessUri(service))
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
        return URI.create("http://127.0.0.1:" + settings.servicePorts().get(service) + "/actuator/health/readiness");
    }

    boolean stop(Service service) throws IOException {
        return Processes.stop(service.id(), pidFile(service), Duration.ofSeconds(30));
    }
}
