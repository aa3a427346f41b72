package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The repository's documents link only to files inside it (nothing beside or above the repository, no web pages), and those files exist. */
class RepositoryLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyMarkdownLinkPointsToAFileOfTheRepository() throws IOException {
        Path root = ManifestsTest.PROJECT.root();
        List<String> broken = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path md : files.filter(f -> f.toString().endsWith(".md"))
                    .filter(f -> !root.relativize(f).toString().matches("(\\.git|run|reports|.*/target)(/.*)?")).toList()) {
                Matcher m = LINK.matcher(Files.readString(md));
                while (m.find()) {
                    String target = m.group(1).replaceAll("#.*", "");
                    if (target.isEmpty()) {
                        continue;
                    }
                    Path resolved = md.getParent().resolve(target).normalize();
                    if (target.contains("://") || !resolved.startsWith(root) || !Files.exists(resolved)) {
                        broken.add(root.relativize(md) + " -> " + m.group(1));
                    }
                }
            }
        }
        assertThat(broken).isEmpty();
    }
}
