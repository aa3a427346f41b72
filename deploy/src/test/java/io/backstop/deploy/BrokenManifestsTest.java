package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The acceptance: a deliberately broken manifest fails the checks with a message naming the object.
 * Each test breaks one thing in the rendered local overlay (or the lab's Job, or a chaos experiment).
 */
class BrokenManifestsTest {

    static List<String> problemsOfLocalWith(String kind, String name, Consumer<ObjectNode> breakIt) {
        return problemsWith("k8s/overlays/local", kind, name, breakIt);
    }

    static List<String> problemsWith(String overlay, String kind, String name, Consumer<ObjectNode> breakIt) {
        List<ObjectNode> objects = ManifestsTest.render(overlay);
        ObjectNode target = find(objects, kind, name);
        breakIt.accept(target);
        List<String> problems = ManifestsTest.MANIFESTS.problems(objects, objects);
        System.out.println("broken " + kind + " " + name + ":");
        problems.forEach(p -> System.out.println("  " + p));
        return problems;
    }

    static ObjectNode find(List<ObjectNode> objects, String kind, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && Objects.name(o).equals(name))
                .findFirst().orElseThrow();
    }

    static ObjectNode container(ObjectNode deployment) {
        return (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").path(0);
    }

    @Test
    void anUnknownFieldInAPrometheusRule() {
        assertThat(problemsOfLocalWith("PrometheusRule", "backstop-alerts", r -> {
            ObjectNode rule = (ObjectNode) r.path("spec").path("groups").path(0).path("rules").path(0);
            rule.set("exprs", rule.get("expr"));
        })).contains("PrometheusRule backstop-alerts: unknown field 'exprs' at spec.groups[0].rules[0]");
    }

    @Test
    void aPrometheusRuleThatDiffersFromItsRuleFile() {
        assertThat(problemsOfLocalWith("PrometheusRule", "backstop-slos", r ->
                ((ObjectNode) r.path("spec").path("groups").path(1).path("rules").path(0)).put("for", "1h")))
                .containsExactly("PrometheusRule backstop-slos differs from observability/prometheus/rules/backstop-slos.yml:"
                        + " run observability/prometheus/k8s/generate.sh");
    }

    @Test
    void aDashboardThatIsNotShipped() {
        assertThat(problemsOfLocalWith("ConfigMap", "backstop-dashboard-margin", m ->
                ((ObjectNode) m.path("metadata").path("labels")).remove("grafana_dashboard")))
                .containsExactly("dashboard observability/grafana/dashboards/backstop-margin.json is not shipped: no"
                        + " ConfigMap labelled grafana_dashboard: \"1\" holds it as backstop-margin.json"
                        + " (observability/kustomization.yaml)");
    }

    @Test
    void anUnknownFieldInADeployment() {
        assertThat(problemsOfLocalWith("Deployment", "margin-service",
                d -> container(d).set("livenessProbes", container(d).get("livenessProbe"))))
                .contains("Deployment margin-service: unknown field 'livenessProbes' at spec.template.spec.containers[0]");
    }

    static ObjectNode ingress(ObjectNode deployment) {
        return (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").path(1);
    }

    static ObjectNode env(ObjectNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return (ObjectNode) e;
            }
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void theServiceBypassesTheIngress() {
        assertThat(problemsOfLocalWith("Service", "margin-service", s ->
                ((ObjectNode) s.path("spec").path("ports").path(0)).put("targetPort", "app")))
                .containsExactly("Service margin-service: port http targets app, not the ingress (INGRESS_PORT 8080):"
                        + " risk queries would bypass it");
    }

    @Test
    void anIngressThatForwardsElsewhereOrMissesAVariable() {
        assertThat(problemsOfLocalWith("Deployment", "margin-service", d -> {
            env(ingress(d), "APP_PORT").put("value", "9090");
            ((ArrayNode) ingress(d).path("env")).remove(6); // SHED_AT_QUEUE
            ((ArrayNode) ingress(d).path("env")).addObject().put("name", "SHED_AT").put("value", "32");
        })).containsExactlyInAnyOrder(
                "Deployment margin-service: container ingress does not set SHED_AT_QUEUE, which k8s/base/services/margin-ingress.cfg reads",
                "Deployment margin-service: container ingress sets SHED_AT, which k8s/base/services/margin-ingress.cfg does not read",
                "Deployment margin-service: container ingress forwards to APP_PORT 9090, but margin-service listens on 8082");
    }

    @Test
    void anIngressWithAnUnpinnedImageOrAnotherConfiguration() {
        assertThat(problemsOfLocalWith("Deployment", "margin-service", d -> {
            ingress(d).put("image", "haproxy:latest");
            ((ArrayNode) ingress(d).path("command")).set(4, ingress(d).textNode("/etc/haproxy/haproxy.cfg"));
            ingress(d).remove("resources");
        })).containsExactlyInAnyOrder(
                "Deployment margin-service: container ingress runs 'haproxy:latest': pin HAProxy to a version (haproxy:3.2), not 'latest'",
                "Deployment margin-service: container ingress must run HAProxy with -f on k8s/base/services/margin-ingress.cfg,"
                        + " unchanged, from a ConfigMap volume mounted at that path (runs [haproxy, -W, -db, -f, /etc/haproxy/haproxy.cfg])",
                "Deployment margin-service: container ingress has no resources.requests.cpu",
                "Deployment margin-service: container ingress has no resources.requests.memory",
                "Deployment margin-service: container ingress has no resources.limits.cpu",
                "Deployment margin-service: container ingress has no resources.limits.memory");
    }

    @Test
    void anIngressConfigurationThatDiffersFromTheRepository() {
        assertThat(problemsOfLocalWith("ConfigMap", "margin-ingress", m ->
                ((ObjectNode) m.path("data")).put("margin-ingress.cfg", "global\n")))
                .containsExactly("Deployment margin-service: container ingress must run HAProxy with -f on"
                        + " k8s/base/services/margin-ingress.cfg, unchanged, from a ConfigMap volume mounted at that path"
                        + " (runs [haproxy, -W, -db, -f, /etc/backstop/margin-ingress.cfg])");
    }

    @Test
    void anIngressProbedElsewhere() {
        assertThat(problemsOfLocalWith("Deployment", "margin-service", d ->
                ((ObjectNode) ingress(d).path("readinessProbe").path("httpGet")).put("port", "http")))
                .containsExactly("Deployment margin-service: container ingress readinessProbe targets port http, but"
                        + " /healthz is served on METRICS_PORT 8405");
    }

    @Test
    void aMissingReadinessProbe() {
        assertThat(problemsOfLocalWith("Deployment", "liquidation-service", d -> container(d).remove("readinessProbe")))
                .containsExactly("Deployment liquidation-service: container liquidation-service has no readinessProbe");
    }

    @Test
    void bothProbesOnTheSameHealthEndpoint() {
        assertThat(problemsOfLocalWith("Deployment", "oracle-service", d -> ((ObjectNode) container(d)
                .path("livenessProbe").path("httpGet")).put("path", "/actuator/health")))
                .containsExactly("Deployment oracle-service: container oracle-service livenessProbe must GET"
                        + " /actuator/health/liveness, not '/actuator/health'");
    }

    @Test
    void aMissingTopic() {
        List<ObjectNode> objects = ManifestsTest.render("k8s/overlays/local");
        objects.remove(find(objects, "KafkaTopic", "oracle.prices"));
        assertThat(ManifestsTest.MANIFESTS.problems(objects, objects)).containsExactly(
                "KafkaTopic oracle.prices is missing: topic oracle.prices (risk-events Topic.ORACLE_PRICES) has no"
                        + " KafkaTopic, and the services do not create topics here");
    }

    @Test
    void aTopicWithOtherPartitionsThanTheServicesExpect() {
        assertThat(problemsOfLocalWith("KafkaTopic", "trades.fills",
                t -> ((ObjectNode) t.path("spec")).put("partitions", 12)))
                .containsExactly("KafkaTopic trades.fills: 12 partitions, but the services expect 6 (BACKSTOP_KAFKA_PARTITIONS)");
    }

    @Test
    void anUnknownFieldInAKafkaTopic() {
        assertThat(problemsOfLocalWith("KafkaTopic", "margin.calls",
                t -> ((ObjectNode) t.path("spec")).put("partition", 6)))
                .contains("KafkaTopic margin.calls: unknown field 'partition' at spec");
    }

    @Test
    void aFieldTheStrimziV1ApiNoLongerHas() {
        assertThat(problemsOfLocalWith("Kafka", "backstop",
                k -> ((ObjectNode) k.path("spec").path("kafka")).put("replicas", 3)))
                .containsExactly("Kafka backstop: field 'spec.kafka.replicas' does not exist in v1 (only in v1beta2)");
    }

    @Test
    void aNodePoolWithoutItsRoles() {
        assertThat(problemsOfLocalWith("KafkaNodePool", "dual-role", p -> ((ObjectNode) p.path("spec")).remove("roles")))
                .containsExactly("KafkaNodePool dual-role: field 'spec.roles' is required in v1",
                        "Kafka backstop: default.replication.factor 1 needs 1 brokers, the node pools have 0");
    }

    @Test
    void anUnknownFieldInThePostgresCluster() {
        assertThat(problemsOfLocalWith("Cluster", "backstop-pg",
                c -> ((ObjectNode) c.path("spec")).put("replicas", 3)))
                .anySatisfy(p -> assertThat(p).startsWith("Cluster backstop-pg: ").contains("replicas"));
    }

    @Test
    void anEnvironmentVariableNoServiceReads() {
        assertThat(problemsOfLocalWith("Deployment", "insurance-fund-service", d -> ((ArrayNode) container(d).path("env"))
                .addObject().put("name", "BACKSTOP_KAFKA_PARTITION").put("value", "6")))
                .containsExactly("Deployment insurance-fund-service: container insurance-fund-service sets"
                        + " BACKSTOP_KAFKA_PARTITION, which insurance-fund-service does not read");
    }

    @Test
    void anImageTheBuildDoesNotProduce() {
        assertThat(problemsOfLocalWith("Deployment", "oracle-service",
                d -> container(d).put("image", "backstop/oracle-service:latest")))
                .anySatisfy(p -> assertThat(p).startsWith("Deployment oracle-service: container oracle-service runs"
                        + " image 'backstop/oracle-service:latest', which the build does not produce"));
    }

    @Test
    void aDeploymentWithoutDisruptionBudget() {
        List<ObjectNode> objects = ManifestsTest.render("k8s/overlays/local");
        objects.remove(find(objects, "PodDisruptionBudget", "margin-service"));
        assertThat(ManifestsTest.MANIFESTS.problems(objects, objects))
                .containsExactly("Deployment margin-service has no PodDisruptionBudget selecting its pods");
    }

    @Test
    void missingResourceLimits() {
        assertThat(problemsOfLocalWith("Deployment", "margin-service",
                d -> ((ObjectNode) container(d).path("resources")).remove("limits")))
                .containsExactly("Deployment margin-service: container margin-service has no resources.limits.cpu",
                        "Deployment margin-service: container margin-service has no resources.limits.memory");
    }

    @Test
    void anAutoscalerBeyondThePartitions() {
        assertThat(problemsWith("k8s/overlays/production", "HorizontalPodAutoscaler", "margin-service",
                h -> ((ObjectNode) h.path("spec")).put("maxReplicas", 12)))
                .containsExactly("HorizontalPodAutoscaler margin-service: maxReplicas 12 is above the 6 partitions of"
                        + " trades.fills (a replica beyond them would hold no account)");
    }

    @Test
    void aSingleInstanceServiceWithTwoReplicas() {
        assertThat(problemsOfLocalWith("Deployment", "liquidation-service",
                d -> ((ObjectNode) d.path("spec")).put("replicas", 2)))
                .containsExactly("Deployment liquidation-service: a single-instance (Recreate) Deployment must have 1 replica");
    }

    @Test
    void aGracePeriodShorterThanTheShutdown() {
        assertThat(problemsOfLocalWith("Deployment", "margin-service",
                d -> ((ObjectNode) d.path("spec").path("template").path("spec")).put("terminationGracePeriodSeconds", 20)))
                .containsExactly("Deployment margin-service: terminationGracePeriodSeconds 20 is too short for a graceful"
                        + " shutdown (preStop 5 s + Spring's shutdown phase 20 s + 10 s)");
    }

    @Test
    void aSecretNothingProvides() {
        assertThat(problemsOfLocalWith("Deployment", "oracle-service", d -> ((ObjectNode) container(d).path("env").path(3)
                .path("valueFrom").path("secretKeyRef")).put("name", "oracle-db")))
                .contains("Deployment oracle-service: container oracle-service reads SPRING_DATASOURCE_PASSWORD from Secret"
                        + " oracle-db, which is neither in the manifests nor generated by CloudNativePG nor a role Secret"
                        + " the Cluster names nor a KafkaUser's");
    }

    @Test
    void aChaosExperimentWithoutItsExpectedOutcome() {
        List<ObjectNode> platform = ManifestsTest.render("k8s/overlays/local");
        List<ObjectNode> chaos = ManifestsTest.render("k8s/chaos");
        ((ObjectNode) find(chaos, "PodChaos", "kill-margin-service").path("metadata")).remove("annotations");
        ((ObjectNode) find(chaos, "PodChaos", "kill-oracle-service").path("spec").path("selector").path("labelSelectors"))
                .put("app.kubernetes.io/name", "oracle");
        assertThat(ManifestsTest.MANIFESTS.problems(chaos, platform)).containsExactly(
                "PodChaos kill-oracle-service: its selector matches no pod of the platform",
                "PodChaos kill-margin-service: the expected outcome must be written beside it (annotation"
                        + " backstop.io/expected-outcome)");
    }

    @Test
    void aKillOfTheBrokerOrThePrimaryThatSelectsNoneOfTheOperatorsPods() {
        List<ObjectNode> platform = ManifestsTest.render("k8s/overlays/local");
        List<ObjectNode> chaos = ManifestsTest.render("k8s/chaos");
        assertThat(ManifestsTest.MANIFESTS.problems(chaos, platform)).as("as shipped").isEmpty();
        ((ObjectNode) find(chaos, "PodChaos", "kill-kafka-broker").path("spec").path("selector").path("labelSelectors"))
                .put("strimzi.io/cluster", "kafka");
        ((ObjectNode) find(chaos, "PodChaos", "kill-postgres-primary").path("spec").path("selector")
                .path("labelSelectors")).put("cnpg.io/instanceRole", "leader");
        assertThat(ManifestsTest.MANIFESTS.problems(chaos, platform)).containsExactlyInAnyOrder(
                "PodChaos kill-kafka-broker: its selector matches no pod of the platform",
                "PodChaos kill-postgres-primary: its selector matches no pod of the platform");
    }

    @Test
    void anUnknownFieldInAChaosSchedule() {
        List<ObjectNode> platform = ManifestsTest.render("k8s/overlays/local");
        List<ObjectNode> lab = ManifestsTest.render("k8s/lab/replay-under-chaos");
        ((ObjectNode) find(lab, "Schedule", "kill-one-service-every-2-minutes").path("spec")).put("cron", "* * * * *");
        assertThat(ManifestsTest.MANIFESTS.problems(lab, platform))
                .anySatisfy(p -> assertThat(p).startsWith("Schedule kill-one-service-every-2-minutes: ").contains("cron"));
    }

    @Test
    void theLabsJobPointingAtNoService() {
        List<ObjectNode> platform = ManifestsTest.render("k8s/overlays/lab");
        List<ObjectNode> lab = ManifestsTest.render("k8s/lab/replay");
        JsonNode env = find(lab, "Job", "backstop-replay").path("spec").path("template").path("spec").path("containers")
                .path(0).path("env");
        ((ObjectNode) env.path(2)).put("value", "http://margin:8082");
        ((ArrayNode) env).addObject().put("name", "BACKSTOP_MARGIN_ENDPOINT").put("value", "x");
        assertThat(ManifestsTest.MANIFESTS.problems(lab, platform)).containsExactly(
                "Job backstop-replay: container replay sets BACKSTOP_MARGIN_ENDPOINT, which stress-lab does not read",
                "Job backstop-replay: BACKSTOP_MARGIN_URL=http://margin:8082 is no Service and port of the platform");
    }
}
