package io.backstop.lab.replay;

import io.backstop.events.Topic;
import io.backstop.lab.runtime.RuntimeSettings;
import io.backstop.lab.runtime.Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Drives the platform's simulated clock (services started with {@code BACKSTOP_CLOCK_MODE=simulated}). A step
 * reads the end offset of every partition of every Backstop topic, then steps the four services to the same
 * time at once: each takes in exactly the records below those offsets, does the work due, and publishes what it
 * decided before it answers. So a service never sees in a step what another decided in the same step: every
 * hop between services takes one step, and the order in which the services happen to finish changes nothing.
 */
final class PlatformClock implements AutoCloseable {

    /** What one service did in a step; {@code wallMicros} is the round trip as the lab saw it. */
    record ServiceStep(Service service, int events, int published, Map<String, Map<Integer, Long>> publishedEnds,
                       Instant deadline, Instant due, long dispatchMicros, long workMicros, long wallMicros,
                       long fetchMicros, long deliverMicros, long commitMicros) {
    }

    /**
     * One step of the platform: what each service stepped did (a service with no new event and nothing due is not
     * stepped: it would do nothing), and the earliest deadline any service stated at its last step.
     */
    record Step(Instant time, Map<Service, ServiceStep> services, Optional<Instant> deadline) {

        /** Whether any service published an event in the step (the next step then comes one hop later). */
        boolean published() {
            return services.values().stream().anyMatch(s -> s.published() > 0);
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final RuntimeSettings settings;
    private final io.backstop.lab.runtime.LabTokens tokens;
    private final Admin admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Integer> partitions = new LinkedHashMap<>();
    /** Each service's topics (full names), its end offsets when last stepped, what it said was due then. */
    private final Map<Service, java.util.Set<String>> topics = new EnumMap<>(Service.class);
    private final Map<Service, Map<String, List<Long>>> seen = new EnumMap<>(Service.class);
    private final Map<Service, Instant> due = new EnumMap<>(Service.class);
    private final Map<Service, Instant> deadlines = new EnumMap<>(Service.class);
    private boolean touched = true;
    /** Where what the services published at the last step ends: it may not be readable yet (see endOffsets). */
    private final Map<String, Map<Integer, Long>> published = new java.util.TreeMap<>();

    PlatformClock(RuntimeSettings settings) throws Exception {
        this.settings = settings;
        this.tokens = io.backstop.lab.runtime.LabTokens.of(settings);
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap()));
        List<String> topics = new ArrayList<>();
        for (Topic t : Topic.values()) {
            topics.add(t.baseName());
            topics.add(t.deadLetterName("")); // not read by the services; the replay's observer counts them
        }
        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> partitions.put(name,
                d.partitions().size()));
    }

    /**
     * Where the platform's simulated clock is (the latest of the four services'), or empty when a service runs on
     * the system clock, in which case a replay cannot step it.
     */
    Optional<Instant> now() throws Exception {
        Instant latest = null;
        for (Service service : Service.values()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(service, "/api/v1/simulation"))
                    .header("Authorization", tokens.system())
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException(service.id() + " answered " + response.statusCode()
                        + " about its clock: " + response.body());
            }
            JsonNode status = JSON.readTree(response.body());
            Instant time = Instant.parse(status.path("time").asString());
            latest = latest == null || time.isAfter(latest) ? time : latest;
            java.util.Set<String> read = new java.util.TreeSet<>();
            status.path("topics").forEach(t -> read.add(t.asString()));
            topics.put(service, read);
        }
        return Optional.ofNullable(latest);
    }

    /** The end offset (committed data) of every partition of every Backstop topic. */
    Map<String, List<Long>> endOffsets() throws Exception {
        Map<TopicPartition, OffsetSpec> ask = new LinkedHashMap<>();
        partitions.forEach((topic, count) -> {
            for (int p = 0; p < count; p++) {
                ask.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        });
        var ends = fromBroker(() -> admin.listOffsets(ask, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all().get());
        Map<String, List<Long>> byTopic = new LinkedHashMap<>();
        partitions.forEach((topic, count) -> {
            List<Long> offsets = new ArrayList<>(count);
            for (int p = 0; p < count; p++) {
                // a service's transaction may not be readable yet when its step answers (the broker writes the
                // commit markers after the commit returns): the end it reported counts, and readers wait for it
                long reported = published.getOrDefault(topic, Map.of()).getOrDefault(p, 0L);
                offsets.add(Math.max(ends.get(new TopicPartition(topic, p)).offset(), reported));
            }
            byTopic.put(topic, offsets);
        });
        return byTopic;
    }

    private interface BrokerCall<T> {
        T call() throws Exception;
    }

    /**
     * Asks the broker; while it does not answer (killed by a chaos experiment, restarting) asks again, for at most
     * {@link #UNANSWERED}. Any other failure is the run's.
     */
    private static <T> T fromBroker(BrokerCall<T> call) throws Exception {
        long deadline = System.nanoTime() + UNANSWERED.toNanos();
        while (true) {
            try {
                return call.call();
            } catch (java.util.concurrent.ExecutionException | org.apache.kafka.common.KafkaException failed) {
                Throwable cause = failed instanceof java.util.concurrent.ExecutionException ? failed.getCause() : failed;
                if (!(cause instanceof org.apache.kafka.common.errors.RetriableException)
                        || System.nanoTime() > deadline) {
                    throw failed;
                }
                System.out.printf("  the broker did not answer (%s); asking again%n", cause.getMessage());
                Thread.sleep(1000);
            }
        }
    }

    /**
     * Steps every service to {@code time}, taking in the records below {@code endOffsets}; waits for all four. A
     * service that does not answer (killed by a chaos experiment, restarting) is asked again until it does, for
     * at most {@link #UNANSWERED}: a step taken twice takes in what was not yet committed again, which the inbox
     * drops, and runs what is due at that time once more.
     */
    Step step(Instant time, Map<String, List<Long>> endOffsets) throws Exception {
        String body = JSON.writeValueAsString(Map.of("time", time.toString(), "endOffsets", endOffsets));
        Map<Service, CompletableFuture<ServiceStep>> pending = new EnumMap<>(Service.class);
        Map<Service, Map<String, List<Long>>> inputs = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            Map<String, List<Long>> input = new java.util.TreeMap<>();
            topics.getOrDefault(service, endOffsets.keySet()).forEach(t -> {
                if (endOffsets.containsKey(t)) {
                    input.put(t, endOffsets.get(t));
                }
            });
            inputs.put(service, input);
            Instant when = due.get(service);
            if (touched || !input.equals(seen.get(service)) || when != null && !when.isAfter(time)) {
                pending.put(service, send(service, body));
            }
        }
        touched = false;
        Map<Service, ServiceStep> steps = new EnumMap<>(Service.class);
        for (var e : pending.entrySet()) {
            ServiceStep step = answer(e.getKey(), e.getValue(), body, time);
            steps.put(e.getKey(), step);
            step.publishedEnds().forEach((topic, ends) -> ends.forEach((partition, end) -> published
                    .computeIfAbsent(topic, t -> new java.util.TreeMap<>()).merge(partition, end, Math::max)));
            seen.put(e.getKey(), inputs.get(e.getKey()));
            due.put(e.getKey(), step.due());
            deadlines.put(e.getKey(), step.deadline());
        }
        return new Step(time, steps, deadlines.values().stream().filter(java.util.Objects::nonNull)
                .min(Instant::compareTo));
    }

    /**
     * Something happened to the services between steps (the replay opened accounts over REST): each is stepped
     * next time, to publish what that did.
     */
    void touched() {
        touched = true;
    }

    /** How long a service may go without answering a step before the replay gives up. */
    static final Duration UNANSWERED = Duration.ofMinutes(5);

    private CompletableFuture<ServiceStep> send(Service service, String body) {
        long sent = System.nanoTime();
        return http.sendAsync(HttpRequest.newBuilder(uri(service, "/api/v1/simulation/steps"))
                        .header("Authorization", tokens.system())
                        .timeout(Duration.ofMinutes(10)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> parse(service, response, (System.nanoTime() - sent) / 1000));
    }

    private ServiceStep answer(Service service, CompletableFuture<ServiceStep> first, String body, Instant time)
            throws InterruptedException {
        long deadline = System.nanoTime() + UNANSWERED.toNanos();
        CompletableFuture<ServiceStep> attempt = first;
        while (true) {
            try {
                return attempt.join();
            } catch (java.util.concurrent.CompletionException failed) {
                Throwable cause = failed.getCause();
                boolean unreachable = cause instanceof java.io.IOException || cause instanceof Unavailable;
                if (!unreachable || System.nanoTime() > deadline) {
                    throw new IllegalStateException("stepping " + service.id() + " to " + time + " failed: "
                            + cause.getMessage(), cause);
                }
                System.out.printf("  %s did not take the step to %s (%s); asking again%n", service.id(), time,
                        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
                Thread.sleep(1000);
                attempt = send(service, body);
            }
        }
    }

    /** A service that answered but could not step now (starting, stopping): asked again. */
    static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    private static ServiceStep parse(Service service, HttpResponse<String> response, long wallMicros) {
        if (response.statusCode() == 503) {
            throw new Unavailable(service.id() + " answered " + response.statusCode());
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(service.id() + " answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode step = JSON.readTree(response.body());
        JsonNode deadline = step.path("deadline");
        JsonNode due = step.path("due");
        Map<String, Map<Integer, Long>> ends = new java.util.TreeMap<>();
        step.path("publishedEnds").properties().forEach(topic -> topic.getValue().properties().forEach(p -> ends
                .computeIfAbsent(topic.getKey(), t -> new java.util.TreeMap<>())
                .put(Integer.parseInt(p.getKey()), p.getValue().asLong())));
        return new ServiceStep(service, step.path("events").asInt(), step.path("published").asInt(), ends,
                deadline.isNull() || deadline.isMissingNode() ? null : Instant.parse(deadline.asString()),
                due.isNull() || due.isMissingNode() ? null : Instant.parse(due.asString()),
                step.path("dispatchMicros").asLong(), step.path("workMicros").asLong(), wallMicros,
                step.path("fetchMicros").asLong(), step.path("deliverMicros").asLong(), step.path("commitMicros").asLong());
    }

    private URI uri(Service service, String path) {
        return URI.create(settings.serviceUrl(service) + path);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
