package io.backstop.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may do what on a platform's Kafka, against what the services do ({@link KafkaAccess}, read from their code):
 * <ul>
 *   <li>the Kafka authorizes ({@code authorization: simple}) and its User Operator runs; the listener the services
 *       use authenticates (SCRAM-SHA-512), and the services' shared environment speaks its protocol; a listener
 *       without authentication is reachable only by the pods its {@code networkPolicyPeers} name (the lab's);</li>
 *   <li>each service has a KafkaUser of its name, of that cluster, authenticated, and its Deployment logs in with it
 *       (the {@code sasl.jaas.config} of the Secret Strimzi generates); over a TLS listener it trusts the cluster's
 *       CA;</li>
 *   <li>its ACLs allow it to write every topic it produces and the dead-letter topic of each it consumes, to read
 *       every topic it consumes, in its own consumer groups, with its own transactional ids — and nothing else: no
 *       other topic of the platform, no other service's group or transactional id, nothing cluster-wide, no deny
 *       rule (an allow list is read at a glance).</li>
 * </ul>
 */
final class KafkaUserRules {

    private final List<KafkaAccess> services;

    KafkaUserRules(Project project) {
        this.services = KafkaAccess.of(project);
    }

    /**
     * The problems of the Kafka and the KafkaUsers among {@code own} (one rendered platform), given the services'
     * shared environment and their Deployments by module.
     */
    void check(List<? extends JsonNode> own, Map<String, String> serviceConfig, Map<String, JsonNode> deployments,
               List<String> problems) {
        for (JsonNode kafka : all(own, "Kafka")) {
            cluster(kafka, serviceConfig, problems);
        }
        List<String> topics = all(own, "KafkaTopic").stream().map(Objects::name).toList();
        for (KafkaAccess service : services) {
            Optional<JsonNode> user = all(own, "KafkaUser").stream()
                    .filter(u -> Objects.name(u).equals(service.service())).findFirst();
            if (user.isEmpty()) {
                problems.add("KafkaUser " + service.service() + " is missing: " + service.service()
                        + " logs in to Kafka as its own user");
                continue;
            }
            user(user.get(), service, topics, own, problems);
            JsonNode deployment = deployments.get(service.module());
            if (deployment != null) {
                login(deployment, service, problems);
                for (JsonNode kafka : all(own, "Kafka")) {
                    trust(kafka, deployment, serviceConfig, problems);
                }
            }
        }
    }

    private static void cluster(JsonNode kafka, Map<String, String> config, List<String> problems) {
        String id = Objects.id(kafka);
        JsonNode spec = kafka.path("spec");
        if (!"simple".equals(spec.path("kafka").path("authorization").path("type").asText())) {
            problems.add(id + ": spec.kafka.authorization.type must be simple: without it the KafkaUsers' ACLs are not"
                    + " enforced");
        }
        if (spec.path("entityOperator").path("userOperator").isMissingNode()) {
            problems.add(id + ": spec.entityOperator.userOperator is needed: it creates the KafkaUsers and their ACLs");
        }
        String bootstrap = config.getOrDefault("SPRING_KAFKA_BOOTSTRAP_SERVERS", "");
        for (JsonNode listener : spec.path("kafka").path("listeners")) {
            String name = "listener " + listener.path("name").asText();
            String authentication = listener.path("authentication").path("type").asText();
            if (bootstrap.equals(Objects.name(kafka) + "-kafka-bootstrap:" + listener.path("port").asText())) {
                String protocol = listener.path("tls").asBoolean(false) ? "SASL_SSL" : "SASL_PLAINTEXT";
                if (!"scram-sha-512".equals(authentication)) {
                    problems.add(id + ": " + name + ", the services', must authenticate its clients"
                            + " (authentication.type: scram-sha-512)");
                } else if (!protocol.equals(config.get("SPRING_KAFKA_SECURITY_PROTOCOL"))
                        || !"SCRAM-SHA-512".equals(config.get("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM"))) {
                    problems.add(id + ": " + name + " takes SCRAM-SHA-512 over " + protocol + ", the services are told"
                            + " SPRING_KAFKA_SECURITY_PROTOCOL=" + config.get("SPRING_KAFKA_SECURITY_PROTOCOL")
                            + " and SPRING_KAFKA_PROPERTIES_SASL_MECHANISM="
                            + config.get("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM"));
                }
            } else if (authentication.isEmpty() && listener.path("networkPolicyPeers").isEmpty()) {
                problems.add(id + ": " + name + " lets anyone in without credentials: authenticate its clients or"
                        + " name the only pods that may reach it (networkPolicyPeers)");
            }
        }
    }

    private void user(JsonNode user, KafkaAccess service, List<String> topics, List<? extends JsonNode> own,
                      List<String> problems) {
        String id = Objects.id(user);
        String cluster = user.path("metadata").path("labels").path("strimzi.io/cluster").asText();
        if (all(own, "Kafka").stream().noneMatch(k -> Objects.name(k).equals(cluster))) {
            problems.add(id + ": label strimzi.io/cluster names no Kafka of the manifests ('" + cluster + "')");
        }
        if (user.path("spec").path("authentication").path("type").asText().isEmpty()) {
            problems.add(id + ": no authentication, so no credentials: the User Operator would create no Secret");
        }
        JsonNode acls = user.path("spec").path("authorization").path("acls");
        for (JsonNode acl : acls) {
            if ("deny".equals(acl.path("type").asText())) {
                problems.add(id + ": a deny rule on " + acl.path("resource") + ": allow exactly what the service does");
            }
            if ("cluster".equals(acl.path("resource").path("type").asText())) {
                problems.add(id + ": " + acl.path("operations") + " on the cluster: a service needs no cluster-wide right");
            }
        }
        for (String topic : service.writes()) {
            require(id, acls, "topic", topic, "Write", service.service() + " writes it", problems);
        }
        for (String topic : service.reads()) {
            require(id, acls, "topic", topic, "Read", service.service() + " consumes it", problems);
        }
        for (String group : service.groups()) {
            require(id, acls, "group", group, "Read", "a consumer group of " + service.service(), problems);
        }
        require(id, acls, "transactionalId", service.transactionalId(), "Write",
                "the outbox relay's transactions", problems);
        for (String topic : topics) {
            if (allows(acls, "topic", topic, "Write") && !service.writes().contains(topic)) {
                problems.add(id + " may write topic " + topic + ", which " + service.service() + " does not write");
            }
            if (allows(acls, "topic", topic, "Read") && !service.reads().contains(topic)) {
                problems.add(id + " may read topic " + topic + ", which " + service.service() + " does not consume");
            }
        }
        for (KafkaAccess other : services) {
            if (other.equals(service)) {
                continue;
            }
            for (String group : other.groups()) {
                if (allows(acls, "group", group, "Read")) {
                    problems.add(id + " may consume in group " + group + ", " + other.service() + "'s");
                }
            }
            if (allows(acls, "transactionalId", other.transactionalId(), "Write")) {
                problems.add(id + " may use transactional id " + other.transactionalId() + ", " + other.service()
                        + "'s (it could fence its producer)");
            }
        }
    }

    /** Its Deployment logs in with the user's credentials: the Secret Strimzi generates, named after the user. */
    private static void login(JsonNode deployment, KafkaAccess service, List<String> problems) {
        for (JsonNode e : deployment.path("spec").path("template").path("spec").path("containers").path(0).path("env")) {
            JsonNode secret = e.path("valueFrom").path("secretKeyRef");
            if (e.path("name").asText().equals("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")
                    && secret.path("name").asText().equals(service.service())
                    && secret.path("key").asText().equals("sasl.jaas.config")) {
                return;
            }
        }
        problems.add(Objects.id(deployment) + " must log in to Kafka as KafkaUser " + service.service()
                + ": SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG from its Secret " + service.service()
                + " (key sasl.jaas.config)");
    }

    /**
     * On a TLS listener, a service checks the brokers' certificates against the cluster CA Strimzi generates (Secret
     * {@code <cluster>-cluster-ca-cert}, key ca.crt), mounted where its trust store location points.
     */
    private static void trust(JsonNode kafka, JsonNode deployment, Map<String, String> config, List<String> problems) {
        boolean tls = false;
        for (JsonNode listener : kafka.path("spec").path("kafka").path("listeners")) {
            tls |= listener.path("tls").asBoolean(false) && config.getOrDefault("SPRING_KAFKA_BOOTSTRAP_SERVERS", "")
                    .equals(Objects.name(kafka) + "-kafka-bootstrap:" + listener.path("port").asText());
        }
        if (!tls) {
            return;
        }
        String location = config.getOrDefault("SPRING_KAFKA_SSL_TRUST_STORE_LOCATION", "");
        String ca = Objects.name(kafka) + "-cluster-ca-cert";
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        boolean mounted = false;
        for (JsonNode mount : pod.path("containers").path(0).path("volumeMounts")) {
            for (JsonNode volume : pod.path("volumes")) {
                mounted |= volume.path("name").asText().equals(mount.path("name").asText())
                        && ca.equals(volume.path("secret").path("secretName").asText())
                        && location.equals("file:" + mount.path("mountPath").asText() + "/ca.crt");
            }
        }
        if (!mounted || !"PEM".equals(config.get("SPRING_KAFKA_SSL_TRUST_STORE_TYPE"))) {
            problems.add(Objects.id(deployment) + " talks TLS to " + Objects.id(kafka) + " and must trust its cluster CA:"
                    + " SPRING_KAFKA_SSL_TRUST_STORE_TYPE=PEM and SPRING_KAFKA_SSL_TRUST_STORE_LOCATION=file:<dir>/ca.crt"
                    + " with Secret " + ca + " mounted at <dir> (it is " + location + ")");
        }
    }

    private static void require(String id, JsonNode acls, String type, String name, String operation, String why,
                                List<String> problems) {
        if (!allows(acls, type, name, operation)) {
            problems.add(id + " may not " + operation + " " + type + " " + name + " (" + why + ")");
        }
    }

    /** Whether the allow rules grant {@code operation} (or All) on the resource of that type and name. */
    static boolean allows(JsonNode acls, String type, String name, String operation) {
        for (JsonNode acl : acls) {
            JsonNode resource = acl.path("resource");
            if ("deny".equals(acl.path("type").asText()) || !type.equals(resource.path("type").asText())) {
                continue;
            }
            String pattern = resource.path("name").asText();
            boolean matches = "*".equals(pattern) || ("prefix".equals(resource.path("patternType").asText())
                    ? name.startsWith(pattern) : name.equals(pattern));
            boolean granted = false;
            for (JsonNode op : acl.path("operations")) {
                granted |= op.asText().equals(operation) || op.asText().equals("All");
            }
            if (matches && granted) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> all(List<? extends JsonNode> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(Objects.kind(o))).map(o -> (JsonNode) o).toList();
    }
}
