package io.backstop.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks docker-compose.yml: against the Compose specification's JSON schema ({@code deploy/schemas/
 * compose-spec.json}), then the same cross-checks as the Kubernetes manifests: each Backstop service runs
 * the image the build produces, sets only variables it reads and that the README documents, listens where
 * its ports and readiness healthcheck say, waits for healthy Kafka and PostgreSQL at the addresses it is
 * given, and has time to shut down gracefully; Prometheus scrapes every service; Grafana gets its data
 * source and dashboards folder; the lab profile's replay reaches the composed services; every file mounted
 * from the repository exists. Every message starts with {@code compose service <name>}.
 */
public final class ComposeCheck {

    private static final Pattern README_VARIABLE = Pattern.compile("`([A-Z][A-Z0-9_]+)`");

    private final Project project;
    private final JsonSchema schema;
    private final Map<String, ServiceEnvironment> environments = new LinkedHashMap<>();

    public ComposeCheck(Project project) {
        this.project = project;
        try {
            JsonNode spec = new ObjectMapper().readTree(project.path("deploy/schemas/compose-spec.json").toFile());
            dropDraft4Ids(spec, null);
            this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V201909).getSchema(spec);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Compose specification's schema", e);
        }
    }

    /**
     * The Compose schema names its parts with draft-04 {@code id} members, which the 2019-09 validator does not
     * know; they identify, they do not validate (references are JSON pointers), so they are dropped on loading.
     */
    private static void dropDraft4Ids(JsonNode node, String parentKey) {
        if (node instanceof ObjectNode object) {
            if (!"properties".equals(parentKey) && object.path("id").isTextual()) {
                object.remove("id");
            }
            object.fields().forEachRemaining(e -> dropDraft4Ids(e.getValue(), e.getKey()));
        } else if (node.isArray()) {
            node.forEach(child -> dropDraft4Ids(child, null));
        }
    }

    /** docker-compose.yml as a JSON tree (YAML anchors and merge keys resolved). */
    public ObjectNode read(Path file) {
        return new ObjectMapper().valueToTree(Project.yaml(file));
    }

    public List<String> problems(ObjectNode compose) {
        List<String> problems = new ArrayList<>();
        for (ValidationMessage m : schema.validate(compose)) {
            problems.add("docker-compose.yml: " + m.getMessage() + " (Compose specification schema)");
        }
        JsonNode services = compose.path("services");
        Set<String> documented = documented();
        for (String module : project.services()) {
            JsonNode s = services.path(module);
            String id = "compose service " + module;
            if (s.isMissingNode()) {
                problems.add(id + " is missing");
                continue;
            }
            image(id, s, module, problems);
            Map<String, String> env = environment(s);
            ServiceEnvironment reads = reads(module);
            for (String name : env.keySet()) {
                if (!reads.reads(name)) {
                    problems.add(id + " sets " + name + ", which " + module + " does not read");
                } else if (!documented.contains(name)) {
                    problems.add(id + " sets " + name + ", which the README's Configuration table does not document");
                }
            }
            String port = env.getOrDefault("SERVER_PORT", String.valueOf(project.port(module)));
            if (!publishes(s, port)) {
                problems.add(id + " listens on " + port + " (SERVER_PORT) but publishes no such container port");
            }
            String health = s.path("healthcheck").path("test").toString();
            if (!health.contains("/actuator/health/readiness") || !health.contains(port)) {
                problems.add(id + ": its healthcheck must ask /actuator/health/readiness on port " + port);
            }
            for (String dependency : List.of("kafka", "postgres")) {
                if (!"service_healthy".equals(s.path("depends_on").path(dependency).path("condition").asText())) {
                    problems.add(id + " must depend on " + dependency + " with condition service_healthy");
                }
            }
            if (!env.getOrDefault("SPRING_KAFKA_BOOTSTRAP_SERVERS", "").equals(kafkaAddress(services))) {
                problems.add(id + ": SPRING_KAFKA_BOOTSTRAP_SERVERS is " + env.get("SPRING_KAFKA_BOOTSTRAP_SERVERS")
                        + ", Kafka's advertised PLAINTEXT listener is " + kafkaAddress(services));
            }
            String db = "jdbc:postgresql://postgres:5432/" + environment(services.path("postgres")).get("POSTGRES_DB");
            if (!db.equals(env.get("SPRING_DATASOURCE_URL"))) {
                problems.add(id + ": SPRING_DATASOURCE_URL is " + env.get("SPRING_DATASOURCE_URL") + ", the database is " + db);
            }
            if (seconds(s.path("stop_grace_period").asText("10s")) < 30) {
                problems.add(id + ": stop_grace_period must leave Spring's graceful shutdown (20 s) time: 30 s or more");
            }
        }
        for (String infrastructure : List.of("kafka", "postgres")) {
            if (services.path(infrastructure).path("healthcheck").isMissingNode()) {
                problems.add("compose service " + infrastructure + " has no healthcheck (the services wait for it)");
            }
        }
        ingress(services, problems);
        prometheus(services, problems);
        grafana(services, problems);
        lab(services, problems);
        mounts(services, problems);
        return problems;
    }

    static final String INGRESS = "margin-ingress";

    /**
     * margin-service's ingress, as in its pod on Kubernetes: a pinned HAProxy running the repository's
     * {@link ProjectRules#INGRESS_CONFIG} (mounted read-only where {@code -f} reads it), given exactly the variables it
     * reads, forwarding to margin-service's port, publishing its own port where clients reach margin-service.
     */
    private void ingress(JsonNode services, List<String> problems) {
        JsonNode ingress = services.path(INGRESS);
        String id = "compose service " + INGRESS;
        if (ingress.isMissingNode()) {
            problems.add(id + " is missing (margin-service's ingress, " + ProjectRules.INGRESS_CONFIG + ")");
            return;
        }
        if (!ingress.path("image").asText().matches("haproxy:\\d+\\.\\d+(\\.\\d+)?")) {
            problems.add(id + " runs '" + ingress.path("image").asText() + "': pin HAProxy to a version (haproxy:3.2)");
        }
        List<String> command = new ArrayList<>();
        ingress.path("command").forEach(a -> command.add(a.asText()));
        int f = command.indexOf("-f");
        Path config = f >= 0 && f + 1 < command.size() ? mounted(ingress, command.get(f + 1)) : null;
        if (config == null || !config.equals(project.path(ProjectRules.INGRESS_CONFIG).normalize())) {
            problems.add(id + " must run HAProxy with -f on " + ProjectRules.INGRESS_CONFIG + " mounted from the repository"
                    + " (runs " + command + ")");
        }
        Set<String> reads;
        try {
            reads = ProjectRules.ingressVariables(Files.readString(project.path(ProjectRules.INGRESS_CONFIG)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ProjectRules.INGRESS_CONFIG, e);
        }
        Map<String, String> env = environment(ingress);
        for (String name : reads) {
            if (!env.containsKey(name)) {
                problems.add(id + " does not set " + name + ", which " + ProjectRules.INGRESS_CONFIG + " reads");
            }
        }
        for (String name : env.keySet()) {
            if (!reads.contains(name)) {
                problems.add(id + " sets " + name + ", which " + ProjectRules.INGRESS_CONFIG + " does not read");
            }
        }
        String marginPort = environment(services.path("margin-service")).getOrDefault("SERVER_PORT",
                String.valueOf(project.port("margin-service")));
        if (!"margin-service".equals(env.get("APP_ADDRESS")) || !marginPort.equals(env.get("APP_PORT"))) {
            problems.add(id + " forwards to " + env.get("APP_ADDRESS") + ":" + env.get("APP_PORT")
                    + ", margin-service is at margin-service:" + marginPort);
        }
        if (!publishes(ingress, String.valueOf(env.get("INGRESS_PORT")))) {
            problems.add(id + " listens on " + env.get("INGRESS_PORT") + " (INGRESS_PORT) but publishes no such container port");
        }
    }

    private void image(String id, JsonNode s, String module, List<String> problems) {
        if (!project.image(module).equals(s.path("image").asText())) {
            problems.add(id + " runs image '" + s.path("image").asText() + "', the build produces " + project.image(module));
        }
    }

    private ServiceEnvironment reads(String module) {
        return environments.computeIfAbsent(module, m -> ServiceEnvironment.of(project, m));
    }

    private void prometheus(JsonNode services, List<String> problems) {
        Path config = mounted(services.path("prometheus"), "/etc/prometheus/prometheus.yml");
        if (config == null) {
            problems.add("compose service prometheus mounts no configuration from the repository");
            return;
        }
        JsonNode prometheus = new ObjectMapper().valueToTree(Project.yaml(config));
        Set<String> scraped = new TreeSet<>();
        Set<String> scrapedMetrics = new TreeSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            String path = job.path("metrics_path").asText();
            for (JsonNode sc : job.path("static_configs")) {
                sc.path("targets").forEach(t -> ("/actuator/prometheus".equals(path) ? scraped : scrapedMetrics).add(t.asText()));
            }
        }
        Map<String, String> ingress = environment(services.path(INGRESS));
        if (!services.path(INGRESS).isMissingNode() && !scrapedMetrics.contains(INGRESS + ":" + ingress.get("METRICS_PORT"))) {
            problems.add("compose service prometheus does not scrape " + INGRESS + ":" + ingress.get("METRICS_PORT")
                    + "/metrics (the risk queries the ingress sheds count in the risk API's objective)");
        }
        // the alerts and recording rules: every rule file of the repository is loaded by a rule_files pattern
        // (relative to the configuration's directory in the container) from a folder mounted from the repository
        Path rules = project.path("observability/prometheus/rules");
        Set<String> loaded = new TreeSet<>();
        for (JsonNode pattern : prometheus.path("rule_files")) {
            String inContainer = pattern.asText().startsWith("/") ? pattern.asText() : "/etc/prometheus/" + pattern.asText();
            int slash = inContainer.lastIndexOf('/');
            Path dir = mounted(services.path("prometheus"), inContainer.substring(0, slash));
            if (dir == null) {
                problems.add("compose service prometheus loads rule files " + pattern.asText() + ", but mounts no folder of"
                        + " the repository at " + inContainer.substring(0, slash));
                continue;
            }
            java.nio.file.PathMatcher glob = dir.getFileSystem().getPathMatcher("glob:" + inContainer.substring(slash + 1));
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                files.filter(f -> glob.matches(f.getFileName())).forEach(f -> loaded.add(f.normalize().toString()));
            } catch (IOException e) {
                problems.add("compose service prometheus: cannot list " + dir + ": " + e.getMessage());
            }
        }
        try (java.util.stream.Stream<Path> files = Files.list(rules)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
                if (!loaded.contains(file.normalize().toString())) {
                    problems.add("compose service prometheus does not load " + project.root().relativize(file)
                            + " (rule_files in " + project.root().relativize(config) + ", and its mount)");
                }
            }
        } catch (IOException e) {
            problems.add("cannot list " + rules + ": " + e.getMessage());
        }
        for (String module : project.services()) {
            String target = module + ":" + environment(services.path(module)).getOrDefault("SERVER_PORT",
                    String.valueOf(project.port(module)));
            if (!scraped.contains(target)) {
                problems.add("compose service prometheus does not scrape " + target + "/actuator/prometheus ("
                        + project.root().relativize(config) + ")");
            }
        }
    }

    private void grafana(JsonNode services, List<String> problems) {
        JsonNode grafana = services.path("grafana");
        Path provisioning = mounted(grafana, "/etc/grafana/provisioning");
        Path dashboards = mounted(grafana, "/var/lib/grafana/dashboards");
        if (provisioning == null || dashboards == null) {
            problems.add("compose service grafana must mount its provisioning and dashboards folders from the repository");
            return;
        }
        JsonNode sources = new ObjectMapper().valueToTree(Project.yaml(provisioning.resolve("datasources/prometheus.yml")));
        boolean prometheus = false;
        for (JsonNode source : sources.path("datasources")) {
            prometheus |= "prometheus".equals(source.path("type").asText())
                    && source.path("url").asText().startsWith("http://prometheus:");
        }
        if (!prometheus) {
            problems.add("compose service grafana has no Prometheus data source at http://prometheus:...");
        }
        Set<String> uids = new TreeSet<>();
        sources.path("datasources").forEach(source -> uids.add(source.path("uid").asText()));
        try (java.util.stream.Stream<Path> files = Files.list(dashboards)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
                String id = "Grafana dashboard " + project.root().relativize(file);
                if (dashboard.path("uid").asText().isEmpty() || dashboard.path("title").asText().isEmpty()) {
                    problems.add(id + " needs a uid and a title");
                }
                boolean variable = false; // a data source variable lets the viewer pick any provisioned Prometheus
                for (JsonNode v : dashboard.path("templating").path("list")) {
                    variable |= "datasource".equals(v.path("type").asText()) && "prometheus".equals(v.path("query").asText());
                }
                for (JsonNode panel : dashboard.path("panels")) {
                    String uid = panel.path("datasource").path("uid").asText();
                    if ("row".equals(panel.path("type").asText())
                            || variable && uid.startsWith("${") && prometheus) {
                        continue;
                    }
                    if (!uids.contains(uid)) {
                        problems.add(id + ": panel '" + panel.path("title").asText() + "' reads data source '" + uid
                                + "', which is not provisioned " + uids);
                    }
                }
            }
        } catch (IOException e) {
            problems.add("Grafana dashboards: " + e.getMessage());
        }
        JsonNode providers = new ObjectMapper().valueToTree(Project.yaml(provisioning.resolve("dashboards/backstop.yml")));
        if (!"/var/lib/grafana/dashboards".equals(providers.path("providers").path(0).path("options").path("path").asText())) {
            problems.add("compose service grafana: the dashboards provider must read /var/lib/grafana/dashboards");
        }
    }

    private void lab(JsonNode services, List<String> problems) {
        JsonNode lab = services.path("lab");
        String id = "compose service lab";
        if (lab.isMissingNode()) {
            problems.add(id + " is missing");
            return;
        }
        if (!lab.path("profiles").toString().contains("\"lab\"")) {
            problems.add(id + " must be in the lab profile (not started by docker compose up)");
        }
        image(id, lab, "stress-lab", problems);
        Map<String, String> env = environment(lab);
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!reads("stress-lab").reads(e.getKey())) {
                problems.add(id + " sets " + e.getKey() + ", which stress-lab does not read");
            }
        }
        for (String module : project.services()) {
            String variable = "BACKSTOP_" + module.replace("-service", "").replace('-', '_').toUpperCase() + "_URL";
            String url = "http://" + module + ":" + environment(services.path(module)).getOrDefault("SERVER_PORT", "?");
            if (!url.equals(env.get(variable))) {
                problems.add(id + ": " + variable + " is " + env.get(variable) + ", the service is at " + url);
            }
            if (!"service_healthy".equals(lab.path("depends_on").path(module).path("condition").asText())) {
                problems.add(id + " must wait for " + module + " to be healthy");
            }
        }
        if (!kafkaAddress(services).equals(env.get("BACKSTOP_KAFKA_BOOTSTRAP"))) {
            problems.add(id + ": BACKSTOP_KAFKA_BOOTSTRAP is " + env.get("BACKSTOP_KAFKA_BOOTSTRAP") + ", Kafka is at "
                    + kafkaAddress(services));
        }
    }

    private void mounts(JsonNode services, List<String> problems) {
        services.fields().forEachRemaining(e -> {
            for (JsonNode volume : e.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                // run/security is made by ./backstop (the local token issuer, the scrape token): docs/security.md
                boolean made = source.equals("./run/security") || source.startsWith("./run/security/");
                if (source.startsWith(".") && !made && !Files.exists(project.root().resolve(source).normalize())) {
                    problems.add("compose service " + e.getKey() + " mounts " + source + ", which is not in the repository");
                }
            }
        });
    }

    /** The repository path mounted at {@code target}, if any. */
    private Path mounted(JsonNode service, String target) {
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts.length >= 2 && parts[1].equals(target) && parts[0].startsWith(".")) {
                return project.root().resolve(parts[0]).normalize();
            }
        }
        return null;
    }

    /** Where the other containers reach Kafka: the host and port of its advertised PLAINTEXT listener. */
    private static String kafkaAddress(JsonNode services) {
        String advertised = environment(services.path("kafka")).getOrDefault("KAFKA_ADVERTISED_LISTENERS", "");
        Matcher m = Pattern.compile("PLAINTEXT://([^,]+)").matcher(advertised);
        return m.find() ? m.group(1) : "";
    }

    private static boolean publishes(JsonNode service, String port) {
        for (JsonNode p : service.path("ports")) {
            String[] parts = p.asText().split(":");
            if (parts[parts.length - 1].split("/")[0].equals(port)) {
                return true;
            }
        }
        return false;
    }

    /** A service's environment as a map, whether written as a map or as a list of NAME=value. */
    static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isArray()) {
            for (JsonNode item : e) {
                String[] kv = item.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        } else {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), f.getValue().asText()));
        }
        return env;
    }

    /** The variables the README's Configuration section names. */
    private Set<String> documented() {
        try {
            String readme = Files.readString(project.path("README.md"));
            int start = readme.indexOf("## Configuration");
            String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
            Set<String> names = new TreeSet<>();
            Matcher m = README_VARIABLE.matcher(section);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long seconds(String duration) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)?").matcher(duration.trim());
        if (!m.matches()) {
            return 0;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> n / 1000;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n;
        };
    }
}
