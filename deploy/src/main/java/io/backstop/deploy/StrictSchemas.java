package io.backstop.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.strimzi.crdgenerator.annotations.PresentInVersions;
import io.strimzi.crdgenerator.annotations.RequiredInVersions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks each rendered object strictly against the schema of its kind, offline:
 * <ul>
 *   <li>Kubernetes' own kinds and the Prometheus Operator's ServiceMonitor and PrometheusRule: parsed into fabric8's typed
 *       models (kubernetes-model 7.5, openshift-model-monitoring), with unknown properties an error — the
 *       models' catch-all maps for unknown fields are switched off;</li>
 *   <li>Strimzi's Kafka, KafkaNodePool, KafkaTopic and KafkaUser: parsed into Strimzi's own {@code io.strimzi:api}
 *       classes the same way, and every property checked against the API versions it exists in and is
 *       required in ({@code kafka.strimzi.io/v1}) and against Strimzi's required properties;</li>
 *   <li>CloudNativePG's Cluster and Chaos Mesh's PodChaos and Schedule: the JSON schemas in
 *       {@code deploy/schemas/} (no typed model of them is on Maven Central).</li>
 * </ul>
 * An object of any other apiVersion and kind is an error too: nothing is shipped unchecked.
 */
public final class StrictSchemas {

    /** What a kind is checked against: a typed model or a JSON schema. */
    private record Kind(Class<?> model, String schemaFile) {
    }

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        model("v1", "Namespace", io.fabric8.kubernetes.api.model.Namespace.class);
        model("v1", "ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class);
        model("v1", "Secret", io.fabric8.kubernetes.api.model.Secret.class);
        model("v1", "Service", io.fabric8.kubernetes.api.model.Service.class);
        model("apps/v1", "Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class);
        model("batch/v1", "Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class);
        model("policy/v1", "PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class);
        model("autoscaling/v2", "HorizontalPodAutoscaler",
                io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class);
        model("monitoring.coreos.com/v1", "ServiceMonitor",
                io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor.class);
        model("monitoring.coreos.com/v1", "PrometheusRule",
                io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class);
        model("kafka.strimzi.io/v1", "Kafka", io.strimzi.api.kafka.model.kafka.Kafka.class);
        model("kafka.strimzi.io/v1", "KafkaNodePool", io.strimzi.api.kafka.model.nodepool.KafkaNodePool.class);
        model("kafka.strimzi.io/v1", "KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class);
        model("kafka.strimzi.io/v1", "KafkaUser", io.strimzi.api.kafka.model.user.KafkaUser.class);
        KINDS.put("postgresql.cnpg.io/v1 Cluster", new Kind(null, "cnpg-cluster-v1.json"));
        KINDS.put("chaos-mesh.org/v1alpha1 PodChaos", new Kind(null, "chaos-mesh-podchaos-v1alpha1.json"));
        KINDS.put("chaos-mesh.org/v1alpha1 Schedule", new Kind(null, "chaos-mesh-schedule-v1alpha1.json"));
    }

    private static void model(String apiVersion, String kind, Class<?> type) {
        KINDS.put(apiVersion + " " + kind, new Kind(type, null));
    }

    private final ObjectMapper strict = strictMapper();
    private final Path schemas;
    private final Map<String, JsonSchema> loaded = new LinkedHashMap<>();

    /** @param schemas the directory of the JSON schemas ({@code deploy/schemas}) */
    public StrictSchemas(Path schemas) {
        this.schemas = schemas;
    }

    /** A Jackson mapper that fails on any property its target class does not declare. */
    static ObjectMapper strictMapper() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        mapper.setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
            @Override
            public Boolean hasAnySetter(Annotated a) {
                return Boolean.FALSE; // fabric8's and Strimzi's additionalProperties would swallow unknown fields
            }

            @Override
            public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
                return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
            }
        });
        return mapper;
    }

    /** Whether objects of this apiVersion and kind can be checked. */
    public static boolean knows(String apiVersion, String kind) {
        return KINDS.containsKey(apiVersion + " " + kind);
    }

    /** The problems of one object, each starting with the object's kind and name; empty when it is valid. */
    public List<String> check(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        String id = Objects.id(object);
        List<String> problems = new ArrayList<>();
        if (object.path("metadata").path("name").asText().isEmpty()) {
            problems.add(id + ": metadata.name is missing");
        }
        Kind checked = KINDS.get(apiVersion + " " + kind);
        if (checked == null) {
            problems.add(id + ": no schema for apiVersion " + apiVersion + " kind " + kind + " (known: "
                    + KINDS.keySet() + ")");
            return problems;
        }
        if (checked.model() != null) {
            try {
                Object typed = strict.treeToValue(object, checked.model());
                if (kind.startsWith("Kafka")) {
                    strimziVersions(typed, object, apiVersion.substring(apiVersion.indexOf('/') + 1), "", id, problems);
                }
            } catch (JsonMappingException e) {
                problems.add(id + ": " + describe(e));
            } catch (IOException e) {
                problems.add(id + ": " + e.getMessage());
            }
        } else {
            for (ValidationMessage message : schema(checked.schemaFile()).validate(object)) {
                problems.add(id + ": " + message.getMessage() + " (schema " + checked.schemaFile() + ")");
            }
        }
        return problems;
    }

    /** "unknown field 'x' at spec.template.spec" and the like, from Jackson's exception. */
    private static String describe(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        String last = null;
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (last != null) {
                path.append(path.isEmpty() ? "" : ".").append(last);
            }
            last = ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]";
        }
        String where = path.toString().replace(".[", "[");
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            return "unknown field '" + u.getPropertyName() + "' at " + (where.isEmpty() ? "the top level" : where);
        }
        String message = e.getOriginalMessage();
        return (last != null ? "invalid value at " + (where.isEmpty() ? last : where + "." + last) + ": " : "")
                + message.lines().findFirst().orElse(message);
    }

    /**
     * Walks the typed object and its YAML together: a property set in the YAML must exist in the object's API
     * version, and a property required in that version must be set.
     */
    private void strimziVersions(Object typed, JsonNode node, String version, String path, String id,
                                 List<String> problems) {
        if (typed == null || !node.isObject() || !typed.getClass().getName().startsWith("io.strimzi.")) {
            return;
        }
        BeanDescription bean = strict.getSerializationConfig().introspect(strict.constructType(typed.getClass()));
        for (BeanPropertyDefinition property : bean.findProperties()) {
            AnnotatedMember accessor = property.getAccessor();
            if (accessor == null) {
                continue;
            }
            String at = path.isEmpty() ? property.getName() : path + "." + property.getName();
            PresentInVersions present = accessor.getAnnotation(PresentInVersions.class);
            RequiredInVersions required = accessor.getAnnotation(RequiredInVersions.class);
            JsonNode child = node.get(property.getName());
            if (child != null && present != null && !ApiVersions.includes(present.value(), version)) {
                problems.add(id + ": field '" + at + "' does not exist in " + version + " (only in " + present.value()
                        + ")");
            }
            if (child == null && (property.isRequired()
                    || required != null && ApiVersions.includes(required.value(), version))) {
                problems.add(id + ": field '" + at + "' is required in " + version);
            }
            if (child != null) {
                Object value = accessor.getValue(typed);
                if (value instanceof Collection<?> items && child.isArray()) {
                    Iterator<JsonNode> nodes = child.iterator();
                    int i = 0;
                    for (Object item : items) {
                        if (nodes.hasNext()) {
                            strimziVersions(item, nodes.next(), version, at + "[" + i++ + "]", id, problems);
                        }
                    }
                } else {
                    strimziVersions(value, child, version, at, id, problems);
                }
            }
        }
    }

    private JsonSchema schema(String file) {
        return loaded.computeIfAbsent(file, f -> load(schemas.resolve(f), SpecVersion.VersionFlag.V7));
    }

    static JsonSchema load(Path file, SpecVersion.VersionFlag version) {
        try (InputStream in = Files.newInputStream(file)) {
            return JsonSchemaFactory.getInstance(version).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema " + file, e);
        }
    }

    /** Strimzi's version ranges: {@code v1beta2}, {@code v1+}, {@code v1alpha1-v1beta2}, comma-separated. */
    static final class ApiVersions {
        private static final List<String> ORDER = List.of("v1alpha1", "v1beta1", "v1beta2", "v1");

        static boolean includes(String range, String version) {
            int v = ORDER.indexOf(version);
            for (String part : range.split(",")) {
                String p = part.trim();
                if (p.endsWith("+")) {
                    if (v >= ORDER.indexOf(p.substring(0, p.length() - 1))) {
                        return true;
                    }
                } else if (p.contains("-")) {
                    String[] ends = p.split("-");
                    if (v >= ORDER.indexOf(ends[0]) && v <= ORDER.indexOf(ends[1])) {
                        return true;
                    }
                } else if (p.equals(version)) {
                    return true;
                }
            }
            return false;
        }
    }
}
