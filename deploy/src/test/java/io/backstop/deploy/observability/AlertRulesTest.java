package io.backstop.deploy.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.deploy.Project;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Backstop's Prometheus configuration, alerts and SLO rules, checked by Prometheus' own promtool (syntax,
 * then every unit test in observability/prometheus/tests) and by the project's rules (annotations, a
 * runbook section, a unit test firing and one quiet for every alert). promtool must be installed: without
 * it these tests fail and say how to install it; they never skip.
 */
class AlertRulesTest {

    static final Project PROJECT = Project.locate();
    static final Path PROMETHEUS = PROJECT.path("observability/prometheus");
    static final Path BROKEN = Path.of("src/test/resources/observability").toAbsolutePath();

    private final Promtool promtool = Promtool.find();

    @Test
    void promtoolAcceptsTheComposedPrometheusConfigurationAndItsRuleFiles(@org.junit.jupiter.api.io.TempDir Path dir)
            throws java.io.IOException {
        // as Compose mounts it: the configuration, its rules and the scrape token (a file the operator makes) beside it
        java.nio.file.Files.copy(PROMETHEUS.resolve("prometheus.yml"), dir.resolve("prometheus.yml"));
        java.nio.file.Files.createDirectories(dir.resolve("rules"));
        for (Path file : RuleFiles.read(PROMETHEUS.resolve("rules")).files()) {
            java.nio.file.Files.copy(file, dir.resolve("rules").resolve(file.getFileName()));
        }
        java.nio.file.Files.writeString(dir.resolve("scrape-token"), "a-token");
        Promtool.Result config = promtool.run(dir, "check", "config", "prometheus.yml");
        assertThat(config.ok()).as(config.output()).isTrue();
        // the configuration loads every rule file of rules/ (rule_files: rules/*.yml)
        for (Path file : RuleFiles.read(PROMETHEUS.resolve("rules")).files()) {
            assertThat(config.output()).contains("Checking " + "rules/" + file.getFileName());
        }
        List<String> args = new ArrayList<>(List.of("check", "rules"));
        RuleFiles.read(PROMETHEUS.resolve("rules")).files().forEach(f -> args.add("rules/" + f.getFileName()));
        Promtool.Result rules = promtool.run(PROMETHEUS, args.toArray(String[]::new));
        assertThat(rules.ok()).as(rules.output()).isTrue();
    }

    @Test
    void everyUnitTestOfTheRulesPasses() {
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        List<Path> tests = RuleFiles.files(PROMETHEUS.resolve("tests"), ".test.yml");
        assertThat(tests).isNotEmpty();
        tests.forEach(t -> args.add(t.getFileName().toString()));
        Promtool.Result result = promtool.run(PROMETHEUS.resolve("tests"), args.toArray(String[]::new));
        System.out.println(result.output());
        assertThat(result.ok()).as(result.output()).isTrue();
        assertThat(result.output().split("SUCCESS", -1)).hasSize(tests.size() + 1);
    }

    @Test
    void everyAlertHasASeverityASummaryADescriptionAndARunbookSection() {
        RuleFiles rules = RuleFiles.read(PROMETHEUS.resolve("rules"));
        assertThat(rules.alerts()).hasSizeGreaterThanOrEqualTo(16);
        assertThat(rules.annotationProblems(PROJECT.path("docs/runbooks.md"), "docs/runbooks.md")).isEmpty();
    }

    @Test
    void everyAlertHasAUnitTestInWhichItFiresAndOneInWhichItDoesNot() {
        RuleFiles rules = RuleFiles.read(PROMETHEUS.resolve("rules"));
        assertThat(rules.coverageProblems(PROMETHEUS.resolve("tests"))).isEmpty();
    }

    // --- the checks fail on broken input ---------------------------------------------------------------

    @Test
    void promtoolRefusesARuleFileThatIsNotValidPromQL() {
        Promtool.Result result = promtool.run(BROKEN.resolve("invalid"), "check", "rules", "rules.yml");
        assertThat(result.ok()).isFalse();
        assertThat(result.output()).contains("\"Broken\": could not parse expression");
    }

    @Test
    void promtoolFailsAUnitTestThatExpectsTheWrongAlert() {
        Promtool.Result result = promtool.run(BROKEN.resolve("broken/tests"), "test", "rules", "alerts.test.yml");
        assertThat(result.ok()).isFalse();
        assertThat(result.output()).contains("FAILED").contains("alertname: OnlyFires, time: 3m");
    }

    @Test
    void alertsWithoutAnnotationsRunbooksOrTestsAreNamed() {
        RuleFiles rules = RuleFiles.read(BROKEN.resolve("broken/rules"));
        Path runbooks = BROKEN.resolve("broken/runbooks.md");
        assertThat(rules.annotationProblems(runbooks, "runbooks.md")).containsExactly(
                "alert Untested (alerts.yml): runbook_url runbooks.md#untested names no section of runbooks.md"
                        + " (its sections: [runbooks, onlyfires])",
                "alert Unannotated (alerts.yml): labels.severity must be critical (pages) or warning (a ticket), not 'page'",
                "alert Unannotated (alerts.yml): has no annotations.description",
                "alert Unannotated (alerts.yml): runbook_url https://wiki.example.com/odd must point into runbooks.md"
                        + " (runbooks.md#<section>)");
        assertThat(rules.coverageProblems(BROKEN.resolve("broken/tests"))).containsExactly(
                "tests/unloaded.test.yml: tests alert Unannotated but does not load alerts.yml (rule_files): the test"
                        + " proves nothing",
                "alert Untested (alerts.yml): no unit test expects it to fire",
                "alert Untested (alerts.yml): no unit test expects it to stay quiet",
                "alert Unannotated (alerts.yml): no unit test expects it to fire",
                "alert Unannotated (alerts.yml): no unit test expects it to stay quiet",
                "alert OnlyFires (alerts.yml): no unit test expects it to stay quiet");
    }

    @Test
    void aMissingPromtoolFailsWithHowToInstallIt() {
        assertThatThrownBy(() -> Promtool.find("/nonexistent/promtool", "/usr/bin"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PROMTOOL=/nonexistent/promtool is not an executable file")
                .hasMessageContaining("apt-get install -y --no-install-recommends prometheus");
    }
}
