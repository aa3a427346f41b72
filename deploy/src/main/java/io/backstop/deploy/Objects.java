package io.backstop.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers over rendered objects (JSON trees). */
final class Objects {

    private Objects() {
    }

    /** How messages name an object: {@code Deployment margin-service}. */
    static String id(JsonNode object) {
        return object.path("kind").asText("?") + " " + object.path("metadata").path("name").asText("?");
    }

    static String kind(JsonNode object) {
        return object.path("kind").asText();
    }

    static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** Whether every label of {@code selector} is among {@code labels} (an empty selector selects nothing here). */
    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return !selector.isEmpty() && selector.entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
