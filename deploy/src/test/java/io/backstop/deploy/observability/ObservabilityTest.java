package io.backstop.deploy.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.deploy.Project;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboards and rules read only what the services export, and each dashboard has its variables, and
 * each panel its data source variable, unit and thresholds. The exported names come from a real scrape
 * ({@code observability/metrics/scrape.sh}); {@code observability/check-live.sh} then runs every query against
 * a Prometheus that scraped a replay.
 */
class ObservabilityTest {

    static final Project PROJECT = Project.locate();
    static final Path BROKEN = Path.of("src/test/resources/observability").toAbsolutePath();
    static final RuleFiles RULES = RuleFiles.read(PROJECT.path("observability/prometheus/rules"));
    static final Dashboards DASHBOARDS = new Dashboards(
            Dashboards.exported(PROJECT.path("observability/metrics"), RULES.recordedNames()));

    @Test
    void theFiveDashboardsAreThere() {
        assertThat(RuleFiles.files(PROJECT.path("observability/grafana/dashboards"), ".json"))
                .extracting(p -> p.getFileName().toString())
                .containsExactly("backstop-fund.json", "backstop-liquidations.json", "backstop-margin.json",
                        "backstop-market.json", "backstop-platform.json");
    }

    @Test
    void everyDashboardHasItsVariablesAndEveryPanelAUnitThresholdsAndExportedMetricsOnly() {
        List<String> problems = new ArrayList<>();
        for (Path dashboard : RuleFiles.files(PROJECT.path("observability/grafana/dashboards"), ".json")) {
            problems.addAll(DASHBOARDS.problems(dashboard));
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void everyRuleReadsOnlyExportedMetricsAndRecordedSeries() {
        assertThat(RULES.rules()).isNotEmpty();
        assertThat(DASHBOARDS.problems(RULES)).isEmpty();
    }

    @Test
    void theExportedListComesFromAScrapeOfAllFourServices() {
        Set<String> exported = Dashboards.exported(PROJECT.path("observability/metrics"), Set.of());
        // one meter of each service and of the kit, as a scrape has them
        assertThat(exported).contains("backstop_oracle_tick_to_publish_seconds_bucket", "backstop_margin_calls_held_open",
                "backstop_liquidation_queue_oldest_seconds", "backstop_insurance_fund_coverage_ratio",
                "backstop_outbox_oldest_age_seconds", "http_server_requests_seconds_bucket", "process_uptime_seconds");
    }

    // --- the checks fail on broken input ---------------------------------------------------------------

    @Test
    void aBrokenDashboardIsNamedProblemByProblem() {
        assertThat(DASHBOARDS.problems(BROKEN.resolve("dashboards/broken.json"))).containsExactly(
                "broken.json: schemaVersion 39, the current one is 41",
                "broken.json: variable instance reads backstop_margin_accounts_total, which no service exports"
                        + " (observability/metrics/): backstop_margin_accounts_total",
                "broken.json: has no variable 'symbol'",
                "broken.json: panel 'No unit' has no unit (fieldConfig.defaults.unit)",
                "broken.json: panel 'Fixed data source' must read the data source ${datasource}, not 'prometheus'",
                "broken.json: panel 'Fixed data source' has no thresholds (fieldConfig.defaults.thresholds.steps)",
                "broken.json: panel 'Fixed data source' query A reads backstop_liquidation_order_to_fill_seconds_bucket,"
                        + " which no service exports (observability/metrics/): histogram_quantile(0.99, sum by (le)"
                        + " (rate(backstop_liquidation_order_to_fill_seconds_bucket[5m])))");
    }

    @Test
    void aRuleReadingAMetricNoServiceExportsIsNamed() {
        RuleFiles rules = RuleFiles.read(BROKEN.resolve("unknown-metric"));
        Dashboards check = new Dashboards(Dashboards.exported(PROJECT.path("observability/metrics"), rules.recordedNames()));
        assertThat(check.problems(rules)).containsExactly(
                "record backstop:ledger_clean (rules.yml) reads backstop_insurance_ledger_clean, which no service exports"
                        + " (observability/metrics/): min(backstop_insurance_ledger_clean)");
    }

    @Test
    void metricNamesAreReadOutOfPromQL() {
        assertThat(PromQL.metricNames("sum by (symbol, venue) (rate(backstop_oracle_source_exclusions_total"
                + "{symbol=~\"$symbol\",reason!=\"STALE\"}[$__rate_interval])) / on (symbol) group_left (venue)"
                + " max(backstop_oracle_status offset 5m) > 1e3 or vector(0)"))
                .containsExactly("backstop_oracle_source_exclusions_total", "backstop_oracle_status");
        assertThat(PromQL.metricNames("backstop:risk_api_error_ratio:rate1h > (14.4 * 0.001) and"
                + " backstop:risk_api_error_ratio:rate5m > bool 0.0144"))
                .containsExactly("backstop:risk_api_error_ratio:rate1h", "backstop:risk_api_error_ratio:rate5m");
        assertThat(PromQL.metricNames("up{job=\"backstop\"} == 0")).containsExactly("up");
    }
}
