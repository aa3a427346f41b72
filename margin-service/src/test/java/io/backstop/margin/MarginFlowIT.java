package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.PositionSide;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.events.trading.TradeFilled;
import io.backstop.kit.inbox.Inbox;
import io.backstop.margin.config.MarginProperties;
import io.backstop.margin.engine.AccountEngine;
import io.backstop.margin.engine.AccountReads;
import io.backstop.margin.engine.PartitionOwnership;
import io.backstop.margin.persistence.AccountRepository;
import io.backstop.margin.risk.Quote;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Accounts, fills, prices and margin calls through the real broker and database. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class MarginFlowIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    ApplicationContext context;
    @Autowired
    TestInfrastructure infra;
    @Autowired
    AccountReads reads;
    @Autowired
    AccountRepository repository;
    @Autowired
    Inbox inbox;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;
    @Autowired
    MarginProperties properties;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;
    /** Oracle sequences only grow: shared by every test of the class (JUnit makes a new instance per test). */
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

    @Autowired
    org.springframework.kafka.config.KafkaListenerEndpointRegistry listeners;

    /** Listeners get their partitions before a test sends anything. */
    @BeforeEach
    void open() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
        await().atMost(WAIT).until(() -> Listeners.allAssigned(listeners) && reads.ownership().assigned());
    }

    @AfterEach
    void close() {
        kafka.close();
    }

    /** 10,000 USDT behind 10 BTC long at 60,000, marked at 60,000 (maintenance is reached at 59,291.46). */
    private String leveragedBtcLong(String id) throws Exception {
        sendPrice("BTCUSDT", "60000", PriceStatus.OK);
        await().atMost(WAIT).until(() -> reads.prices().quote("BTCUSDT")
                .map(q -> q.mark().compareTo(new BigDecimal("60000")) == 0).orElse(false));
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + id + "\"}").statusCode()).isEqualTo(201);
        assertThat(post("/api/v1/accounts/" + id + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"10000\"}")
                .statusCode()).isEqualTo(200);
        sendFill(id, "BTCUSDT", Side.BUY, "10", "60000");
        await().atMost(WAIT).until(() -> reads.view(id).map(v -> v.positions().containsKey("BTCUSDT")).orElse(false));
        return id;
    }

    @Test
    void aPriceDropIssuesExactlyOneMarginCallWithTheFieldsLiquidationNeeds() throws Exception {
        String id = leveragedBtcLong("drop-" + UUID.randomUUID());
        io.micrometer.core.instrument.Timer tickToCall = meters.get("backstop.margin.tick.to.call").timer();
        long timedBefore = tickToCall.count();
        Instant ticked = Instant.now();
        sendPrice("BTCUSDT", "59000", PriceStatus.OK);
        sendPrice("BTCUSDT", "58900", PriceStatus.OK); // still below: no second call while one is open
        Instant sent = Instant.now();

        List<MarginCallIssued> calls = calls(id, 1);
        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call.accountId()).isEqualTo(id);
            assertThat(call.equity()).isLessThan(call.maintenanceMargin());
            assertThat(call.positions()).singleElement().satisfies(p -> {
                assertThat(p.symbol()).isEqualTo("BTCUSDT");
                assertThat(p.size()).isEqualByComparingTo("10");
                assertThat(p.entryPrice()).isEqualByComparingTo("60000");
                assertThat(p.markPrice()).isIn(new BigDecimal("59000"), new BigDecimal("58900"));
                // tier 2 at that notional: 10,000 + 10 (P - 60,000) = 10 P x 0.005 - 50 -> P = 59,291.457...
                assertThat(p.liquidationPrice()).isEqualByComparingTo("59291.46");
            });
            assertThat(call.collateral()).extracting(c -> c.asset()).containsExactly("USDT");
            assertThat(call.priceSequences()).containsKey("BTCUSDT");
            // the oracle time of the tick that took it below maintenance (the price event's priceTime)
            assertThat(call.priceTime()).isBetween(ticked, sent);
        });
        Thread.sleep(1000);
        assertThat(calls(id, 2)).as("no second call").hasSize(1);
        assertThat(tickToCall.count()).as("the call timed once committed").isGreaterThan(timedBefore);
        assertThat(get("/actuator/prometheus").body()).contains(
                "backstop_margin_tick_to_call_seconds_bucket{application=\"margin-service\",le=\"1.0\"}");
        assertThat(getJson("/api/v1/accounts/" + id + "/risk").get("status").stringValue())
                .isIn("LIQUIDATING", "BANKRUPT");

        // the at-risk list names it, least headroom first
        JsonNode atRisk = getJson("/api/v1/accounts/at-risk?limit=50");
        List<String> ids = new java.util.ArrayList<>();
        List<BigDecimal> ratios = new java.util.ArrayList<>();
        atRisk.forEach(a -> {
            if (!a.get("missingPrices").isEmpty()) {
                return; // not valued now: listed after every account that is (AtRiskOrderTest)
            }
            ids.add(a.get("accountId").stringValue());
            // no positive equity (a null ratio) is the least headroom of all
            ratios.add(a.get("marginRatio").isNull() ? BigDecimal.valueOf(Long.MAX_VALUE)
                    : new BigDecimal(a.get("marginRatio").stringValue()));
        });
        assertThat(ids).as("valued, with no price missing").contains(id);
        assertThat(ratios).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ratios.get(ids.indexOf(id))).isGreaterThan(BigDecimal.ONE);
        // the gauge counts the list's candidates, those it ranks and any it cannot value yet
        assertThat(meters.get("backstop.margin.accounts.at.risk").gauge().value())
                .isGreaterThanOrEqualTo(ids.size());

        // the whole list, a page of one at a time, following each page's Link: every candidate once
        List<String> walked = new java.util.ArrayList<>();
        String next = "/api/v1/accounts/at-risk/all?limit=1";
        while (next != null) {
            HttpResponse<String> page = get(next);
            assertThat(page.statusCode()).isEqualTo(200);
            json.mapper().readTree(page.body()).forEach(a -> walked.add(a.get("accountId").stringValue()));
            next = page.headers().firstValue("Link")
                    .map(link -> link.substring(link.indexOf('<') + 1, link.indexOf('>'))).orElse(null);
            assertThat(walked.size()).as("the walk ends").isLessThan(10_000);
        }
        assertThat(walked).as("each account once").doesNotHaveDuplicates().contains(id);
        assertThat(get("/api/v1/accounts/at-risk/all?after=nope").statusCode()).isEqualTo(400);
    }

    @Test
    void aRecoveryKeepsTheLeaseUntilTheLiquidationEndsAndThenNeedsNoSecondCall() throws Exception {
        String id = leveragedBtcLong("recover-" + UUID.randomUUID());
        sendPrice("BTCUSDT", "59200", PriceStatus.OK);
        UUID call = callIds(id, 1).get(0);

        sendPrice("BTCUSDT", "60500", PriceStatus.OK);
        await().atMost(WAIT).until(() -> reads.prices().quote("BTCUSDT")
                .map(q -> q.mark().compareTo(new BigDecimal("60500")) == 0).orElse(false));
        Thread.sleep(500);
        assertThat(getJson("/api/v1/accounts/" + id + "/risk").get("status").stringValue())
                .as("the liquidation decides whether the recovery holds").isEqualTo("LIQUIDATING");

        sendEnd(id, call, LiquidationOutcome.CANCELLED_RECOVERED, List.of(), List.of());
        await().atMost(WAIT).until(() -> !getJson("/api/v1/accounts/" + id + "/risk").get("status").stringValue()
                .equals("LIQUIDATING"));
        Thread.sleep(1000);
        assertThat(calls(id, 2)).hasSize(1);
    }

    @Test
    void aSkippedCallOfAScopeStillBelowMaintenanceIsFollowedByTheNextCallAtOnce() throws Exception {
        aCallEndedWithoutClosingAnythingIsFollowedByTheNextCall("skipped-", LiquidationOutcome.SKIPPED_IN_PROGRESS);
    }

    @Test
    void aCallCancelledAsRecoveredOfAScopeStillBelowMaintenanceIsFollowedByTheNextCallAtOnce() throws Exception {
        aCallEndedWithoutClosingAnythingIsFollowedByTheNextCall("cancelled-", LiquidationOutcome.CANCELLED_RECOVERED);
    }

    /** No price moves after the first call: only the end of its lease makes margin call the scope again. */
    private void aCallEndedWithoutClosingAnythingIsFollowedByTheNextCall(String prefix, LiquidationOutcome outcome)
            throws Exception {
        String id = leveragedBtcLong(prefix + UUID.randomUUID());
        sendPrice("BTCUSDT", "59000", PriceStatus.OK);
        UUID first = callIds(id, 1).get(0);
        assertThat(scope(id).get("liquidation").stringValue()).isEqualTo(first.toString());

        EventEnvelope<?> end = sendEnd(id, first, outcome, List.of(), List.of());

        List<UUID> calls = callIds(id, 2);
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).isNotEqualTo(first);
        JsonNode scope = scope(id);
        assertThat(scope.get("belowMaintenance").booleanValue()).isTrue();
        assertThat(scope.get("liquidation").stringValue()).isEqualTo(calls.get(1).toString());

        // the same end delivered again, and another end of the old call: neither releases the new lease
        kafka.send(infra.topic("liquidation.fills"), id, json.encode(end));
        sendEnd(id, first, outcome, List.of(), List.of());
        await().atMost(WAIT).until(() -> inbox.contains(end.eventId()));
        Thread.sleep(1000);
        assertThat(callIds(id, 3)).hasSize(2);
        assertThat(scope(id).get("liquidation").stringValue()).isEqualTo(calls.get(1).toString());
    }

    @Test
    void aShortfallKeepsTheLeaseUntilTheWaterfallHasClosedItThenTheScopeIsFree() throws Exception {
        String id = leveragedBtcLong("shortfall-" + UUID.randomUUID());
        sendPrice("BTCUSDT", "59000", PriceStatus.OK);
        UUID call = callIds(id, 1).get(0);
        UUID shortfall = UUID.randomUUID();
        double awaitingBefore = awaitingGauge();

        sendEnd(id, call, LiquidationOutcome.SHORTFALL, List.of(), List.of(new ShortfallHandedOver(shortfall, "BTCUSDT",
                new BigDecimal("10"), BigDecimal.ZERO)));
        await().atMost(WAIT).until(() -> scope(id).get("awaitingWaterfall").booleanValue());
        await("the gauge operators are alerted on").atMost(WAIT).until(() -> awaitingGauge() == awaitingBefore + 1);
        assertThat(scope(id).get("liquidation").stringValue()).isEqualTo(call.toString());
        assertThat(calls(id, 2)).as("no call while the waterfall settles the shortfall").hasSize(1);

        kafka.send(infra.topic("insurance.takeovers"), id, json.encode(EventEnvelope.of(new PositionTakenOver(
                shortfall, "majors", id, "BTCUSDT", PositionSide.LONG, new BigDecimal("10"), new BigDecimal("59000")),
                Instant.now(), null, null)));
        await().atMost(WAIT).until(() -> scope(id).get("liquidation").isNull());
        await().atMost(WAIT).until(() -> awaitingGauge() == awaitingBefore);

        JsonNode risk = getJson("/api/v1/accounts/" + id + "/risk");
        assertThat(risk.get("status").stringValue()).isEqualTo("HEALTHY");
        assertThat(risk.get("positions").size()).isZero();
        // money: 10,000 deposited, 10 BTC bought at 60,000 and taken over at 59,000
        assertThat(reads.view(id).orElseThrow().balances().getOrDefault("USDT", BigDecimal.ZERO))
                .isEqualByComparingTo("0");
        assertThat(calls(id, 2)).hasSize(1);
    }

    @Test
    void anAdlRequestClosesWhatTheRankedPositionHoldsAndItsAnswerClosesTheBankruptSideBeforeTheScopeIsFree()
            throws Exception {
        AdlCase c = bankruptWithRankedShort("adl-b-", "adl-s-");
        String bankrupt = c.bankrupt();
        String ranked = c.ranked();
        UUID shortfall = c.shortfall();

        // the fund's view was stale: it asks the ranked short for 6, which holds 4
        EventEnvelope<PositionAutoDeleveraged> request = EventEnvelope.of(new PositionAutoDeleveraged(shortfall, ranked,
                bankrupt, "BTCUSDT", Side.BUY, new BigDecimal("6"), new BigDecimal("59000"), 1), Instant.now(), null, null);
        kafka.send(infra.topic("adl.executions"), ranked, json.encode(request));

        List<AdlLegSettled> answers = answersTo(request.eventId(), bankrupt, WAIT);
        assertThat(answers).singleElement().satisfies(a -> {
            assertThat(a.applied()).isEqualByComparingTo("4");
            assertThat(a.refused()).isEqualByComparingTo("2");
            assertThat(a.bankruptSide()).isEqualTo(Side.SELL);
            assertThat(a.shortfallId()).isEqualTo(shortfall);
        });
        await().atMost(WAIT).until(() -> reads.view(ranked).map(v -> !v.positions().containsKey("BTCUSDT"))
                .orElse(false));
        await().atMost(WAIT).until(() -> reads.view(bankrupt).map(v -> v.positions().get("BTCUSDT").size()
                .compareTo(new BigDecimal("6")) == 0).orElse(false));
        assertThat(scope(bankrupt).get("awaitingWaterfall").booleanValue()).as("6 still with the waterfall").isTrue();

        // the request again is a redelivery: no second close, no second answer
        double duplicates = meterCount("backstop.margin.events.duplicates");
        kafka.send(infra.topic("adl.executions"), ranked, json.encode(request));
        await().atMost(WAIT).until(() -> meterCount("backstop.margin.events.duplicates") > duplicates);
        assertThat(answersTo(request.eventId(), bankrupt, Duration.ofSeconds(2))).hasSize(1);

        // the fund's re-plan found no one else and takes the 6 over: the waterfall has closed all 10
        kafka.send(infra.topic("insurance.takeovers"), bankrupt, json.encode(EventEnvelope.of(new PositionTakenOver(
                shortfall, "majors", bankrupt, "BTCUSDT", PositionSide.LONG, new BigDecimal("6"),
                new BigDecimal("59000")), Instant.now(), null, null)));
        await().atMost(WAIT).until(() -> scope(bankrupt).get("liquidation").isNull());
        assertThat(getJson("/api/v1/accounts/" + bankrupt + "/risk").get("positions").size()).isZero();
        // money: the bankrupt's 10 BTC bought at 60,000 closed at 59,000 (4 by ADL, 6 taken over) on 10,000 USDT;
        // the ranked short sold 4 at 60,000 and bought them back at 59,000
        assertThat(reads.view(bankrupt).orElseThrow().balances().get("USDT")).isEqualByComparingTo("0");
        assertThat(reads.view(ranked).orElseThrow().balances().get("USDT")).isEqualByComparingTo("104000");
    }

    @Test
    void aTakeoverBeforeTheAdlOfTheSameShortfallReleasesTheScopeOnlyWhenTheSettledLegClosesTheRest() throws Exception {
        AdlCase c = bankruptWithRankedShort("adl-t-", "adl-r-");
        String bankrupt = c.bankrupt();
        String ranked = c.ranked();
        UUID shortfall = c.shortfall();

        // the takeover of 6 first: 4 still with the waterfall, the lease holds
        kafka.send(infra.topic("insurance.takeovers"), bankrupt, json.encode(EventEnvelope.of(new PositionTakenOver(
                shortfall, "majors", bankrupt, "BTCUSDT", PositionSide.LONG, new BigDecimal("6"),
                new BigDecimal("59000")), Instant.now(), null, null)));
        await().atMost(WAIT).until(() -> reads.view(bankrupt).map(v -> v.positions().get("BTCUSDT").size()
                .compareTo(new BigDecimal("4")) == 0).orElse(false));
        assertThat(scope(bankrupt).get("awaitingWaterfall").booleanValue()).isTrue();

        // then the ADL of the other 4: margin closes the ranked short, and its answer the bankrupt side
        EventEnvelope<PositionAutoDeleveraged> request = EventEnvelope.of(new PositionAutoDeleveraged(shortfall, ranked,
                bankrupt, "BTCUSDT", Side.BUY, new BigDecimal("4"), new BigDecimal("59000"), 1), Instant.now(), null, null);
        kafka.send(infra.topic("adl.executions"), ranked, json.encode(request));
        assertThat(answersTo(request.eventId(), bankrupt, WAIT)).singleElement()
                .satisfies(a -> assertThat(a.applied()).isEqualByComparingTo("4"));
        await().atMost(WAIT).until(() -> scope(bankrupt).get("liquidation").isNull());
        assertThat(getJson("/api/v1/accounts/" + bankrupt + "/risk").get("positions").size()).isZero();
        assertThat(reads.view(ranked).orElseThrow().positions()).doesNotContainKey("BTCUSDT");
        assertThat(reads.view(bankrupt).orElseThrow().balances().get("USDT")).isEqualByComparingTo("0");
        assertThat(reads.view(ranked).orElseThrow().balances().get("USDT")).isEqualByComparingTo("104000");
    }

    /** A bankrupt 10 BTC long whose liquidation handed all 10 to the fund, and a ranked short of 4 BTC in profit. */
    private record AdlCase(String bankrupt, String ranked, UUID shortfall) {
    }

    private AdlCase bankruptWithRankedShort(String bankruptPrefix, String rankedPrefix) throws Exception {
        String bankrupt = leveragedBtcLong(bankruptPrefix + UUID.randomUUID());
        String ranked = rankedPrefix + UUID.randomUUID();
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + ranked + "\"}").statusCode()).isEqualTo(201);
        assertThat(post("/api/v1/accounts/" + ranked + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"100000\"}")
                .statusCode()).isEqualTo(200);
        sendFill(ranked, "BTCUSDT", Side.SELL, "4", "60000");
        await().atMost(WAIT).until(() -> reads.view(ranked).map(v -> v.positions().containsKey("BTCUSDT")).orElse(false));
        sendPrice("BTCUSDT", "59000", PriceStatus.OK);
        UUID call = callIds(bankrupt, 1).get(0);
        UUID shortfall = UUID.randomUUID();
        sendEnd(bankrupt, call, LiquidationOutcome.SHORTFALL, List.of(), List.of(new ShortfallHandedOver(shortfall,
                "BTCUSDT", new BigDecimal("10"), BigDecimal.ZERO)));
        await().atMost(WAIT).until(() -> scope(bankrupt).get("awaitingWaterfall").booleanValue());
        return new AdlCase(bankrupt, ranked, shortfall);
    }

    private List<AdlLegSettled> answersTo(UUID requestId, String bankrupt, Duration wait) {
        return kafka.read(infra.topic("adl.settlements"), 2, wait, r -> bankrupt.equals(r.key())).stream()
                .map(r -> (AdlLegSettled) json.decode(Topic.ADL_SETTLEMENTS, r.key(), r.value()).payload())
                .filter(a -> a.requestId().equals(requestId)).toList();
    }

    private double awaitingGauge() {
        return meters.get("backstop.margin.scopes.awaiting.waterfall").gauge().value();
    }

    private double meterCount(String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theNextCallStatesThePositionsAfterTheLiquidationFillsAndWaterfallOutcomesItApplied() throws Exception {
        String id = leveragedBtcLong("named-" + UUID.randomUUID());
        sendPrice("BTCUSDT", "59000", PriceStatus.OK);
        assertThat(calls(id, 1)).singleElement().satisfies(call -> assertThat(call.positions()).singleElement()
                .satisfies(p -> assertThat(p.size()).isEqualByComparingTo("10")));

        String tradeId = "liq-" + UUID.randomUUID();
        kafka.send(infra.topic("liquidation.fills"), id, json.encode(EventEnvelope.of(new PositionLiquidated(
                UUID.randomUUID(), UUID.randomUUID(), tradeId, id, "BTCUSDT", Side.SELL, new BigDecimal("2"),
                new BigDecimal("59000"), new BigDecimal("-2000"), BigDecimal.ZERO, new BigDecimal("58000")),
                Instant.now(), null, null)));
        EventEnvelope<PositionTakenOver> takeover = EventEnvelope.of(new PositionTakenOver(UUID.randomUUID(), "majors",
                id, "BTCUSDT", PositionSide.LONG, BigDecimal.ONE, new BigDecimal("58500")), Instant.now(), null, null);
        kafka.send(infra.topic("insurance.takeovers"), id, json.encode(takeover));
        await().atMost(WAIT).until(() -> reads.view(id).map(v -> v.positions().get("BTCUSDT").size()
                .compareTo(new BigDecimal("7")) == 0).orElse(false));
        sendPrice("BTCUSDT", "60500", PriceStatus.OK); // recovers, and the liquidation ends: the scope is free
        sendEnd(id, callIds(id, 1).get(0), LiquidationOutcome.COMPLETED, List.of(tradeId), List.of());
        await().atMost(WAIT).until(() -> !getJson("/api/v1/accounts/" + id + "/risk").get("status").stringValue()
                .equals("LIQUIDATING"));
        sendPrice("BTCUSDT", "58000", PriceStatus.OK);

        List<MarginCallIssued> calls = calls(id, 2);
        assertThat(calls).hasSize(2);
        // 10 BTC less the 2 liquidated and the 1 taken over: nothing for liquidation-service to subtract
        assertThat(calls.get(1).positions()).singleElement()
                .satisfies(p -> assertThat(p.size()).isEqualByComparingTo("7"));
    }

    @Test
    void aStaleOracleHoldsTheCallVisiblyUntilPricesAreTrustedAgain() throws Exception {
        String id = leveragedBtcLong("held-" + UUID.randomUUID());
        sendPrice("BTCUSDT", "59000", PriceStatus.STALE);

        await().atMost(WAIT).until(() -> getJson("/api/v1/accounts/" + id + "/risk").get("heldCalls").size() == 1);
        JsonNode risk = getJson("/api/v1/accounts/" + id + "/risk");
        assertThat(risk.get("status").stringValue()).isEqualTo("MARGIN_CALL");
        assertThat(risk.get("untrustedPrices").get(0).stringValue()).isEqualTo("BTCUSDT");
        // every open BTC long of this class's accounts is held now, this one among them
        java.util.regex.Matcher held = java.util.regex.Pattern.compile(
                "backstop_margin_calls_held_open\\{application=\"margin-service\"} (\\d+)").matcher(metrics());
        assertThat(held.find()).isTrue();
        assertThat(Double.parseDouble(held.group(1))).isGreaterThanOrEqualTo(1);
        assertThat(calls(id, 1)).as("held, not issued").isEmpty();

        sendPrice("BTCUSDT", "59000", PriceStatus.OK);
        assertThat(calls(id, 1)).hasSize(1);
        assertThat(getJson("/api/v1/accounts/" + id + "/risk").get("heldCalls").size()).isZero();
    }

    @Test
    void aFillDeliveredTwiceIsAppliedOnce() throws Exception {
        String id = "dup-" + UUID.randomUUID();
        post("/api/v1/accounts", "{\"accountId\":\"" + id + "\"}");
        post("/api/v1/accounts/" + id + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"50000\"}");
        EventEnvelope<?> fill = fill(id, "ETHUSDT", Side.BUY, "3", "4000");
        kafka.send(infra.topic("trades.fills"), id, json.encode(fill));
        kafka.send(infra.topic("trades.fills"), id, json.encode(fill));
        EventEnvelope<?> next = fill(id, "ETHUSDT", Side.BUY, "1", "4000");
        kafka.send(infra.topic("trades.fills"), id, json.encode(next));

        await().atMost(WAIT).until(() -> inbox.contains(next.eventId()));
        assertThat(reads.view(id).orElseThrow().positions().get("ETHUSDT").size()).isEqualByComparingTo("4");
        assertThat(metrics()).contains("backstop_margin_events_duplicates_total{application=\"margin-service\"}");
    }

    @Test
    void fillsTheEngineRejectsGoToTheDeadLetterTopicInOrderAndTheRestOfTheirPollIsApplied() throws Exception {
        String id = "mixed-" + UUID.randomUUID();
        post("/api/v1/accounts", "{\"accountId\":\"" + id + "\"}");
        post("/api/v1/accounts/" + id + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"50000\"}");
        // one partition, most likely one poll: good, rejected (no such account) twice, good, rejected, good
        EventEnvelope<?> before = fill(id, "ETHUSDT", Side.BUY, "1", "4000");
        EventEnvelope<?> ghost1 = fill("ghost-" + UUID.randomUUID(), "ETHUSDT", Side.BUY, "5", "4000");
        EventEnvelope<?> ghost2 = fill("ghost-" + UUID.randomUUID(), "ETHUSDT", Side.BUY, "6", "4000");
        EventEnvelope<?> between = fill(id, "ETHUSDT", Side.BUY, "2", "4000");
        EventEnvelope<?> ghost3 = fill("ghost-" + UUID.randomUUID(), "ETHUSDT", Side.BUY, "7", "4000");
        EventEnvelope<?> after = fill(id, "ETHUSDT", Side.BUY, "3", "4000");
        for (EventEnvelope<?> fill : List.of(before, ghost1, ghost2, between, ghost3, after)) {
            kafka.sendAsync(infra.topic("trades.fills"), id, json.encode(fill));
        }
        kafka.flush();

        List<ConsumerRecord<String, byte[]>> dead = kafka.read(infra.topic("trades.fills") + ".dlq", 3, WAIT,
                r -> id.equals(r.key()));
        assertThat(dead).hasSize(3);
        for (ConsumerRecord<String, byte[]> letter : dead) {
            assertThat(KafkaProbe.header(letter, "backstop-dlq-reason")).isEqualTo("rejected_by_consumer");
            assertThat(KafkaProbe.header(letter, "backstop-dlq-field")).isEqualTo("payload.accountId");
        }
        assertThat(dead).extracting(letter -> json.decode(Topic.TRADES_FILLS, "d", letter.value()).eventId())
                .containsExactly(ghost1.eventId(), ghost2.eventId(), ghost3.eventId());
        await().atMost(WAIT).until(() -> inbox.contains(after.eventId()));
        assertThat(inbox.contains(before.eventId())).isTrue();
        assertThat(inbox.contains(between.eventId())).isTrue();
        for (EventEnvelope<?> ghost : List.of(ghost1, ghost2, ghost3)) {
            assertThat(inbox.contains(ghost.eventId())).as("a rejected fill is not recorded").isFalse();
        }
        assertThat(reads.view(id).orElseThrow().positions().get("ETHUSDT").size()).isEqualByComparingTo("6");
    }

    @Test
    void aWithdrawalThatWouldBreachInitialMarginIsRefusedWithTheShortfall() throws Exception {
        String id = leveragedBtcLong("withdraw-" + UUID.randomUUID());
        await().atMost(WAIT).until(() -> reads.risk(id).map(r -> r.priced()).orElse(false));
        assertThat(reads.risk(id).orElseThrow().available()).isEqualByComparingTo("-2000");

        // equity 10,000; initial margin 600,000 / 50 = 12,000 -> nothing can be withdrawn, 2,000 short already
        HttpResponse<String> refused = post("/api/v1/accounts/" + id + "/withdrawals",
                "{\"asset\":\"USDT\",\"amount\":\"500\"}");

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = json.mapper().readTree(refused.body());
        assertThat(problem.get("reason").stringValue()).isEqualTo("REJECTED_INITIAL_MARGIN");
        assertThat(new BigDecimal(problem.get("shortfall").stringValue())).isEqualByComparingTo("2500");
        assertThat(post("/api/v1/accounts/" + id + "/withdrawals", "{\"asset\":\"USDT\",\"amount\":-1}")
                .statusCode()).isEqualTo(400);
    }

    @Test
    void aDepositOrWithdrawalRetriedWithItsIdempotencyKeyIsAppliedOnceAndAKeyReusedForAnotherRequestIsRefused()
            throws Exception {
        String id = "keyed-" + UUID.randomUUID();
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + id + "\"}").statusCode()).isEqualTo(201);
        String deposits = "/api/v1/accounts/" + id + "/deposits";
        String withdrawals = "/api/v1/accounts/" + id + "/withdrawals";

        // a client that timed out sends the same deposit again, several times at once
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                sent.add(clients.submit(() -> keyed(deposits, "{\"asset\":\"USDT\",\"amount\":\"1000\"}", "d-1")));
            }
            int applied = 0;
            for (Future<HttpResponse<String>> answer : sent) {
                JsonNode body = okJson(answer.get());
                applied += body.get("applied").asBoolean() ? 1 : 0;
                assertThat(new BigDecimal(body.get("balance").asString())).isEqualByComparingTo("1000");
            }
            assertThat(applied).as("one of the four applied it, the others were told it was applied before")
                    .isEqualTo(1);
        } finally {
            clients.shutdownNow();
        }
        assertThat(okJson(keyed(deposits, "{\"asset\":\"USDT\",\"amount\":\"1000.00\"}", "d-1"))
                .get("applied").asBoolean()).as("the same amount written otherwise is the same request").isFalse();

        // the key on another request: refused, naming the request it was used for, nothing changes
        HttpResponse<String> reused = keyed(deposits, "{\"asset\":\"USDT\",\"amount\":\"2000\"}", "d-1");
        assertThat(reused.statusCode()).as(reused.body()).isEqualTo(422);
        JsonNode problem = json.mapper().readTree(reused.body());
        assertThat(problem.get("type").asString()).endsWith("/idempotency-key-reused");
        assertThat(problem.get("earlierRequest").asString()).isEqualTo("POST " + deposits + " 1000 USDT");
        assertThat(keyed(withdrawals, "{\"asset\":\"USDT\",\"amount\":\"1000\"}", "d-1").statusCode())
                .isEqualTo(422);

        // a keyed withdrawal, retried
        assertThat(okJson(keyed(withdrawals, "{\"asset\":\"USDT\",\"amount\":\"300\"}", "w-1"))
                .get("applied").asBoolean()).isTrue();
        JsonNode retried = okJson(keyed(withdrawals, "{\"asset\":\"USDT\",\"amount\":\"300\"}", "w-1"));
        assertThat(retried.get("applied").asBoolean()).isFalse();
        assertThat(new BigDecimal(retried.get("balance").asString())).isEqualByComparingTo("700");
        // a refused withdrawal records nothing: its key, retried, is decided again
        assertThat(keyed(withdrawals, "{\"asset\":\"USDT\",\"amount\":\"5000\"}", "w-2").statusCode())
                .isEqualTo(422);
        assertThat(okJson(keyed(deposits, "{\"asset\":\"USDT\",\"amount\":\"4300\"}", "d-2"))
                .get("applied").asBoolean()).isTrue();
        assertThat(okJson(keyed(withdrawals, "{\"asset\":\"USDT\",\"amount\":\"5000\"}", "w-2"))
                .get("applied").asBoolean()).as("accepted now that the balance holds it").isTrue();

        // a key names a request on its account: another account's d-1 is its own; without a key, each is applied
        String other = "keyed-" + UUID.randomUUID();
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + other + "\"}").statusCode()).isEqualTo(201);
        assertThat(okJson(keyed("/api/v1/accounts/" + other + "/deposits",
                "{\"asset\":\"USDT\",\"amount\":\"2000\"}", "d-1")).get("applied").asBoolean()).isTrue();
        for (int i = 0; i < 2; i++) {
            assertThat(okJson(post(deposits, "{\"asset\":\"USDT\",\"amount\":\"1\"}")).get("applied")
                    .asBoolean()).isTrue();
        }

        // bad keys are refused before anything is decided
        HttpResponse<String> blank = keyed(deposits, "{\"asset\":\"USDT\",\"amount\":\"1\"}", " ");
        assertThat(blank.statusCode()).isEqualTo(400);
        assertThat(json.mapper().readTree(blank.body()).get("field").asString()).isEqualTo("Idempotency-Key");
        assertThat(keyed(deposits, "{\"asset\":\"USDT\",\"amount\":\"1\"}", "k".repeat(129)).statusCode())
                .isEqualTo(400);

        // money conserved: every applied request once, nothing else
        assertThat(reads.view(id).orElseThrow().balances().get("USDT")).as("1,000 - 300 + 4,300 - 5,000 + 1 + 1")
                .isEqualByComparingTo("2");
        assertThat(reads.view(other).orElseThrow().balances().get("USDT")).isEqualByComparingTo("2000");
    }

    private HttpResponse<String> keyed(String path, String body, String key) throws Exception {
        return new io.backstop.testkit.HttpProbe(port).post(path, body, "Idempotency-Key", key);
    }

    private JsonNode okJson(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.mapper().readTree(response.body());
    }

    @Test
    void positionSnapshotsGoToTheCompactedTopicForTheAdlQueue() throws Exception {
        String id = leveragedBtcLong("snap-" + UUID.randomUUID());
        sendPrice("BTCUSDT", "61000", PriceStatus.OK);

        // the account's first snapshot may predate its fill (opened and funded first): wait for one with the position
        List<ConsumerRecord<String, byte[]>> snapshots = kafka.read(infra.topic("account.positions"), 1, WAIT,
                r -> id.equals(r.key()) && !((AccountPositionsSnapshotted) json.decode(Topic.ACCOUNT_POSITIONS, "p",
                        r.value()).payload()).positions().isEmpty());
        AccountPositionsSnapshotted snapshot = (AccountPositionsSnapshotted) json.decode(Topic.ACCOUNT_POSITIONS,
                "p", snapshots.get(0).value()).payload();
        assertThat(snapshot.positions()).singleElement().satisfies(p -> assertThat(p.size()).isEqualByComparingTo("10"));
    }

    @Test
    void aRestartedEngineGivesIdenticalRiskAnswers() throws Exception {
        String id = leveragedBtcLong("restart-" + UUID.randomUUID());
        post("/api/v1/accounts/" + id + "/deposits", "{\"asset\":\"BTC\",\"amount\":\"0.5\"}");
        sendPrice("BTC", "60500", PriceStatus.OK);
        sendPrice("BTCUSDT", "60400", PriceStatus.OK);
        await().atMost(WAIT).until(() -> reads.risk(id).map(r -> r.priced()).orElse(false));
        String before = get("/api/v1/accounts/" + id + "/risk").body();

        try (ReplacementEngine replacement = new ReplacementEngine(context)) {
            AccountEngine restarted = replacement.engine;
            AccountReads restartedReads = replacement.reads;
            reads.prices().quote("BTC").ifPresent(restarted::price);
            reads.prices().quote("BTCUSDT").ifPresent(restarted::price);
            restarted.start();
            // a replacement instance takes over the same partitions: their accounts come from PostgreSQL
            AccountReads.Ownership ownership = reads.ownership();
            new PartitionOwnership(restarted, restartedReads, repository)
                    .assign(ownership.partitions(), ownership.partitionCount());
            await().atMost(WAIT).until(() -> restartedReads.risk(id).map(r -> r.priced()).orElse(false));
            assertThat(restartedReads.risk(id)).isEqualTo(reads.risk(id));
            assertThat(restartedReads.view(id).orElseThrow().version())
                    .isEqualTo(reads.view(id).orElseThrow().version());
        }
        assertThat(get("/api/v1/accounts/" + id + "/risk").body().replaceAll("\"time\":\"[^\"]+\"", ""))
                .isEqualTo(before.replaceAll("\"time\":\"[^\"]+\"", ""));
    }

    @Test
    void aCommandTheEngineDoesNotCommitInTimeIsRefusedAsBusyNotFailed() {
        // an engine not running yet stands for one busy with a takeover: the command waits its limit, then is refused
        AccountEngine idle = new ReplacementEngine(context).engine;

        assertThatThrownBy(() -> idle.call(batch -> null, Duration.ofMillis(200)))
                .isInstanceOfSatisfying(io.backstop.margin.engine.EngineBusy.class, busy -> {
                    assertThat(busy.retryAfter()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(busy).hasMessageContaining("did not commit within PT0.2S (1 changes queued)");
                });
    }

    // ---------------------------------------------------------------------------------------------

    private List<MarginCallIssued> calls(String accountId, int atLeast) {
        return kafka.read(infra.topic("margin.calls"), atLeast, atLeast == 1 ? WAIT : Duration.ofSeconds(3),
                        r -> accountId.equals(r.key())).stream()
                .map(r -> (MarginCallIssued) json.decode(Topic.MARGIN_CALLS, "c", r.value()).payload()).toList();
    }

    private List<UUID> callIds(String accountId, int atLeast) {
        return kafka.read(infra.topic("margin.calls"), atLeast, atLeast == 1 ? WAIT : Duration.ofSeconds(3),
                r -> accountId.equals(r.key())).stream()
                .map(r -> json.decode(Topic.MARGIN_CALLS, "c", r.value()).eventId()).toList();
    }

    /** The account's cross scope as the risk API states it. */
    private JsonNode scope(String accountId) throws Exception {
        return getJson("/api/v1/accounts/" + accountId + "/risk").get("scopes").get(0);
    }

    /** What liquidation-service publishes when the call's liquidation ends (on the fills' topic and partition). */
    private EventEnvelope<?> sendEnd(String accountId, UUID call, LiquidationOutcome outcome, List<String> fills,
                                     List<ShortfallHandedOver> shortfalls) {
        EventEnvelope<?> end = EventEnvelope.of(new LiquidationEnded(UUID.randomUUID(), call, accountId, "CROSS",
                outcome, fills, shortfalls), Instant.now(), null, null);
        kafka.send(infra.topic("liquidation.fills"), accountId, json.encode(end));
        return end;
    }

    private void sendPrice(String symbol, String price, PriceStatus status) {
        BigDecimal p = new BigDecimal(price);
        Instant now = Instant.now();
        EventEnvelope<?> event = EventEnvelope.of(new OraclePricePublished(symbol, p, p, p, BigDecimal.ZERO, status,
                null, List.of(), now, now), now, null, SEQUENCE.incrementAndGet());
        kafka.send(infra.topic("oracle.prices"), symbol, json.encode(event));
    }

    private void sendFill(String accountId, String symbol, Side side, String quantity, String price) {
        kafka.send(infra.topic("trades.fills"), accountId, json.encode(fill(accountId, symbol, side, quantity, price)));
    }

    private static EventEnvelope<?> fill(String accountId, String symbol, Side side, String quantity, String price) {
        return EventEnvelope.of(new TradeFilled(UUID.randomUUID().toString(), accountId, symbol, side,
                new BigDecimal(quantity), new BigDecimal(price), BigDecimal.ZERO, "USDT", MarginMode.CROSS, null),
                Instant.now(), null, null);
    }

    private String metrics() throws Exception {
        return get("/actuator/prometheus").body();
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.mapper().readTree(response.body());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return new io.backstop.testkit.HttpProbe(port).get(path);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return new io.backstop.testkit.HttpProbe(port).post(path, body);
    }
}
