package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Kustomize subset on a small fixture whose expected rendering was made by {@code kubectl kustomize}
 * (Kustomize 5.5) and committed beside it: resources from a base, the namespace (also renaming the
 * Namespace object), a strategic merge (env merged by name, patch elements first; tolerations replaced),
 * a JSON merge patch of a custom resource by target (lists replaced, null deletes), images by tag and digest.
 */
class KustomizeTest {

    static final Path FIXTURES = Path.of("src/test/resources/kustomize");
    final Kustomize kustomize = new Kustomize();

    @Test
    void rendersTheFixtureAsKubectlKustomizeDid() {
        List<JsonNode> rendered = List.copyOf(kustomize.render(FIXTURES.resolve("overlay")));
        List<JsonNode> expected = kustomize.readAll(FIXTURES.resolve("overlay-expected.yaml"));
        assertThat(rendered).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void refusesWhatItDoesNotSupportInsteadOfIgnoringIt() {
        assertThatThrownBy(() -> kustomize.render(FIXTURES.resolve("unsupported")))
                .hasMessageContaining("'commonLabels' is not in the Kustomize subset");
    }

    @Test
    void aPatchThatMatchesNothingIsAnError() {
        assertThatThrownBy(() -> kustomize.render(FIXTURES.resolve("unmatched")))
                .hasMessageContaining("the patch of Deployment nowhere matches no resource");
    }

    @Test
    void rewritesOnlyTheImageItNames() {
        ObjectNode image = JsonNodeFactory.instance.objectNode().put("name", "backstop/oracle-service").put("newTag", "1.2");
        assertThat(Kustomize.rewrite("backstop/oracle-service", image)).isEqualTo("backstop/oracle-service:1.2");
        assertThat(Kustomize.rewrite("backstop/oracle-service:0.1@sha256:ab", image)).isEqualTo("backstop/oracle-service:1.2");
        assertThat(Kustomize.rewrite("backstop/oracle-service-x:0.1", image)).isEqualTo("backstop/oracle-service-x:0.1");
        assertThat(Kustomize.rewrite("registry:5000/backstop/oracle-service", image))
                .isEqualTo("registry:5000/backstop/oracle-service");
    }
}
