package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kustomization of k8s/ rendered and checked: each object against its schema, then the project's
 * rules; the lab's Job and the chaos experiments against each overlay's platform. Prints each overlay's
 * objects (kind, name, replicas).
 */
class ManifestsTest {

    static final Project PROJECT = Project.locate();
    static final Kustomize KUSTOMIZE = new Kustomize();
    static final Manifests MANIFESTS = new Manifests(PROJECT);
    static final List<String> OVERLAYS = List.of("k8s/overlays/local", "k8s/overlays/lab", "k8s/overlays/production");
    static final List<String> ON_A_PLATFORM = List.of("k8s/lab/replay", "k8s/lab/replay-under-chaos", "k8s/chaos");

    static List<ObjectNode> render(String dir) {
        return KUSTOMIZE.render(PROJECT.path(dir));
    }

    @Test
    void everyKustomizationOfTheRepositoryIsChecked() throws IOException {
        try (Stream<Path> files = Files.walk(PROJECT.path("k8s"))) {
            List<String> dirs = files.filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                    .map(f -> PROJECT.root().relativize(f.getParent()).toString()).sorted().toList();
            assertThat(dirs).containsExactlyInAnyOrderElementsOf(Stream.concat(Stream.of("k8s/base"),
                    Stream.concat(OVERLAYS.stream(), ON_A_PLATFORM.stream())).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/local", "k8s/overlays/lab", "k8s/overlays/production"})
    void anOverlayIsValid(String overlay) {
        List<ObjectNode> objects = render(overlay);
        System.out.println(overlay + ": " + objects.size() + " objects");
        for (ObjectNode o : objects) {
            JsonNode replicas = o.path("spec").path(o.path("kind").asText().equals("Cluster") ? "instances" : "replicas");
            System.out.printf("  %-24s %-40s %s%n", o.path("kind").asText(), Objects.name(o),
                    replicas.isMissingNode() ? "" : replicas.asText());
        }
        assertThat(MANIFESTS.problems(objects, objects)).isEmpty();
    }

    @Test
    void theChaosExperimentsAreValidOnEachOverlayAndTheLabsJobsOnTheLabs() {
        for (String overlay : OVERLAYS) {
            List<ObjectNode> platform = render(overlay);
            assertThat(MANIFESTS.problems(render("k8s/chaos"), platform)).as("k8s/chaos on " + overlay).isEmpty();
        }
        // the replays step a platform on simulated time: the lab overlay, the only one with a listener for the lab
        List<ObjectNode> lab = render("k8s/overlays/lab");
        for (String dir : List.of("k8s/lab/replay", "k8s/lab/replay-under-chaos")) {
            assertThat(MANIFESTS.problems(render(dir), lab)).as(dir + " on the lab overlay").isEmpty();
        }
        assertThat(MANIFESTS.problems(render("k8s/lab/replay"), render("k8s/overlays/production")))
                .anySatisfy(p -> assertThat(p).contains("BACKSTOP_KAFKA_BOOTSTRAP=backstop-kafka-bootstrap:9094 is no"
                        + " listener of the platform's broker"));
    }

    @Test
    void eachServiceHasItsOwnPodKillAndTheScheduleKillsOneOfThemAtRandom() {
        List<ObjectNode> chaos = render("k8s/chaos");
        for (String service : PROJECT.services()) {
            assertThat(chaos).as(service).anySatisfy(c -> {
                assertThat(c.path("kind").asText()).isEqualTo("PodChaos");
                assertThat(c.path("spec").path("action").asText()).isEqualTo("pod-kill");
                assertThat(c.path("spec").path("selector").path("labelSelectors").path("app.kubernetes.io/name").asText())
                        .isEqualTo(service);
            });
        }
        JsonNode schedule = render("k8s/lab/replay-under-chaos").stream()
                .filter(o -> o.path("kind").asText().equals("Schedule")).findFirst().orElseThrow();
        assertThat(schedule.path("spec").path("podChaos").path("mode").asText()).isEqualTo("one");
        assertThat(schedule.path("spec").path("podChaos").path("selector").path("expressionSelectors").path(0)
                .path("values")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(PROJECT.services());
    }

    @Test
    void productionIsReplicatedAndSpreadAcrossZones() {
        List<ObjectNode> objects = render("k8s/overlays/production");
        JsonNode kafka = one(objects, "Kafka").path("spec").path("kafka");
        assertThat(one(objects, "KafkaNodePool").path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(kafka.path("config").path("default.replication.factor").asInt()).isEqualTo(3);
        assertThat(kafka.path("config").path("min.insync.replicas").asInt()).isEqualTo(2);
        assertThat(kafka.path("rack").path("topologyKey").asText()).isEqualTo("topology.kubernetes.io/zone");
        JsonNode pg = one(objects, "Cluster").path("spec");
        assertThat(pg.path("instances").asInt()).isEqualTo(3);
        assertThat(pg.path("affinity").path("topologyKey").asText()).isEqualTo("topology.kubernetes.io/zone");
        JsonNode margin = objects.stream().filter(o -> Objects.id(o).equals("Deployment margin-service")).findFirst().orElseThrow();
        assertThat(margin.path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(margin.path("spec").path("template").path("spec").path("topologySpreadConstraints").toString())
                .contains("topology.kubernetes.io/zone");
        JsonNode local = one(render("k8s/overlays/local"), "KafkaNodePool");
        assertThat(local.path("spec").path("replicas").asInt()).isEqualTo(1);
    }

    static JsonNode one(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).findFirst().orElseThrow();
    }
}
