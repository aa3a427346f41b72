package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where kubectl is installed, the Java renderer must agree with {@code kubectl kustomize} on every
 * kustomization of k8s/ and on the fixture: the same objects, field for field. kubectl is never required:
 * without it the test checks that every kustomization renders, says so, and passes (it never skips).
 */
class KubectlKustomizeTest {

    @Test
    void theRendererAgreesWithKubectlKustomizeWhereKubectlIsInstalled() throws Exception {
        Project project = ManifestsTest.PROJECT;
        List<Path> dirs = new ArrayList<>();
        dirs.add(project.path("k8s/base"));
        ManifestsTest.OVERLAYS.forEach(o -> dirs.add(project.path(o)));
        ManifestsTest.ON_A_PLATFORM.forEach(o -> dirs.add(project.path(o)));
        dirs.add(KustomizeTest.FIXTURES.resolve("overlay").toAbsolutePath());
        Kustomize kustomize = new Kustomize();
        boolean kubectl = kubectlAnswers();
        for (Path dir : dirs) {
            List<ObjectNode> ours = kustomize.render(dir);
            assertThat(ours).as(dir.toString()).isNotEmpty();
            if (kubectl) {
                Path out = Files.createTempFile("kustomize", ".yaml");
                Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectOutput(out.toFile())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as("kubectl kustomize " + dir).isZero();
                List<JsonNode> theirs = new ArrayList<>(kustomize.readAll(out));
                Files.delete(out);
                assertThat(sorted(ours)).as("kubectl kustomize " + dir).isEqualTo(sorted(theirs));
            }
        }
        System.out.println(kubectl ? "compared " + dirs.size() + " kustomizations with kubectl kustomize: identical"
                : "kubectl not found: rendered " + dirs.size() + " kustomizations (the fixture's expectation was made by"
                        + " kubectl kustomize and is checked by KustomizeTest)");
    }

    private static List<JsonNode> sorted(List<? extends JsonNode> objects) {
        List<JsonNode> copy = new ArrayList<>(objects);
        copy.sort(Comparator.comparing(Objects::id));
        return copy;
    }

    private static boolean kubectlAnswers() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
