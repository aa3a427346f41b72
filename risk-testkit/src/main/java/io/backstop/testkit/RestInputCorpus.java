package io.backstop.testkit;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The REST bad-input corpus: for one valid request to an operation of a service's OpenAPI document, the
 * requests that break it one field at a time, each with the answer the README promises — a 400
 * problem+json naming the field (with its reason where the reason is fixed), or a 413 for a body over the
 * limit. The fields and their kinds come from the OpenAPI document itself (the request body's schema, the
 * operation's query and path parameters), so a field added to an endpoint is broken too without a line of
 * test changing.
 */
final class RestInputCorpus {

    /** One bad request and what it must be answered. {@code field} null: a 413, which names none. */
    record Case(String name, String method, String path, String body, int status, String field, String reason) {
    }

    private final ObjectMapper mapper;
    private final JsonNode docs;
    private final long maxBody;
    private final int maxString;

    RestInputCorpus(ObjectMapper mapper, JsonNode docs, long maxBody, int maxString) {
        this.mapper = mapper;
        this.docs = docs;
        this.maxBody = maxBody;
        this.maxString = maxString;
    }

    /**
     * The operations that take input a client can get wrong: a body, a query parameter, or a path parameter
     * of a type other than a plain string. Actuator and the simulation's own endpoints are not the API.
     */
    Set<String> operationsWithInput() {
        Set<String> operations = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : docs.get("paths").properties()) {
            if (path.getKey().startsWith("/actuator") || path.getKey().startsWith("/api/v1/simulation")) {
                continue;
            }
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                JsonNode operation = op.getValue();
                boolean input = operation.has("requestBody") || parameters(operation).stream().anyMatch(p ->
                        p.path("in").asString().equals("query") || (p.path("in").asString().equals("path")
                                && typed(schema(p))));
                if (input) {
                    operations.add(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return operations;
    }

    /**
     * Every bad variant of a valid request to {@code operation} (as the OpenAPI document names it, {@code "POST
     * /api/v1/accounts/{id}/deposits"}): its concrete path (with its query, if any), its body (null for none), and
     * the body's fields that may be left out.
     */
    List<Case> cases(String operationName, String validPath, String validBody, Set<String> optionalFields) {
        String method = operationName.substring(0, operationName.indexOf(' '));
        String template = operationName.substring(operationName.indexOf(' ') + 1);
        JsonNode operation = docs.get("paths").get(template).get(method.toLowerCase(java.util.Locale.ROOT));
        List<Case> cases = new ArrayList<>();
        if (validBody != null) {
            cases.add(new Case("malformed JSON", method, validPath, "{\"", 400, "$", "malformed_json"));
            String padding = "x".repeat((int) maxBody + 1);
            cases.add(new Case("body over the limit", method, validPath, "{\"pad\":\"" + padding + "\"}", 413, null,
                    null));
            ObjectNode body = (ObjectNode) mapper.readTree(validBody);
            JsonNode schema = resolve(operation.path("requestBody").path("content").path("application/json")
                    .path("schema"));
            for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
                String field = property.getKey();
                JsonNode type = resolve(property.getValue());
                for (Map.Entry<String, Object> bad : badValues(type, body.has(field)).entrySet()) {
                    ObjectNode broken = body.deepCopy();
                    if (bad.getValue() == MISSING) {
                        if (optionalFields.contains(field) || !body.has(field)) {
                            continue;
                        }
                        broken.remove(field);
                    } else {
                        broken.set(field, mapper.valueToTree(bad.getValue()));
                    }
                    cases.add(new Case(field + ": " + bad.getKey(), method, validPath, mapper.writeValueAsString(broken),
                            400, field, bodyReason(bad.getKey())));
                }
            }
        }
        String[] pathAndQuery = validPath.split("\\?", 2);
        Map<String, String> query = query(pathAndQuery.length > 1 ? pathAndQuery[1] : "");
        Map<String, String> pathValues = pathValues(template, pathAndQuery[0]);
        for (JsonNode parameter : parameters(operation)) {
            String name = parameter.path("name").asString();
            String in = parameter.path("in").asString();
            JsonNode type = schema(parameter);
            for (Map.Entry<String, Object> bad : badValues(type, true).entrySet()) {
                if (bad.getValue() == MISSING || !(bad.getValue() instanceof String value)) {
                    continue; // a parameter is text: only wrong text breaks it (a missing one has its default)
                }
                if (in.equals("query")) {
                    Map<String, String> broken = new LinkedHashMap<>(query);
                    broken.put(name, value);
                    cases.add(new Case("query " + name + ": " + bad.getKey(), method, pathAndQuery[0] + "?"
                            + encode(broken), validBody, 400, name, null));
                } else if (in.equals("path") && typed(type)) {
                    Map<String, String> broken = new LinkedHashMap<>(pathValues);
                    broken.put(name, value);
                    String path = expand(template, broken) + (pathAndQuery.length > 1 ? "?" + pathAndQuery[1] : "");
                    cases.add(new Case("path " + name + ": " + bad.getKey(), method, path, validBody, 400, name,
                            null));
                }
            }
        }
        return cases;
    }

    private static final Object MISSING = new Object();

    /**
     * The wrong values for a field of this schema, by what is wrong with them. In a body each is answered
     * with the reason the event codec gives the same value on a topic ({@link #bodyReason}); a query or path
     * parameter is text, so its answer only has to name it.
     */
    private Map<String, Object> badValues(JsonNode type, boolean present) {
        Map<String, Object> bad = new LinkedHashMap<>();
        String kind = type.path("type").asString();
        String format = type.path("format").asString();
        if (present) {
            bad.put("missing", MISSING);
        }
        bad.put("wrong type (an object)", Map.of("x", 1));
        if (type.has("enum")) {
            bad.put("not one of " + type.get("enum"), "NOT_A_VALUE");
        } else if (kind.equals("number")) {
            bad.put("wrong type (a decimal as a JSON number)", 1.5);
            bad.put("absurd decimal", "1e99999");
            bad.put("not a decimal", "lots");
        } else if (kind.equals("integer")) {
            bad.put("not an integer", "many");
        } else if (format.equals("date-time")) {
            bad.put("not an instant", "yesterday");
        } else if (format.equals("uuid")) {
            bad.put("not a UUID", "not-a-uuid");
        } else if (kind.equals("string")) {
            bad.put("too long", "y".repeat(maxString + 1));
        }
        return bad;
    }

    /** The reason a body's bad value is answered with: the contract's, as for an event on a topic. */
    private static String bodyReason(String bad) {
        if (bad.startsWith("missing")) {
            return "missing_field";
        }
        if (bad.startsWith("wrong type") || bad.startsWith("not an integer")) {
            return "wrong_type";
        }
        return "invalid_value"; // too long, absurd, not a decimal, an instant, an enum constant or a UUID
    }

    /** Whether a path parameter has a type a client can get wrong (a plain string cannot be). */
    private static boolean typed(JsonNode type) {
        String kind = type.path("type").asString();
        return type.has("enum") || kind.equals("integer") || kind.equals("number")
                || type.path("format").asString().equals("uuid") || type.path("format").asString().equals("date-time");
    }

    private static List<JsonNode> parameters(JsonNode operation) {
        List<JsonNode> list = new ArrayList<>();
        operation.path("parameters").forEach(list::add);
        return list;
    }

    private JsonNode schema(JsonNode parameter) {
        return resolve(parameter.path("schema"));
    }

    /** A schema with its {@code $ref} followed (to {@code #/components/schemas/...}). */
    private JsonNode resolve(JsonNode schema) {
        JsonNode s = schema;
        while (s.has("$ref")) {
            String ref = s.get("$ref").asString();
            s = docs.at(ref.substring(1));
        }
        if (s.has("allOf") && s.get("allOf").size() == 1) {
            return resolve(s.get("allOf").get(0));
        }
        return s;
    }

    private static Map<String, String> query(String query) {
        Map<String, String> values = new LinkedHashMap<>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                values.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return values;
    }

    private static String encode(Map<String, String> query) {
        StringBuilder s = new StringBuilder();
        query.forEach((k, v) -> s.append(s.isEmpty() ? "" : "&").append(k).append('=')
                .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
        return s.toString();
    }

    /** The values of a template's {@code {name}} segments in a concrete path. */
    private static Map<String, String> pathValues(String template, String path) {
        String[] t = template.split("/");
        String[] p = path.split("/");
        if (t.length != p.length) {
            throw new IllegalArgumentException("path " + path + " does not match the operation's " + template);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < t.length; i++) {
            if (t[i].startsWith("{")) {
                values.put(t[i].substring(1, t[i].length() - 1), p[i]);
            } else if (!t[i].equals(p[i])) {
                throw new IllegalArgumentException("path " + path + " does not match the operation's " + template);
            }
        }
        return values;
    }

    private static String expand(String template, Map<String, String> values) {
        StringBuilder s = new StringBuilder();
        for (Iterator<String> it = List.of(template.split("/")).iterator(); it.hasNext(); ) {
            String segment = it.next();
            s.append(segment.startsWith("{") ? java.net.URLEncoder.encode(values.get(segment.substring(1,
                    segment.length() - 1)), java.nio.charset.StandardCharsets.UTF_8) : segment);
            if (it.hasNext()) {
                s.append('/');
            }
        }
        return s.toString();
    }
}
