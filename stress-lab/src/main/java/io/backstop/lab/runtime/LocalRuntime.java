package io.backstop.lab.runtime;

import java.nio.file.Files;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * Backstop on one machine: PostgreSQL, a Kafka broker and the four services, each its own process.
 * {@code up} starts what is not running and waits until everything is ready; {@code down} stops all
 * of it; {@code restart} replaces one service; {@code status} reports each component.
 */
public final class LocalRuntime {

    private final RuntimeSettings settings;
    private final PrintStream out;
    private final LocalPostgres postgres;
    private final LocalKafka kafka;
    private final LocalServices services;

    public LocalRuntime(RuntimeSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.postgres = new LocalPostgres(settings);
        this.kafka = new LocalKafka(settings);
        this.services = new LocalServices(settings, out);
    }

    /** Starts everything that is not running; 0 when all components are ready, 1 otherwise. */
    public int up() throws Exception {
        return up(Map.of());
    }

    /**
     * Starts everything that is not running, the services with {@code extra} environment of their own (for
     * example the oracle in naive mode); 0 when all components are ready, 1 otherwise.
     */
    public int up(Map<Service, Map<String, String>> extra) throws Exception {
        long started = System.nanoTime();
        settings.save();
        out.printf("Starting Backstop from %s (state and logs in %s; the %s clock)%n", settings.home(), settings.runDir(),
                settings.clock());
        ExecutorService pool = Executors.newFixedThreadPool(Service.values().length + 2);
        try {
            Future<?> pg = pool.submit(() -> {
                try {
                    postgres.start();
                } catch (Exception e) {
                    throw new ComponentFailed(postgres.describe() + " did not start: " + e.getMessage(), postgres.log());
                }
                await(postgres.describe(), postgres.log(), Optional::empty, postgres::ready);
                return null;
            });
            Future<?> broker = pool.submit(() -> {
                try {
                    kafka.start();
                } catch (Exception e) {
                    throw new ComponentFailed("kafka did not start: " + e.getMessage(), kafka.log());
                }
                await("kafka", kafka.log(), kafka::running, kafka::ready);
                int created = kafka.createTopics();
                out.printf("  kafka: %d topics created (%d partitions each)%n", created, settings.partitions());
                return null;
            });
            join(pg);
            join(broker);
            List<Future<?>> starting = new ArrayList<>();
            for (Service service : Service.values()) {
                starting.add(pool.submit((Callable<Void>) () -> {
                    try {
                        services.start(service, extra.getOrDefault(service, Map.of()));
                    } catch (Exception e) {
                        throw new ComponentFailed(service.id() + " did not start: " + e.getMessage(),
                                services.log(service));
                    }
                    await(service.id(), services.log(service), () -> services.running(service),
                            () -> services.ready(service));
                    return null;
                }));
            }
            for (Future<?> f : starting) {
                join(f);
            }
        } catch (ComponentFailed e) {
            out.println();
            out.println("FAILED: " + e.getMessage());
            out.println("Last lines of " + e.log + ":");
            out.println(Processes.tail(e.log, 25));
            out.println();
            out.println("Fix the cause, then run ./backstop up again (or ./backstop down to stop what runs).");
            return 1;
        } finally {
            pool.shutdownNow();
        }
        out.printf("Backstop is up in %.1f s.%n%n", (System.nanoTime() - started) / 1e9);
        printStatus();
        return 0;
    }

    /** Stops every component this runtime started; 0 when none remains. */
    public int down() throws Exception {
        for (Service service : Service.values()) {
            for (int instance : services.runningInstances(service)) {
                if (instance > 1 && services.stop(service, instance)) {
                    out.println("stopped " + LocalServices.component(service, instance));
                }
            }
        }
        List<Future<Boolean>> stopping = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Service.values().length);
        try {
            for (Service service : Service.values()) {
                stopping.add(pool.submit(() -> services.stop(service)));
            }
            for (int i = 0; i < stopping.size(); i++) {
                if (stopping.get(i).get()) {
                    out.println("stopped " + Service.values()[i].id());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (kafka.stop()) {
            out.println("stopped kafka");
        }
        if (postgres.stop()) {
            out.println("stopped " + postgres.describe());
        }
        List<String> remaining = new ArrayList<>();
        for (Service service : Service.values()) {
            services.running(service).ifPresent(p -> remaining.add(service.id() + " (pid " + p.pid() + ")"));
        }
        kafka.running().ifPresent(p -> remaining.add("kafka (pid " + p.pid() + ")"));
        postgres.pid().ifPresent(p -> remaining.add("postgres (pid " + p.pid() + ")"));
        if (!remaining.isEmpty()) {
            out.println("Still running: " + String.join(", ", remaining));
            return 1;
        }
        settings.forget();
        out.println("Backstop is down; data is kept in " + settings.runDir() + ".");
        return 0;
    }

    /** Stops one service if it runs, starts it again and waits until it is ready. */
    public int restart(Service service) throws Exception {
        return restart(service, Map.of());
    }

    /** Restarts one service with {@code extra} environment (for example the oracle in naive mode for one run). */
    public int restart(Service service, Map<String, String> extra) throws Exception {
        long started = System.nanoTime();
        if (services.stop(service)) {
            out.println("stopped " + service.id());
        }
        try {
            services.start(service, extra);
            await(service.id(), services.log(service), () -> services.running(service), () -> services.ready(service));
        } catch (ComponentFailed e) {
            out.println("FAILED: " + e.getMessage());
            out.println(Processes.tail(e.log, 25));
            return 1;
        }
        out.printf("%s restarted and ready in %.1f s (pid %d)%n", service.id(), (System.nanoTime() - started) / 1e9,
                services.running(service).map(ProcessHandle::pid).orElse(-1L));
        return 0;
    }

    /**
     * Restarts the broker: stops it (cleanly, as an operator would), starts it again, waits until it answers and
     * then until every running service is ready again — each reconnects by itself; nothing is restarted for it.
     * 0 when all are ready within the ready timeout, 1 otherwise.
     */
    public int restartKafka() throws Exception {
        return restartInfrastructure("kafka", () -> {
            if (kafka.stop()) {
                out.println("stopped kafka");
            }
            try {
                kafka.start();
            } catch (Exception e) {
                throw new ComponentFailed("kafka did not start: " + e.getMessage(), kafka.log());
            }
            await("kafka", kafka.log(), kafka::running, kafka::ready);
        });
    }

    /**
     * Restarts the embedded PostgreSQL (a fast shutdown: open transactions roll back, every connection is cut),
     * then waits until it answers and until every running service is ready again. A PostgreSQL of one's own
     * (BACKSTOP_JDBC_URL) is not this runtime's to restart: 1 with a message.
     */
    public int restartPostgres() throws Exception {
        if (!settings.embeddedPostgres()) {
            out.println("PostgreSQL at " + settings.jdbcUrl() + " is not one this runtime started; restart it yourself,"
                    + " then ./backstop status shows when the services are ready again.");
            return 1;
        }
        return restartInfrastructure(postgres.describe(), () -> {
            if (postgres.stop()) {
                out.println("stopped " + postgres.describe());
            }
            try {
                postgres.start();
            } catch (Exception e) {
                throw new ComponentFailed(postgres.describe() + " did not start: " + e.getMessage(), postgres.log());
            }
            await(postgres.describe(), postgres.log(), Optional::empty, postgres::ready);
        });
    }

    private interface Step {
        void run() throws Exception;
    }

    private int restartInfrastructure(String component, Step restart) throws Exception {
        long started = System.nanoTime();
        try {
            restart.run();
            for (Service service : Service.values()) {
                if (services.running(service).isEmpty()) {
                    out.printf("  %-24s not running (./backstop restart %s starts it)%n", service.id(), service.id());
                    continue;
                }
                await(service.id(), services.log(service), () -> services.running(service),
                        () -> services.ready(service));
            }
        } catch (ComponentFailed e) {
            out.println("FAILED: " + e.getMessage());
            out.println(Processes.tail(e.log, 25));
            return 1;
        }
        out.printf("%s restarted; the running services are ready again after %.1f s%n", component,
                (System.nanoTime() - started) / 1e9);
        return 0;
    }

    /**
     * Kills one service with SIGKILL, as a crash would (a chaos experiment): no shutdown hook runs, nothing is
     * flushed. Returns the pid killed once the process is gone, empty when the service was not running.
     */
    public Optional<Long> kill(Service service) throws InterruptedException {
        return killed(service.id(), services.running(service));
    }

    /**
     * Kills the broker with SIGKILL, as a crash of its machine would: no controlled shutdown, nothing flushed by
     * it (what it acknowledged is in the operating system's page cache and survives). Returns its pid once it is
     * gone, empty when it was not running; {@link #restartKafka()} brings it back.
     */
    public Optional<Long> killKafka() throws InterruptedException {
        return killed("kafka", kafka.running());
    }

    /**
     * Kills the embedded PostgreSQL with SIGKILL, the postmaster and every backend at once, as the crash of its
     * container would: open transactions are lost and the next start recovers from the write-ahead log. Returns
     * the postmaster's pid once all are gone, empty when it was not running; {@link #restartPostgres()} brings it
     * back. A PostgreSQL of one's own is not this runtime's to kill.
     */
    public Optional<Long> killPostgres() throws InterruptedException {
        if (!settings.embeddedPostgres()) {
            throw new IllegalStateException("PostgreSQL at " + settings.jdbcUrl() + " is not one this runtime started;"
                    + " it does not kill it");
        }
        Optional<ProcessHandle> postmaster = postgres.pid();
        // the backends are taken before the postmaster dies: orphaned, they would no longer be found under it
        List<ProcessHandle> backends = postmaster.map(p -> p.descendants().toList()).orElse(List.of());
        Optional<Long> killed = killed(postgres.describe(), postmaster);
        for (ProcessHandle backend : backends) {
            killed(postgres.describe() + " backend", Optional.of(backend));
        }
        return killed;
    }

    private static Optional<Long> killed(String what, Optional<ProcessHandle> process) throws InterruptedException {
        if (process.isEmpty()) {
            return Optional.empty();
        }
        ProcessHandle p = process.get();
        p.destroyForcibly();
        try {
            p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " (pid " + p.pid() + ") did not die of SIGKILL in 30 s", e);
        }
        return Optional.of(p.pid());
    }

    /**
     * Each component's processes as this runtime started them, by name: every instance of the four services, the
     * broker and the embedded PostgreSQL's postmaster; none for one that is not running here (an external PostgreSQL).
     */
    Map<String, List<ProcessHandle>> processes() {
        Map<String, List<ProcessHandle>> processes = new java.util.LinkedHashMap<>();
        for (Service service : Service.values()) {
            processes.put(service.id(), services.runningInstances(service).stream()
                    .flatMap(i -> services.running(service, i).stream()).toList());
        }
        processes.put("kafka", kafka.running().stream().toList());
        processes.put(settings.embeddedPostgres() ? "postgres (and its backends)" : "postgres (external)",
                postgres.pid().stream().toList());
        return processes;
    }

    /**
     * Runs {@code instances} instances of a service (1 to 6): starts the missing ones, each on its own port (10 above
     * the previous instance's), and waits until they are ready; stops those above the number. The instances share
     * the service's consumer groups, so Kafka spreads the partitions over them.
     */
    public int scale(Service service, int instances) throws Exception {
        int most = Math.min(LocalServices.MAX_INSTANCES, settings.partitions());
        if (instances < 1 || instances > most) {
            out.printf("%s can run 1 to %d instances here (one partition each at least, %d partitions), not %d%n",
                    service.id(), most, settings.partitions(), instances);
            return 2;
        }
        if (services.running(service).isEmpty()) {
            out.println(service.id() + " is not running: ./backstop up first");
            return 1;
        }
        for (int instance : services.runningInstances(service)) {
            if (instance > instances && services.stop(service, instance)) {
                out.println("stopped " + LocalServices.component(service, instance));
            }
        }
        long started = System.nanoTime();
        try {
            for (int instance = 2; instance <= instances; instance++) {
                int i = instance;
                services.start(service, i, Map.of());
                await(LocalServices.component(service, i), services.log(service, i), () -> services.running(service, i),
                        () -> services.ready(service, i));
            }
        } catch (ComponentFailed e) {
            out.println("FAILED: " + e.getMessage());
            out.println(Processes.tail(e.log, 25));
            return 1;
        }
        out.printf("%s runs %d instance%s (ready after %.1f s)%n%n", service.id(), instances, instances == 1 ? "" : "s",
                (System.nanoTime() - started) / 1e9);
        printStatus();
        return 0;
    }

    /**
     * Why margin-service's store cannot be seeded now, if it cannot: the platform ./backstop up starts is not
     * running here (its database, when embedded, and margin-service).
     */
    public Optional<String> notSeedable() {
        if (!Files.exists(settings.runDir().resolve(RuntimeSettings.STATE_FILE))) {
            return Optional.of("Backstop is not running here (no " + settings.runDir().resolve(RuntimeSettings.STATE_FILE)
                    + "): ./backstop up first");
        }
        if (settings.simulated()) {
            // the seed's snapshots would wait for the replay's first step, which takes in everything published before
            // it at once: 1.6M snapshots in one step of the fund's
            return Optional.of("the platform runs on simulated time, where the fund would take in every seeded"
                    + " account's positions snapshot at a replay's first step; seed on the system clock (./backstop up),"
                    + " wait until the fund holds them, then ./backstop down and ./backstop up --clock simulated"
                    + " (docs/capacity.md)");
        }
        if (settings.embeddedPostgres() && postgres.pid().isEmpty()) {
            return Optional.of("the embedded PostgreSQL is not running: ./backstop up first");
        }
        if (services.running(Service.MARGIN).isEmpty()) {
            return Optional.of("margin-service is not running: ./backstop up first");
        }
        return Optional.empty();
    }

    /**
     * Seeds margin-service's store by margin-service's own bulk path (its jar's {@code seed} mode, as margin's
     * database role), then restarts margin-service so it holds the seeded accounts; 2 when margin's seed refused.
     */
    public int seed(List<String> arguments) throws Exception {
        Optional<String> why = notSeedable();
        if (why.isPresent()) {
            out.println("backstop seed: " + why.get());
            return 2;
        }
        Service margin = Service.MARGIN;
        List<String> command = new ArrayList<>(List.of(settings.java(), "-Xms512m", "-Xmx1g", "-XX:+UseParallelGC",
                "-jar", settings.serviceJar(margin).toString(), "seed"));
        command.addAll(arguments);
        command.addAll(List.of("--partitions", Integer.toString(settings.partitions())));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("SPRING_DATASOURCE_URL", settings.jdbcUrl());
        builder.environment().put("SPRING_DATASOURCE_USERNAME",
                settings.embeddedPostgres() ? margin.databaseRole() : settings.pgUser());
        builder.environment().put("SPRING_DATASOURCE_PASSWORD", settings.embeddedPostgres() ? "" : settings.pgPassword());
        int exit = builder.start().waitFor();
        if (exit != 0) {
            return exit;
        }
        out.println("Restarting margin-service so that it holds the seeded accounts (its relay then publishes their"
                + " positions snapshots on account.positions for the fund's ADL queue)...");
        return restart(margin);
    }

    /** Whether any component this runtime starts is running (its process is alive). */
    public boolean anyRunning() {
        return postgres.pid().isPresent() || kafka.running().isPresent()
                || java.util.Arrays.stream(Service.values()).anyMatch(s -> services.running(s).isPresent());
    }

    /** Prints each component's state; 0 when all are up and ready. */
    public int status() {
        return printStatus() ? 0 : 3;
    }

    private boolean printStatus() {
        boolean allUp = true;
        out.printf("%-24s %-8s %-7s %-10s %s%n", "COMPONENT", "PID", "PORT", "STATE", "DETAIL");
        boolean pgUp = postgres.ready();
        allUp &= pgUp;
        out.printf("%-24s %-8s %-7s %-10s %s%n", postgres.describe(),
                postgres.pid().map(p -> Long.toString(p.pid())).orElse(settings.embeddedPostgres() ? "-" : "ext"),
                settings.embeddedPostgres() ? Integer.toString(settings.pgPort()) : "-", pgUp ? "UP" : "DOWN",
                settings.jdbcUrl());
        Optional<ProcessHandle> broker = kafka.running();
        boolean kafkaUp = broker.isPresent() && kafka.ready();
        allUp &= kafkaUp;
        out.printf("%-24s %-8s %-7d %-10s %s%n", "kafka", broker.map(p -> Long.toString(p.pid())).orElse("-"),
                settings.kafkaPort(), kafkaUp ? "UP" : broker.isPresent() ? "NOT READY" : "DOWN",
                settings.kafkaBootstrap());
        for (Service service : Service.values()) {
            Optional<ProcessHandle> process = services.running(service);
            boolean ready = process.isPresent() && services.ready(service);
            allUp &= ready;
            out.printf("%-24s %-8s %-7d %-10s %s%n", service.id(), process.map(p -> Long.toString(p.pid())).orElse("-"),
                    settings.servicePorts().get(service), ready ? "READY" : process.isPresent() ? "NOT READY" : "DOWN",
                    process.isPresent() ? services.readinessUri(service) : "log: " + settings.home().relativize(
                            services.log(service)));
            for (int instance : services.runningInstances(service)) {
                if (instance == 1) {
                    continue;
                }
                boolean instanceReady = services.ready(service, instance);
                allUp &= instanceReady;
                out.printf("%-24s %-8s %-7d %-10s %s%n", LocalServices.component(service, instance),
                        services.running(service, instance).map(p -> Long.toString(p.pid())).orElse("-"),
                        services.port(service, instance), instanceReady ? "READY" : "NOT READY",
                        services.readinessUri(service, instance));
            }
        }
        return allUp;
    }

    /** How often a long wait for a component says it is still waiting. */
    private static final Duration PROGRESS = Duration.ofSeconds(15);

    /**
     * Waits until {@code ready}, saying so every {@link #PROGRESS} while it waits, failing fast when the process is gone (when there is one to watch)
     * and after the configured timeout.
     */
    private void await(String component, Path log, java.util.function.Supplier<Optional<ProcessHandle>> process,
                       BooleanSupplier ready) throws InterruptedException {
        long started = System.nanoTime();
        Duration timeout = Duration.ofSeconds(settings.readyTimeoutSeconds());
        boolean watched = process.get().isPresent();
        long nextProgress = PROGRESS.toNanos();
        while (!ready.getAsBoolean()) {
            if (watched && process.get().isEmpty()) {
                throw new ComponentFailed(component + " exited before it was ready", log);
            }
            long waited = System.nanoTime() - started;
            if (waited > timeout.toNanos()) {
                throw new ComponentFailed(component + " was not ready within " + timeout.toSeconds() + " s"
                        + " (BACKSTOP_READY_TIMEOUT)", log);
            }
            if (waited > nextProgress) {
                out.printf("  %-24s not ready yet after %3d s (waiting up to %d s)%n", component, waited / 1_000_000_000L,
                        timeout.toSeconds());
                nextProgress += PROGRESS.toNanos();
            }
            Thread.sleep(250);
        }
        out.printf("  %-24s ready after %5.1f s%n", component, (System.nanoTime() - started) / 1e9);
    }

    private static void join(Future<?> future) throws Exception {
        try {
            future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** A component that did not come up, with the log that says why. */
    static final class ComponentFailed extends RuntimeException {
        final transient Path log;

        ComponentFailed(String message, Path log) {
            super(message + " (log: " + log + ")");
            this.log = log;
        }
    }

    public RuntimeSettings settings() {
        return settings;
    }
}
