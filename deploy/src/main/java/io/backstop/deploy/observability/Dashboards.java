package io.backstop.deploy.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Backstop's Grafana dashboards and Prometheus rules against what the services export:
 * <ul>
 *   <li>every dashboard: a uid and title, a current {@code schemaVersion}, the variables {@code datasource}
 *       (a Prometheus data source), {@code service}, {@code instance} and {@code symbol}; every panel reads
 *       {@code ${datasource}}, has at least one query, a unit and thresholds;</li>
 *   <li>every query of a panel or variable and every rule expression names only metrics the services export
 *       ({@code observability/metrics/exported.txt}, read off a real scrape, and
 *       {@code registered-on-first-use.txt}, meters that appear only once something happened), series recorded
 *       by the rules, or Prometheus' own {@code up}.</li>
 * </ul>
 */
public final class Dashboards {

    /** Grafana 12.1's dashboard schema version; older files are migrated on load, and then differ from the repository. */
    public static final int SCHEMA_VERSION = 41;
    static final Set<String> VARIABLES = Set.of("datasource", "service", "instance", "symbol");
    static final Set<String> PROMETHEUS_OWN = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*[A-Za-z_]+\\)$");

    private final Set<String> exported;

    /** @param exported the metric names the services export, and the series the rules record */
    public Dashboards(Set<String> exported) {
        this.exported = exported;
    }

    /** The names in the lists of {@code metricsDir} ({@code #} starts a comment), Prometheus' own and {@code recorded}. */
    public static Set<String> exported(Path metricsDir, Set<String> recorded) {
        Set<String> names = new TreeSet<>(PROMETHEUS_OWN);
        names.addAll(recorded);
        for (Path list : RuleFiles.files(metricsDir, ".txt")) {
            try {
                for (String line : Files.readAllLines(list)) {
                    String name = line.replaceAll("#.*", "").trim();
                    if (!name.isEmpty()) {
                        names.add(name);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + list, e);
            }
        }
        return names;
    }

    /** The problems of one dashboard file, each starting with its file name. */
    public List<String> problems(Path file) {
        String id = file.getFileName().toString();
        JsonNode d;
        try {
            d = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            return List.of(id + ": not JSON: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        if (d.path("uid").asText().isBlank() || d.path("title").asText().isBlank()) {
            problems.add(id + ": needs a uid and a title");
        }
        if (d.path("schemaVersion").asInt() != SCHEMA_VERSION) {
            problems.add(id + ": schemaVersion " + d.path("schemaVersion").asText() + ", the current one is " + SCHEMA_VERSION);
        }
        Set<String> variables = new LinkedHashSet<>();
        for (JsonNode v : d.path("templating").path("list")) {
            String name = v.path("name").asText();
            variables.add(name);
            if (name.equals("datasource") && !("datasource".equals(v.path("type").asText())
                    && "prometheus".equals(v.path("query").asText()))) {
                problems.add(id + ": variable datasource must be a data source variable of type prometheus");
            }
            if ("query".equals(v.path("type").asText())) {
                String query = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
                Matcher lv = LABEL_VALUES.matcher(query.trim());
                expression(id + ": variable " + name, lv.matches() ? lv.group(1) : query, problems);
            }
        }
        for (String required : new TreeSet<>(VARIABLES)) {
            if (!variables.contains(required)) {
                problems.add(id + ": has no variable '" + required + "'");
            }
        }
        int panels = 0;
        for (JsonNode panel : d.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            panels++;
            String where = id + ": panel '" + panel.path("title").asText() + "'";
            if (!"${datasource}".equals(panel.path("datasource").path("uid").asText())) {
                problems.add(where + " must read the data source ${datasource}, not '"
                        + panel.path("datasource").path("uid").asText() + "'");
            }
            JsonNode defaults = panel.path("fieldConfig").path("defaults");
            if (defaults.path("unit").asText().isBlank()) {
                problems.add(where + " has no unit (fieldConfig.defaults.unit)");
            }
            if (defaults.path("thresholds").path("steps").isEmpty()) {
                problems.add(where + " has no thresholds (fieldConfig.defaults.thresholds.steps)");
            }
            if (panel.path("targets").isEmpty()) {
                problems.add(where + " has no query");
            }
            for (JsonNode target : panel.path("targets")) {
                expression(where + " query " + target.path("refId").asText(), target.path("expr").asText(), problems);
            }
        }
        if (panels == 0) {
            problems.add(id + ": has no panels");
        }
        return problems;
    }

    /** The problems of every rule's expression. */
    public List<String> problems(RuleFiles rules) {
        List<String> problems = new ArrayList<>();
        for (RuleFiles.Rule rule : rules.rules()) {
            expression(rule.toString(), rule.expr(), problems);
        }
        return problems;
    }

    private void expression(String where, String expr, List<String> problems) {
        if (expr.isBlank()) {
            problems.add(where + " has an empty expression");
            return;
        }
        for (String name : PromQL.metricNames(expr)) {
            if (!exported.contains(name)) {
                problems.add(where + " reads " + name + ", which no service exports (observability/metrics/): " + expr);
            }
        }
    }
}
