package io.backstop.deploy.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Prometheus rule files ({@code groups: [{name, rules: [...]}]}) and what Backstop asks of them beyond
 * promtool's syntax check: every alert has a severity, a summary, a description and a {@code runbook_url}
 * pointing at a section of {@code docs/runbooks.md}; every alert has a unit test in which it fires and one in
 * which it does not, in a test file that loads the alert's rule file (a test expecting no alert from a rule
 * file it does not load would pass without testing anything).
 */
public final class RuleFiles {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One rule: its file (relative to the rules' directory), group, alert or record name, and the rule itself. */
    public record Rule(Path file, String group, String alert, String record, JsonNode node) {
        public String expr() {
            return node.path("expr").asText();
        }

        public String name() {
            return alert != null ? alert : record;
        }

        @Override
        public String toString() {
            return (alert != null ? "alert " : "record ") + name() + " (" + file.getFileName() + ")";
        }
    }

    private final Path dir;
    private final List<Rule> rules;

    private RuleFiles(Path dir, List<Rule> rules) {
        this.dir = dir;
        this.rules = rules;
    }

    /** Every {@code *.yml} in {@code dir}. */
    public static RuleFiles read(Path dir) {
        List<Rule> rules = new ArrayList<>();
        for (Path file : files(dir, ".yml")) {
            JsonNode root = yaml(file);
            for (JsonNode group : root.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    rules.add(new Rule(file, group.path("name").asText(),
                            rule.hasNonNull("alert") ? rule.get("alert").asText() : null,
                            rule.hasNonNull("record") ? rule.get("record").asText() : null, rule));
                }
            }
        }
        return new RuleFiles(dir, rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    public List<Rule> alerts() {
        return rules.stream().filter(r -> r.alert() != null).toList();
    }

    public Set<String> recordedNames() {
        Set<String> names = new LinkedHashSet<>();
        rules.stream().filter(r -> r.record() != null).forEach(r -> names.add(r.record()));
        return names;
    }

    /** The files read, each a {@code *.yml} of the directory. */
    public List<Path> files() {
        return files(dir, ".yml");
    }

    /** Severity, summary, description and a runbook section of {@code runbooks} for every alert. */
    public List<String> annotationProblems(Path runbooks, String runbooksLink) {
        Set<String> anchors = anchors(runbooks);
        List<String> problems = new ArrayList<>();
        for (Rule alert : alerts()) {
            JsonNode annotations = alert.node().path("annotations");
            String severity = alert.node().path("labels").path("severity").asText();
            if (!Set.of("critical", "warning").contains(severity)) {
                problems.add(alert + ": labels.severity must be critical (pages) or warning (a ticket), not '"
                        + severity + "'");
            }
            for (String required : List.of("summary", "description", "runbook_url")) {
                if (annotations.path(required).asText().isBlank()) {
                    problems.add(alert + ": has no annotations." + required);
                }
            }
            String runbook = annotations.path("runbook_url").asText();
            if (!runbook.isBlank()) {
                String prefix = runbooksLink + "#";
                if (!runbook.startsWith(prefix)) {
                    problems.add(alert + ": runbook_url " + runbook + " must point into " + runbooksLink + " ("
                            + prefix + "<section>)");
                } else if (!anchors.contains(runbook.substring(prefix.length()))) {
                    problems.add(alert + ": runbook_url " + runbook + " names no section of " + runbooksLink
                            + " (its sections: " + anchors + ")");
                }
            }
        }
        return problems;
    }

    /**
     * For every alert: a promtool unit test (in {@code tests}' {@code *.test.yml}) expecting it to fire and one
     * expecting it not to, each in a file whose {@code rule_files} load the alert's rule file.
     */
    public List<String> coverageProblems(Path tests) {
        Map<String, int[]> seen = new LinkedHashMap<>(); // alert -> {fires, quiet}
        List<String> problems = new ArrayList<>();
        for (Path file : files(tests, ".test.yml")) {
            JsonNode test = yaml(file);
            Set<Path> loaded = new LinkedHashSet<>();
            for (JsonNode ruleFile : test.path("rule_files")) {
                loaded.add(file.getParent().resolve(ruleFile.asText()).normalize());
            }
            for (JsonNode group : test.path("tests")) {
                for (JsonNode t : group.path("alert_rule_test")) {
                    String name = t.path("alertname").asText();
                    Rule alert = alerts().stream().filter(a -> a.alert().equals(name)).findFirst().orElse(null);
                    if (alert == null) {
                        problems.add(dir.getParent().relativize(file) + ": tests alert " + name
                                + ", which no rule file defines");
                        continue;
                    }
                    if (!loaded.contains(alert.file().normalize())) {
                        problems.add(dir.getParent().relativize(file) + ": tests alert " + name + " but does not load "
                                + alert.file().getFileName() + " (rule_files): the test proves nothing");
                        continue;
                    }
                    boolean fires = t.path("exp_alerts").isArray() && !t.path("exp_alerts").isEmpty();
                    seen.computeIfAbsent(name, n -> new int[2])[fires ? 0 : 1]++;
                }
            }
        }
        for (Rule alert : alerts()) {
            int[] counts = seen.getOrDefault(alert.alert(), new int[2]);
            if (counts[0] == 0) {
                problems.add(alert + ": no unit test expects it to fire");
            }
            if (counts[1] == 0) {
                problems.add(alert + ": no unit test expects it to stay quiet");
            }
        }
        return problems;
    }

    /** GitHub's anchors of the Markdown headings of a file: lower case, punctuation dropped, spaces to '-'. */
    static Set<String> anchors(Path markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$").matcher(text(markdown));
        while (m.find()) {
            anchors.add(m.group(1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
        }
        return anchors;
    }

    static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
