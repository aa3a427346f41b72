package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Production speaks TLS to Kafka and PostgreSQL and checks their certificates against the operators' CAs; the
 * rules catch a service that would not.
 */
class ProductionTlsTest {

    static final String PRODUCTION = "k8s/overlays/production";

    @Test
    void productionHasNoListenerNorDatabaseConnectionWithoutTls() {
        List<ObjectNode> objects = ManifestsTest.render(PRODUCTION);
        JsonNode kafka = ManifestsTest.one(objects, "Kafka").path("spec").path("kafka");
        assertThat(kafka.path("listeners")).isNotEmpty().allSatisfy(l -> {
            assertThat(l.path("tls").asBoolean()).as(l.toString()).isTrue();
            assertThat(l.path("authentication").path("type").asText()).isEqualTo("scram-sha-512");
        });
        JsonNode config = BrokenManifestsTest.find(objects, "ConfigMap", "backstop-config").path("data");
        assertThat(config.path("SPRING_KAFKA_SECURITY_PROTOCOL").asText()).isEqualTo("SASL_SSL");
        assertThat(config.path("SPRING_DATASOURCE_URL").asText()).contains("sslmode=verify-full");
        assertThat(ManifestsTest.one(objects, "Cluster").path("spec").path("postgresql").path("pg_hba").toString())
                .contains("hostnossl all all all reject");
        assertThat(ManifestsTest.MANIFESTS.problems(objects, objects)).isEmpty();
    }

    @Test
    void aServiceThatDoesNotCheckPostgresCertificate() {
        assertThat(BrokenManifestsTest.problemsWith(PRODUCTION, "Deployment", "margin-service", d ->
                removeNamed((ArrayNode) d.path("spec").path("template").path("spec").path("volumes"), "pg-ca")))
                .containsExactly("Deployment margin-service checks PostgreSQL's certificate against"
                        + " /etc/backstop/pg-ca/ca.crt, which is not the cluster's CA (Secret backstop-pg-ca, key ca.crt)"
                        + " mounted there");
        assertThat(BrokenManifestsTest.problemsWith(PRODUCTION, "ConfigMap", "backstop-config", m ->
                ((ObjectNode) m.path("data")).put("SPRING_DATASOURCE_URL",
                        "jdbc:postgresql://backstop-pg-rw:5432/backstop?sslmode=require")))
                .containsExactly("Cluster backstop-pg takes connections over TLS only: the services' SPRING_DATASOURCE_URL"
                        + " must ask for it and check the server (sslmode=verify-full), not sslmode=require");
    }

    @Test
    void aServiceThatDoesNotTrustTheKafkaClusterCa() {
        assertThat(BrokenManifestsTest.problemsWith(PRODUCTION, "Deployment", "oracle-service", d ->
                removeNamed((ArrayNode) d.path("spec").path("template").path("spec").path("volumes"), "kafka-ca")))
                .containsExactly("Deployment oracle-service talks TLS to Kafka backstop and must trust its cluster CA:"
                        + " SPRING_KAFKA_SSL_TRUST_STORE_TYPE=PEM and SPRING_KAFKA_SSL_TRUST_STORE_LOCATION=file:<dir>/ca.crt"
                        + " with Secret backstop-cluster-ca-cert mounted at <dir> (it is file:/etc/backstop/kafka-ca/ca.crt)");
    }

    private static void removeNamed(ArrayNode list, String name) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).path("name").asText().equals(name)) {
                list.remove(i);
                return;
            }
        }
        throw new AssertionError("no " + name + " in " + list);
    }
}
