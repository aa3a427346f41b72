package io.backstop.kit.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.kit.status.PlatformStatus.Incident;
import io.backstop.kit.status.PlatformStatus.Overall;
import io.backstop.kit.status.PlatformStatus.Severity;
import io.backstop.kit.status.PlatformStatus.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusBoardTest {

    private static final Instant NOW = Instant.parse("2025-10-10T21:30:00Z");
    private static final Duration HOUR = Duration.ofHours(1);
    private final StatusBoard board = new StatusBoard(new StatusBoard.Thresholds(Duration.ofSeconds(30),
            Duration.ofSeconds(60), 0.01));

    @Test
    void aHealthyPlatformIsOperationalWithTheFiguresEachComponentReported() {
        PlatformStatus s = board.assess(NOW, healthy(), List.of(), HOUR, "me").status();

        assertThat(s.overall()).isEqualTo(Overall.OPERATIONAL);
        assertThat(s.incidents()).isEmpty();
        assertThat(s.components()).extracting(PlatformStatus.Component::state).containsOnly(State.UP);
        assertThat(s.components()).extracting(PlatformStatus.Component::service).containsExactly("oracle-service",
                "margin-service", "liquidation-service", "insurance-fund-service");
        assertThat(s.oracle()).containsExactly(new PlatformStatus.SymbolPrice("BTC", "OK"),
                new PlatformStatus.SymbolPrice("ETH", "OK"));
        assertThat(s.margin()).isEqualTo(new PlatformStatus.Margin(1200L, 0L));
        assertThat(s.liquidations()).isEqualTo(new PlatformStatus.Liquidations(3L, 2.5, 1.0));
        assertThat(s.funds()).containsExactly(new PlatformStatus.Fund("main", 5_000_000, 0.05));
    }

    @Test
    void aComponentThatDoesNotAnswerIsDownItsFiguresUnknownNotZeroAndThePlatformInOutage() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("margin", PeerAnswer.silent("connection refused"));

        PlatformStatus s = board.assess(NOW, answers, List.of(), HOUR, "me").status();

        assertThat(s.overall()).isEqualTo(Overall.OUTAGE);
        assertThat(s.components().get(1)).isEqualTo(new PlatformStatus.Component("margin", "margin-service",
                State.DOWN, null, "connection refused"));
        assertThat(s.margin()).isEqualTo(new PlatformStatus.Margin(null, null));
        assertThat(s.incidents()).singleElement().satisfies(i -> {
            assertThat(i.key()).isEqualTo("down:margin");
            assertThat(i.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(i.title()).isEqualTo("margin-service is not answering");
            assertThat(i.detail()).startsWith("connection refused. Accounts are not re-marked");
        });
    }

    @Test
    void aServiceAnsweringButNotReadyDegradesThePlatform() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("fund", PeerAnswer.answered(report("fund", "insurance-fund-service", "DOWN", fundFacts(0.05, 0, 0))));

        PlatformStatus s = board.assess(NOW, answers, List.of(), HOUR, "me").status();

        assertThat(s.overall()).isEqualTo(Overall.DEGRADED);
        assertThat(s.components().get(3).state()).isEqualTo(State.NOT_READY);
        assertThat(s.incidents()).extracting(Incident::key).containsExactly("not-ready:fund");
    }

    @Test
    void theOracleStatusPerSymbolRaisesStaleAsCriticalAndDegradedAsMajor() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("oracle", PeerAnswer.answered(report("oracle", "oracle-service", "UP", List.of(
                fact(StatusBoard.ORACLE_STATUS, Map.of("symbol", "BTC"), 2),
                fact(StatusBoard.ORACLE_STATUS, Map.of("symbol", "ETH"), 1),
                fact(StatusBoard.ORACLE_STATUS, Map.of("symbol", "SOL"), 0)))));

        PlatformStatus s = board.assess(NOW, answers, List.of(), HOUR, "me").status();

        assertThat(s.oracle()).extracting(PlatformStatus.SymbolPrice::status).containsExactly("STALE", "DEGRADED", "OK");
        assertThat(s.incidents()).extracting(Incident::key, Incident::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("stale:BTC", Severity.CRITICAL),
                org.assertj.core.groups.Tuple.tuple("degraded:ETH", Severity.MAJOR));
        assertThat(s.overall()).isEqualTo(Overall.OUTAGE);
    }

    @Test
    void heldCallsAndABacklogPastTheAlertsThresholdsAreIncidentsAndBelowThemAreNot() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("margin", PeerAnswer.answered(report("margin", "margin-service", "UP", List.of(
                fact(StatusBoard.MARGIN_ACCOUNTS, Map.of(), 10), fact(StatusBoard.CALLS_HELD, Map.of(), 3)))));
        answers.put("liquidation", PeerAnswer.answered(report("liquidation", "liquidation-service", "UP", List.of(
                fact(StatusBoard.QUEUE_DEPTH, Map.of(), 40), fact(StatusBoard.QUEUE_OLDEST, Map.of(), 45),
                fact(StatusBoard.ORDERS_OPEN_OLDEST, Map.of(), 60)))));

        PlatformStatus s = board.assess(NOW, answers, List.of(), HOUR, "me").status();

        // 60 s open orders is at the threshold, not past it
        assertThat(s.incidents()).extracting(Incident::key).containsExactly("held-calls", "queue-old");
        assertThat(s.incidents().get(1).detail()).isEqualTo("40 margin calls queued, the oldest for 45 s");
        assertThat(s.overall()).isEqualTo(Overall.DEGRADED);
    }

    @Test
    void aFundBelowItsCoverageThresholdIsAnIncidentAndOneWithoutOpenInterestIsNot() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("fund", PeerAnswer.answered(report("fund", "insurance-fund-service", "UP", List.of(
                fact(StatusBoard.FUND_BALANCE, Map.of("group", "main"), 1000),
                fact(StatusBoard.FUND_COVERAGE, Map.of("group", "main"), 0.004),
                fact(StatusBoard.FUND_BALANCE, Map.of("group", "alts"), 50)))));

        PlatformStatus s = board.assess(NOW, answers, List.of(), HOUR, "me").status();

        assertThat(s.funds()).containsExactly(new PlatformStatus.Fund("alts", 50, null),
                new PlatformStatus.Fund("main", 1000, 0.004));
        assertThat(s.incidents()).extracting(Incident::key).containsExactly("coverage:main");
    }

    @Test
    void aLedgerThatDoesNotBalanceIsCritical() {
        Map<String, PeerAnswer> answers = healthy();
        List<SelfReport.Fact> facts = new ArrayList<>(fundFacts(0.05, 0, 0));
        facts.add(fact(StatusBoard.LEDGER_DIFFERENCES, Map.of(), 2));
        answers.put("fund", PeerAnswer.answered(report("fund", "insurance-fund-service", "UP", facts)));

        PlatformStatus s = board.assess(NOW, answers, List.of(), HOUR, "me").status();

        assertThat(s.overall()).isEqualTo(Overall.OUTAGE);
        assertThat(s.incidents()).extracting(Incident::key).containsExactly("ledger");
    }

    @Test
    void adlAndSocializedLossAreIncidentsWhenTheirCountersGrewWithinTheHour() {
        List<StatusHistory.Sample> hour = List.of(sample(NOW.minus(Duration.ofMinutes(50)), Set.of(), 2, 0),
                sample(NOW.minus(Duration.ofMinutes(10)), Set.of(), 4, 0));
        Map<String, PeerAnswer> answers = healthy();
        answers.put("fund", PeerAnswer.answered(report("fund", "insurance-fund-service", "UP", fundFacts(0.05, 5, 120.5))));

        PlatformStatus s = board.assess(NOW, answers, hour, HOUR, "me").status();

        assertThat(s.incidents()).extracting(Incident::key).containsExactly("socialized", "adl");
        assertThat(s.incidents().get(1).detail()).startsWith("3 positions auto-deleveraged");
        assertThat(s.incidents().get(0).detail()).startsWith("120.50 in the settlement asset");
        // without an earlier sample there is nothing to compare with: no increase is claimed
        assertThat(board.assess(NOW, answers, List.of(), HOUR, "me").status().incidents()).isEmpty();
        // the fund restarted within the hour (its counter went back): all it counted since is in the hour
        List<StatusHistory.Sample> restarted = List.of(sample(NOW.minus(Duration.ofMinutes(30)), Set.of(), 9, 0));
        assertThat(board.assess(NOW, answers, restarted, HOUR, "me").status().incidents().get(1).detail())
                .startsWith("5 positions");
    }

    @Test
    void anIncidentIsActiveSinceTheStartOfTheUnbrokenRunOfSamplesThatHadIt() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("liquidation", PeerAnswer.silent("no answer within 1000 ms"));
        List<StatusHistory.Sample> hour = List.of(
                sample(NOW.minus(Duration.ofMinutes(40)), Set.of("down:liquidation"), 0, 0),
                sample(NOW.minus(Duration.ofMinutes(30)), Set.of(), 0, 0),
                sample(NOW.minus(Duration.ofMinutes(20)), Set.of("down:liquidation"), 0, 0),
                sample(NOW.minus(Duration.ofMinutes(10)), Set.of("down:liquidation"), 0, 0));

        Incident down = board.assess(NOW, answers, hour, HOUR, "me").status().incidents().get(0);

        assertThat(down.since()).isEqualTo(NOW.minus(Duration.ofMinutes(20)));
        assertThat(board.assess(NOW, answers, List.of(), HOUR, "me").status().incidents().get(0).since())
                .isEqualTo(NOW);
    }

    @Test
    void theLastHourHasACellAMinuteWithTheWorstStateSampledInIt() {
        Map<String, PeerAnswer> answers = healthy();
        List<StatusHistory.Sample> hour = new ArrayList<>();
        Instant minute30 = NOW.minus(Duration.ofMinutes(30));
        hour.add(new StatusHistory.Sample(minute30, Map.of("margin", State.UP), Set.of(), 0, 0));
        hour.add(new StatusHistory.Sample(minute30.plusSeconds(20), Map.of("margin", State.DOWN), Set.of(), 0, 0));
        hour.add(new StatusHistory.Sample(minute30.plusSeconds(40), Map.of("margin", State.NOT_READY), Set.of(), 0, 0));

        StatusBoard.Assessment a = board.assess(NOW, answers, hour, HOUR, "me");

        List<State> margin = a.status().lastHour().get(1).minutes();
        assertThat(a.status().lastHour().get(1).component()).isEqualTo("margin");
        assertThat(margin).hasSize(60);
        assertThat(margin.get(30)).isEqualTo(State.DOWN);
        assertThat(margin.get(59)).isEqualTo(State.UP); // now
        assertThat(margin.stream().filter(java.util.Objects::nonNull)).hasSize(2);
        assertThat(a.sample().components()).containsEntry("margin", State.UP).hasSize(4);
    }

    @Test
    void theHistoryKeepsOneSampleASpacingAndForgetsWhatLeftTheWindow() {
        StatusHistory history = new StatusHistory(HOUR, Duration.ofSeconds(30));
        history.record(sample(NOW.minus(Duration.ofMinutes(70)), Set.of(), 0, 0));
        history.record(sample(NOW.minus(Duration.ofMinutes(5)), Set.of(), 0, 0));
        history.record(sample(NOW.minus(Duration.ofMinutes(5)).plusSeconds(10), Set.of(), 1, 0)); // too soon
        history.record(sample(NOW, Set.of(), 2, 0));

        assertThat(history.window(NOW)).extracting(StatusHistory.Sample::adlTotal).containsExactly(0.0, 2.0);
    }

    @Test
    void thePageEscapesWhatThePeersSaid() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("margin", PeerAnswer.silent("<script>alert(1)</script>"));

        String html = StatusPage.render(board.assess(NOW, answers, List.of(), HOUR, "me").status());

        assertThat(html).doesNotContain("<script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("Outage: part of the platform is not working").contains("margin-service");
    }

    @Test
    void thePageTellsAnOracleWithoutPricesYetFromOneThatDidNotAnswer() {
        Map<String, PeerAnswer> answers = healthy();
        answers.put("oracle", PeerAnswer.answered(report("oracle", "oracle-service", "UP", List.of())));
        assertThat(StatusPage.render(board.assess(NOW, answers, List.of(), HOUR, "me").status()))
                .contains("No symbol priced yet").doesNotContain("the oracle did not answer");

        answers.put("oracle", PeerAnswer.silent("connection refused"));
        assertThat(StatusPage.render(board.assess(NOW, answers, List.of(), HOUR, "me").status()))
                .contains("Unknown: the oracle did not answer.");
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Map<String, PeerAnswer> healthy() {
        Map<String, PeerAnswer> answers = new LinkedHashMap<>();
        answers.put("oracle", PeerAnswer.answered(report("oracle", "oracle-service", "UP", List.of(
                fact(StatusBoard.ORACLE_STATUS, Map.of("symbol", "ETH"), 0),
                fact(StatusBoard.ORACLE_STATUS, Map.of("symbol", "BTC"), 0)))));
        answers.put("margin", PeerAnswer.answered(report("margin", "margin-service", "UP", List.of(
                fact(StatusBoard.MARGIN_ACCOUNTS, Map.of(), 1200), fact(StatusBoard.CALLS_HELD, Map.of(), 0)))));
        answers.put("liquidation", PeerAnswer.answered(report("liquidation", "liquidation-service", "UP", List.of(
                fact(StatusBoard.QUEUE_DEPTH, Map.of(), 3), fact(StatusBoard.QUEUE_OLDEST, Map.of(), 2.5),
                fact(StatusBoard.ORDERS_OPEN_OLDEST, Map.of(), 1)))));
        answers.put("fund", PeerAnswer.answered(report("fund", "insurance-fund-service", "UP", fundFacts(0.05, 0, 0))));
        return answers;
    }

    private static List<SelfReport.Fact> fundFacts(double coverage, double adl, double socialized) {
        return List.of(fact(StatusBoard.FUND_BALANCE, Map.of("group", "main"), 5_000_000),
                fact(StatusBoard.FUND_COVERAGE, Map.of("group", "main"), coverage),
                fact(StatusBoard.ADL_EXECUTIONS, Map.of("group", "main", "symbol", "BTC"), adl),
                fact(StatusBoard.SOCIALIZED, Map.of("group", "main"), socialized));
    }

    private static SelfReport report(String component, String service, String readiness, List<SelfReport.Fact> facts) {
        return new SelfReport(component, service, service + "-1", readiness, NOW, facts);
    }

    private static SelfReport.Fact fact(String name, Map<String, String> tags, double value) {
        return new SelfReport.Fact(name, tags, value);
    }

    private static StatusHistory.Sample sample(Instant time, Set<String> incidents, double adl, double socialized) {
        return new StatusHistory.Sample(time, Map.of(), incidents, adl, socialized);
    }
}
