package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backstop.events.Topic;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Each service's Kafka user against its code ({@link KafkaAccess}: its ServiceTopics, listeners, groups and the
 * outbox's transactional ids): it writes every topic it produces and no other service does, it reads every topic it
 * consumes, and no service may write another's topic; then each broken grant the rules must catch.
 */
class KafkaUsersTest {

    static final List<KafkaAccess> SERVICES = KafkaAccess.of(ManifestsTest.PROJECT);

    @Test
    void whatTheServicesDoIsReadFromTheirCode() {
        assertThat(SERVICES).extracting(KafkaAccess::service)
                .containsExactlyInAnyOrder("oracle-service", "margin-service", "liquidation-service", "insurance-fund-service");
        KafkaAccess oracle = access("oracle-service");
        assertThat(oracle.produces()).containsExactly(Topic.ORACLE_PRICES);
        assertThat(oracle.consumes()).containsExactlyInAnyOrder(Topic.MARKET_TICKS, Topic.MARKET_RATES);
        assertThat(oracle.writes()).containsExactlyInAnyOrder("oracle.prices", "market.ticks.dlq", "market.rates.dlq");
        assertThat(access("margin-service").groups()).contains("margin-service", "margin-service-prices-pod-1");
        assertThat(access("liquidation-service").groups()).contains("liquidation-service-feed-pod-1");
        // what no service produces comes from outside: the exchange (fills, executions) and the market feeds
        Set<Topic> produced = SERVICES.stream().flatMap(s -> s.produces().stream()).collect(Collectors.toSet());
        assertThat(Arrays.stream(Topic.values()).filter(t -> !produced.contains(t)))
                .containsExactlyInAnyOrder(Topic.MARKET_TICKS, Topic.MARKET_RATES, Topic.TRADES_FILLS,
                        Topic.LIQUIDATION_EXECUTIONS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/local", "k8s/overlays/lab", "k8s/overlays/production"})
    void eachServiceWritesItsOwnTopicsAndReadsWhatItConsumes(String overlay) {
        List<ObjectNode> objects = ManifestsTest.render(overlay);
        for (Topic topic : Topic.values()) {
            Set<String> writers = SERVICES.stream().filter(s -> allows(objects, s, topic.baseName(), "Write"))
                    .map(KafkaAccess::service).collect(Collectors.toSet());
            Set<String> producers = SERVICES.stream().filter(s -> s.produces().contains(topic))
                    .map(KafkaAccess::service).collect(Collectors.toSet());
            assertThat(writers).as(overlay + ": who may write " + topic.baseName()).isEqualTo(producers);
            Set<String> readers = SERVICES.stream().filter(s -> allows(objects, s, topic.baseName(), "Read"))
                    .map(KafkaAccess::service).collect(Collectors.toSet());
            Set<String> consumers = SERVICES.stream().filter(s -> s.consumes().contains(topic))
                    .map(KafkaAccess::service).collect(Collectors.toSet());
            assertThat(readers).as(overlay + ": who may read " + topic.baseName()).isEqualTo(consumers);
            // a dead letter of a topic comes from the services that consume it
            Set<String> deadLetterWriters = SERVICES.stream()
                    .filter(s -> allows(objects, s, topic.deadLetterName(""), "Write"))
                    .map(KafkaAccess::service).collect(Collectors.toSet());
            assertThat(deadLetterWriters).as(overlay + ": who may write " + topic.deadLetterName(""))
                    .isEqualTo(consumers);
            System.out.printf("%-26s write %-50s read %s%n", topic.baseName(), writers, readers);
        }
    }

    @Test
    void aServiceGrantedAnotherServicesTopic() {
        assertThat(BrokenManifestsTest.problemsOfLocalWith("KafkaUser", "oracle-service", u -> acls(u).addObject()
                .<ObjectNode>set("resource", resource("topic", "margin.calls", "literal"))
                .set("operations", ops("Write", "Describe"))))
                .containsExactly("KafkaUser oracle-service may write topic margin.calls, which oracle-service does not write");
    }

    @Test
    void aServiceGrantedEveryTopicByAPrefix() {
        assertThat(BrokenManifestsTest.problemsOfLocalWith("KafkaUser", "margin-service", u -> acls(u).addObject()
                .<ObjectNode>set("resource", resource("topic", "liquidation.", "prefix"))
                .set("operations", ops("Read"))))
                .contains("KafkaUser margin-service may read topic liquidation.orders, which margin-service does not consume",
                        "KafkaUser margin-service may read topic liquidation.events, which margin-service does not consume")
                .doesNotContain("KafkaUser margin-service may read topic liquidation.fills, which margin-service does not consume");
    }

    @Test
    void aServiceThatCannotReadWhatItConsumes() {
        assertThat(BrokenManifestsTest.problemsOfLocalWith("KafkaUser", "margin-service", u -> {
            ArrayNode acls = acls(u);
            for (int i = 0; i < acls.size(); i++) {
                if (acls.get(i).path("resource").path("name").asText().equals("oracle.prices")) {
                    acls.remove(i);
                    return;
                }
            }
        })).containsExactly("KafkaUser margin-service may not Read topic oracle.prices (margin-service consumes it)");
    }

    @Test
    void anotherServicesGroupAndTransactionalIds() {
        assertThat(BrokenManifestsTest.problemsOfLocalWith("KafkaUser", "insurance-fund-service", u -> {
            acls(u).addObject().<ObjectNode>set("resource", resource("group", "margin-service", "prefix"))
                    .set("operations", ops("Read"));
            acls(u).addObject().<ObjectNode>set("resource", resource("transactionalId", "*", "literal"))
                    .set("operations", ops("All"));
        })).contains("KafkaUser insurance-fund-service may consume in group margin-service, margin-service's",
                "KafkaUser insurance-fund-service may use transactional id oracle-service-pod-1-outbox-0, oracle-service's"
                        + " (it could fence its producer)");
    }

    @Test
    void aServiceThatLogsInAsNobody() {
        assertThat(BrokenManifestsTest.problemsOfLocalWith("Deployment", "liquidation-service", d -> {
            ArrayNode env = (ArrayNode) BrokenManifestsTest.container(d).path("env");
            for (int i = 0; i < env.size(); i++) {
                if (env.get(i).path("name").asText().equals("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")) {
                    env.remove(i);
                    return;
                }
            }
        })).containsExactly("Deployment liquidation-service must log in to Kafka as KafkaUser liquidation-service:"
                + " SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG from its Secret liquidation-service (key sasl.jaas.config)");
    }

    @Test
    void aBrokerThatLetsAnyoneIn() {
        assertThat(BrokenManifestsTest.problemsOfLocalWith("Kafka", "backstop", k -> {
            ObjectNode kafka = (ObjectNode) k.path("spec").path("kafka");
            kafka.remove("authorization");
            ((ObjectNode) kafka.path("listeners").path(0)).remove("authentication");
        })).contains("Kafka backstop: spec.kafka.authorization.type must be simple: without it the KafkaUsers' ACLs are"
                        + " not enforced",
                "Kafka backstop: listener plain, the services', must authenticate its clients"
                        + " (authentication.type: scram-sha-512)");
    }

    @Test
    void theLabsListenerOpenToEveryPod() {
        assertThat(BrokenManifestsTest.problemsWith("k8s/overlays/lab", "Kafka", "backstop", k ->
                ((ObjectNode) k.path("spec").path("kafka").path("listeners").path(1)).remove("networkPolicyPeers")))
                .containsExactly("Kafka backstop: listener lab lets anyone in without credentials: authenticate its"
                        + " clients or name the only pods that may reach it (networkPolicyPeers)");
    }

    private static boolean allows(List<ObjectNode> objects, KafkaAccess service, String topic, String operation) {
        JsonNode user = BrokenManifestsTest.find(objects, "KafkaUser", service.service());
        return KafkaUserRules.allows(user.path("spec").path("authorization").path("acls"), "topic", topic, operation);
    }

    private static KafkaAccess access(String service) {
        return SERVICES.stream().filter(s -> s.service().equals(service)).findFirst().orElseThrow();
    }

    private static ArrayNode acls(ObjectNode user) {
        return (ArrayNode) user.path("spec").path("authorization").path("acls");
    }

    private static ObjectNode resource(String type, String name, String patternType) {
        ObjectNode r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        return r.put("type", type).put("name", name).put("patternType", patternType);
    }

    private static ArrayNode ops(String... operations) {
        ArrayNode a = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        Arrays.stream(operations).forEach(a::add);
        return a;
    }
}
