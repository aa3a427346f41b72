package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** What the runtime knows of each service agrees with the service's own configuration. */
class ServiceTest {

    private final YAMLMapper yaml = new YAMLMapper();

    @Test
    void eachServiceConnectsAsTheRoleOwningTheSchemaItsFlywayMigrates() {
        for (Service service : Service.values()) {
            Path yml = Path.of("..", service.id(), "src", "main", "resources", "application.yml");
            String schema = yaml.readTree(yml.toFile()).at("/backstop/db/schema").asText();
            assertThat(service.schema()).as("backstop.db.schema in " + yml).isEqualTo(schema);
            assertThat(service.databaseRole()).isEqualTo(service.schema());
        }
    }
}
