package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** docker-compose.yml against the Compose specification's schema and the project's cross-checks; and broken variants. */
class ComposeTest {

    static final ComposeCheck CHECK = new ComposeCheck(ManifestsTest.PROJECT);

    static ObjectNode compose() {
        return CHECK.read(ManifestsTest.PROJECT.path("docker-compose.yml"));
    }

    static List<String> problemsWith(Consumer<ObjectNode> breakIt) {
        ObjectNode compose = compose();
        breakIt.accept(compose);
        List<String> problems = CHECK.problems(compose);
        problems.forEach(p -> System.out.println("  " + p));
        return problems;
    }

    static ObjectNode service(ObjectNode compose, String name) {
        return (ObjectNode) compose.path("services").path(name);
    }

    @Test
    void theComposeFileIsValid() {
        assertThat(CHECK.problems(compose())).isEmpty();
    }

    @Test
    void everyServiceOfTheRepositoryIsComposedWithItsImage() {
        ObjectNode compose = compose();
        for (String module : ManifestsTest.PROJECT.imageModules()) {
            String name = module.equals("stress-lab") ? "lab" : module;
            assertThat(service(compose, name).path("image").asText()).isEqualTo(ManifestsTest.PROJECT.image(module));
        }
    }

    @Test
    void prometheusWithoutTheRulesFolderMountedLoadsNoAlert() {
        assertThat(problemsWith(c -> {
            com.fasterxml.jackson.databind.node.ArrayNode volumes = (com.fasterxml.jackson.databind.node.ArrayNode)
                    service(c, "prometheus").path("volumes");
            volumes.remove(1);
        })).containsExactly(
                "compose service prometheus loads rule files rules/*.yml, but mounts no folder of the repository at"
                        + " /etc/prometheus/rules",
                "compose service prometheus does not load observability/prometheus/rules/backstop-alerts.yml (rule_files"
                        + " in observability/prometheus/prometheus.yml, and its mount)",
                "compose service prometheus does not load observability/prometheus/rules/backstop-slos.yml (rule_files"
                        + " in observability/prometheus/prometheus.yml, and its mount)");
    }

    @Test
    void anUnknownKeyBreaksTheSchema() {
        assertThat(problemsWith(c -> service(c, "margin-service").put("healthchek", "x")))
                .anySatisfy(p -> assertThat(p).contains("healthchek").contains("Compose specification schema"));
    }

    @Test
    void anIngressThatForwardsElsewhereRunsAnotherConfigurationOrIsNotScraped() {
        assertThat(problemsWith(c -> {
            ObjectNode ingress = service(c, "margin-ingress");
            ((ObjectNode) ingress.path("environment")).put("APP_PORT", "9090").remove("SHED_AT_QUEUE");
            ((com.fasterxml.jackson.databind.node.ArrayNode) ingress.path("volumes")).set(0,
                    ingress.textNode("./observability/prometheus/prometheus.yml:/etc/backstop/margin-ingress.cfg:ro"));
            ingress.put("image", "haproxy:latest");
        })).containsExactlyInAnyOrder(
                "compose service margin-ingress runs 'haproxy:latest': pin HAProxy to a version (haproxy:3.2)",
                "compose service margin-ingress must run HAProxy with -f on k8s/base/services/margin-ingress.cfg mounted"
                        + " from the repository (runs [haproxy, -W, -db, -f, /etc/backstop/margin-ingress.cfg])",
                "compose service margin-ingress does not set SHED_AT_QUEUE, which k8s/base/services/margin-ingress.cfg reads",
                "compose service margin-ingress forwards to margin-service:9090, margin-service is at margin-service:8082");
    }

    @Test
    void anIngressWhoseMetricsPrometheusDoesNotScrape() {
        assertThat(problemsWith(c -> ((ObjectNode) service(c, "margin-ingress").path("environment"))
                .put("METRICS_PORT", "9405")))
                .containsExactly("compose service prometheus does not scrape margin-ingress:9405/metrics (the risk"
                        + " queries the ingress sheds count in the risk API's objective)");
    }

    @Test
    void aVariableTheServiceDoesNotRead() {
        assertThat(problemsWith(c -> ((ObjectNode) service(c, "liquidation-service").path("environment"))
                .put("BACKSTOP_KAFKA_PARTITIONZ", "6")))
                .containsExactly("compose service liquidation-service sets BACKSTOP_KAFKA_PARTITIONZ, which"
                        + " liquidation-service does not read");
    }

    @Test
    void aPortTheServiceDoesNotListenOn() {
        assertThat(problemsWith(c -> ((ObjectNode) service(c, "oracle-service").path("environment"))
                .put("SERVER_PORT", "9081")))
                .contains("compose service oracle-service listens on 9081 (SERVER_PORT) but publishes no such container port",
                        "compose service oracle-service: its healthcheck must ask /actuator/health/readiness on port 9081",
                        "compose service prometheus does not scrape oracle-service:9081/actuator/prometheus"
                                + " (observability/prometheus/prometheus.yml)",
                        "compose service lab: BACKSTOP_ORACLE_URL is http://oracle-service:8081, the service is at"
                                + " http://oracle-service:9081");
    }

    @Test
    void startingBeforeKafkaIsHealthy() {
        assertThat(problemsWith(c -> ((ObjectNode) service(c, "margin-service").path("depends_on").path("kafka"))
                .put("condition", "service_started")))
                .containsExactly("compose service margin-service must depend on kafka with condition service_healthy");
    }

    @Test
    void anImageTheBuildDoesNotProduce() {
        assertThat(problemsWith(c -> service(c, "insurance-fund-service").put("image", "backstop/insurance-service:latest")))
                .containsExactly("compose service insurance-fund-service runs image 'backstop/insurance-service:latest',"
                        + " the build produces backstop/insurance-fund-service:0.1.0-SNAPSHOT");
    }
}
