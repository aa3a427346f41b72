package io.backstop.lab.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Loads a scenario: a built-in one by name ({@code oct-2025}), or a YAML file by path. */
public final class Scenarios {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES) // a number left out is 0; the records check what must not be
            .build();

    private Scenarios() {
    }

    public static Scenario load(String nameOrPath) {
        Path file = Path.of(nameOrPath);
        try {
            if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    return YAML.readValue(in, Scenario.class);
                }
            }
            try (InputStream in = Scenarios.class.getResourceAsStream("/scenarios/" + nameOrPath + ".yml")) {
                if (in == null) {
                    throw new IllegalArgumentException("no scenario '" + nameOrPath + "': neither a built-in one"
                            + " (scenarios/" + nameOrPath + ".yml) nor a file");
                }
                return YAML.readValue(in, Scenario.class);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read scenario " + nameOrPath + ": " + e.getMessage(), e);
        }
    }
}
