package io.backstop.testkit;

import io.backstop.events.Topic;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Steps one service on simulated time the way the stress lab steps the platform: read the end offset of every
 * partition of the class's topics (read-committed), then POST the step to {@code /api/v1/simulation/steps} with
 * them. For integration tests of a service started with {@code backstop.clock.mode=simulated}.
 */
public final class SimulationStepper implements AutoCloseable {

    private final TestInfrastructure infra;
    private final String baseUrl;
    private final Admin admin;
    private final HttpClient http = HttpClient.newHttpClient();

    public SimulationStepper(TestInfrastructure infra, int port) {
        this.infra = infra;
        this.baseUrl = "http://127.0.0.1:" + port;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers()));
    }

    /** Steps the service to {@code time} with the end offsets of now; the raw answer (status and JSON body). */
    public HttpResponse<String> step(Instant time) throws Exception {
        return step(time, endOffsets());
    }

    /** Steps the service to {@code time} with the given end offsets (full topic name to offsets by partition). */
    public HttpResponse<String> step(Instant time, Map<String, List<Long>> endOffsets) throws Exception {
        StringBuilder ends = new StringBuilder("{");
        endOffsets.forEach((topic, offsets) -> ends.append(ends.length() > 1 ? "," : "").append('"').append(topic)
                .append("\":").append(offsets));
        String body = "{\"time\":\"" + time + "\",\"endOffsets\":" + ends.append('}') + "}";
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/simulation/steps"))
                        .header("Authorization", "Bearer " + TestTokens.system())
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /api/v1/simulation}: the service's clock and topics, as JSON. */
    public String status() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/simulation"))
                        .header("Authorization", "Bearer " + TestTokens.system()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The end offset (committed data) of every partition of every Backstop topic of the class that exists. */
    public Map<String, List<Long>> endOffsets() throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<String> topics = new ArrayList<>();
        for (Topic t : Topic.values()) {
            if (existing.contains(infra.topic(t.baseName()))) {
                topics.add(infra.topic(t.baseName()));
            }
        }
        var described = admin.describeTopics(topics).allTopicNames().get();
        Map<TopicPartition, OffsetSpec> ask = new LinkedHashMap<>();
        described.forEach((name, d) -> d.partitions().forEach(p -> ask.put(new TopicPartition(name, p.partition()),
                OffsetSpec.latest())));
        var ends = admin.listOffsets(ask, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        Map<String, List<Long>> byTopic = new LinkedHashMap<>();
        for (String topic : topics) {
            List<Long> offsets = new ArrayList<>();
            for (int p = 0; p < described.get(topic).partitions().size(); p++) {
                offsets.add(ends.get(new TopicPartition(topic, p)).offset());
            }
            byTopic.put(topic, offsets);
        }
        return byTopic;
    }

    /** The sum of the end offsets of one of the class's topics (records and transaction markers). */
    public long offsets(String baseName) throws ExecutionException, InterruptedException {
        return endOffsets().getOrDefault(infra.topic(baseName), List.of()).stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public void close() {
        admin.close();
    }
}
