package io.backstop.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a Kustomize directory the way {@code kubectl kustomize} does, for the subset of Kustomize that
 * Backstop's {@code k8s/} uses, so the build can check the rendered objects without kubectl:
 * <ul>
 *   <li>{@code resources}: YAML files (several documents each) and directories holding a kustomization;</li>
 *   <li>{@code namespace}: set on every namespaced object (replacing any it had), and as the name of every
 *       Namespace object;</li>
 *   <li>{@code patches} with a {@code path} (one or more documents), each applied to the object of the same
 *       kind, group, name and namespace (a patch without a namespace matches an object that had none before a
 *       {@code namespace} was set), or to the {@code target} given by kind and name: a strategic merge for
 *       Kubernetes' own kinds (lists of containers, env, ports, volumes, volume mounts and topology spread
 *       constraints merge by their key, other lists are replaced), a JSON merge patch (RFC 7386) for custom
 *       resources, as Kustomize does for kinds it has no schema of;</li>
 *   <li>{@code images}: {@code name} with {@code newName}, {@code newTag} or {@code digest}, in every
 *       {@code containers} and {@code initContainers} list;</li>
 *   <li>{@code configMapGenerator}: {@code name} and {@code files} (a path, or {@code key=path}, inside the
 *       kustomization's directory as Kustomize's load restrictor demands), with {@code options} setting
 *       {@code labels}, {@code annotations} and {@code disableNameSuffixHash: true} (the content hash suffix is
 *       not computed here, so it must be switched off).</li>
 * </ul>
 * Anything else in a kustomization (generators, labels, replacements, inline patches, {@code $patch}
 * directives...) is refused with a message, never ignored: the subset grows with what {@code k8s/} uses.
 */
public final class Kustomize {

    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "namespace", "resources", "patches", "images",
            "configMapGenerator");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass");
    /** Kubernetes' own API groups ("" is the core group): strategic merge applies to their kinds. */
    private static final Set<String> BUILT_IN_GROUPS = Set.of("", "apps", "batch", "policy", "autoscaling",
            "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io");
    /** The strategic-merge keys of the lists Backstop's manifests patch. */
    private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
            "env", "name", "volumes", "name", "volumeMounts", "mountPath", "imagePullSecrets", "name",
            "topologySpreadConstraints", "topologyKey");

    private final ObjectMapper yaml;
    /** The namespaces each object has had ("" for none): a patch without one matches an object that had none. */
    private final Map<JsonNode, Set<String>> namespaces = new IdentityHashMap<>();

    public Kustomize() {
        YAMLFactory factory = new YAMLFactory();
        factory.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.yaml = new ObjectMapper(factory);
    }

    /** The objects the kustomization in {@code dir} renders to, in Kustomize's resource order. */
    public List<ObjectNode> render(Path dir) {
        Path file = kustomizationFile(dir);
        ObjectNode k = (ObjectNode) readAll(file).get(0);
        for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!SUPPORTED.contains(field)) {
                throw new IllegalArgumentException(file + ": '" + field + "' is not in the Kustomize subset this"
                        + " renderer supports " + SUPPORTED + " (see docs/deployment.md)");
            }
        }
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : k.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                objects.addAll(render(path));
            } else {
                for (JsonNode doc : readAll(path)) {
                    objects.add((ObjectNode) doc);
                    namespaces.computeIfAbsent(doc, d -> new HashSet<>())
                            .add(doc.path("metadata").path("namespace").asText(""));
                }
            }
        }
        for (JsonNode generator : k.path("configMapGenerator")) {
            ObjectNode map = configMap(dir, file, generator);
            objects.add(map);
            namespaces.computeIfAbsent(map, d -> new HashSet<>()).add("");
        }
        for (JsonNode patch : k.path("patches")) {
            applyPatch(dir, file, (ObjectNode) patch, objects);
        }
        for (JsonNode image : k.path("images")) {
            for (ObjectNode object : objects) {
                setImages(object, image);
            }
        }
        if (k.hasNonNull("namespace")) {
            String namespace = k.get("namespace").asText();
            for (ObjectNode object : objects) {
                if (object.path("kind").asText().equals("Namespace")) {
                    ((ObjectNode) object.with("metadata")).put("name", namespace); // as Kustomize does
                } else if (!CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                    ((ObjectNode) object.with("metadata")).put("namespace", namespace);
                    namespaces.computeIfAbsent(object, o -> new HashSet<>()).add(namespace);
                }
            }
        }
        return objects;
    }

    /** One ConfigMap of a {@code configMapGenerator}, as Kustomize generates it: each file's text under its name. */
    private ObjectNode configMap(Path dir, Path file, JsonNode generator) {
        refuseOthers(file, "configMapGenerator", generator, Set.of("name", "files", "options"));
        JsonNode options = generator.path("options");
        refuseOthers(file, "configMapGenerator options", options, Set.of("disableNameSuffixHash", "labels", "annotations"));
        String name = generator.path("name").asText();
        if (!options.path("disableNameSuffixHash").asBoolean(false)) {
            throw new IllegalArgumentException(file + ": configMapGenerator " + name + " needs options.disableNameSuffixHash:"
                    + " true (this renderer does not compute Kustomize's name hash)");
        }
        ObjectNode map = yaml.createObjectNode();
        map.put("apiVersion", "v1");
        map.put("kind", "ConfigMap");
        ObjectNode metadata = map.putObject("metadata");
        metadata.put("name", name);
        if (options.has("labels")) {
            metadata.set("labels", options.get("labels").deepCopy());
        }
        if (options.has("annotations")) {
            metadata.set("annotations", options.get("annotations").deepCopy());
        }
        ObjectNode data = map.putObject("data");
        for (JsonNode entry : generator.path("files")) {
            String[] keyPath = entry.asText().split("=", 2);
            String key = keyPath.length == 2 ? keyPath[0] : Path.of(keyPath[0]).getFileName().toString();
            Path source = dir.resolve(keyPath[keyPath.length - 1]).normalize();
            if (!source.startsWith(dir.normalize())) {
                throw new IllegalArgumentException(file + ": configMapGenerator " + name + " reads " + entry.asText()
                        + ", outside the kustomization's directory (Kustomize refuses it)");
            }
            try {
                data.put(key, Files.readString(source));
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": configMapGenerator " + name + " cannot read " + source, e);
            }
        }
        return map;
    }

    private static void refuseOthers(Path file, String what, JsonNode node, Set<String> supported) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!supported.contains(field)) {
                throw new IllegalArgumentException(file + ": " + what + " field '" + field + "' is not supported (only "
                        + new java.util.TreeSet<>(supported) + ")");
            }
        }
    }

    private void applyPatch(Path dir, Path file, ObjectNode patch, List<ObjectNode> objects) {
        for (Iterator<String> it = patch.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("path") && !field.equals("target")) {
                throw new IllegalArgumentException(file + ": patch field '" + field + "' is not supported (only path and"
                        + " target)");
            }
        }
        JsonNode target = patch.path("target");
        for (Iterator<String> it = target.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("kind") && !field.equals("name")) {
                throw new IllegalArgumentException(file + ": patch target '" + field + "' is not supported (only kind"
                        + " and name)");
            }
        }
        Path path = dir.resolve(patch.path("path").asText()).normalize();
        for (JsonNode doc : readAll(path)) {
            ObjectNode p = (ObjectNode) doc;
            String kind = target.isMissingNode() ? p.path("kind").asText() : target.path("kind").asText();
            String name = target.isMissingNode() ? p.path("metadata").path("name").asText()
                    : target.path("name").asText();
            boolean matched = false;
            for (ObjectNode object : objects) {
                if (object.path("kind").asText().equals(kind) && object.path("metadata").path("name").asText().equals(name)
                        && (!target.isMissingNode() || group(object).equals(group(p))
                            && namespaces.getOrDefault(object, Set.of()).contains(p.path("metadata").path("namespace").asText("")))) {
                    ObjectNode body = p.deepCopy();
                    body.remove("apiVersion");
                    body.remove("kind");
                    if (body.path("metadata") instanceof ObjectNode metadata) {
                        metadata.remove("name");
                    }
                    merge(object, body, BUILT_IN_GROUPS.contains(group(object)), path);
                    matched = true;
                }
            }
            if (!matched) {
                throw new IllegalArgumentException(path + ": the patch of " + kind + " " + name
                        + " matches no resource");
            }
        }
    }

    private static void merge(ObjectNode target, ObjectNode patch, boolean strategic, Path from) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            JsonNode value = e.getValue();
            if (field.startsWith("$")) {
                throw new IllegalArgumentException(from + ": the directive '" + field + "' is not supported");
            }
            JsonNode current = target.get(field);
            if (value.isNull()) {
                target.remove(field);
            } else if (value.isObject() && current instanceof ObjectNode currentObject) {
                merge(currentObject, (ObjectNode) value, strategic, from);
            } else if (strategic && value.isArray() && current instanceof ArrayNode currentArray
                    && MERGE_KEYS.containsKey(field)) {
                mergeList(currentArray, (ArrayNode) value, MERGE_KEYS.get(field), from);
            } else {
                target.set(field, value.deepCopy());
            }
        }
    }

    /** Merges by key; like Kustomize, the patch's elements come first, then the target's others in their order. */
    private static void mergeList(ArrayNode target, ArrayNode patch, String key, Path from) {
        List<JsonNode> merged = new ArrayList<>();
        List<JsonNode> rest = new ArrayList<>();
        target.forEach(rest::add);
        for (JsonNode element : patch) {
            int match = -1;
            for (int i = 0; i < rest.size(); i++) {
                if (rest.get(i).path(key).equals(element.path(key))) {
                    match = i;
                }
            }
            if (match < 0) {
                merged.add(element.deepCopy());
            } else {
                ObjectNode existing = (ObjectNode) rest.remove(match);
                merge(existing, (ObjectNode) element, true, from);
                merged.add(existing);
            }
        }
        merged.addAll(rest);
        target.removeAll();
        target.addAll(merged);
    }

    private static void setImages(JsonNode node, JsonNode image) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if ((e.getKey().equals("containers") || e.getKey().equals("initContainers")) && e.getValue().isArray()) {
                    for (JsonNode container : e.getValue()) {
                        if (container.hasNonNull("image")) {
                            ((ObjectNode) container).put("image", rewrite(container.get("image").asText(), image));
                        }
                    }
                } else {
                    setImages(e.getValue(), image);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> setImages(child, image));
        }
    }

    /** An image reference with the {@code images} entry applied, if it names the same image. */
    static String rewrite(String reference, JsonNode image) {
        String name = reference;
        String tag = null;
        String digest = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = name.substring(at + 1);
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
        }
        if (!name.equals(image.path("name").asText())) {
            return reference;
        }
        if (image.hasNonNull("newName")) {
            name = image.get("newName").asText();
        }
        if (image.hasNonNull("newTag")) {
            tag = image.get("newTag").asText();
            digest = null;
        }
        if (image.hasNonNull("digest")) {
            digest = image.get("digest").asText();
            tag = null;
        }
        return name + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    private static String group(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    private static Path kustomizationFile(Path dir) {
        for (String name : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new IllegalArgumentException("no kustomization in " + dir);
    }

    /** Every non-empty YAML document of a file. */
    List<JsonNode> readAll(Path file) {
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
            List<JsonNode> all = new ArrayList<>();
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
                    all.add(doc);
                }
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
