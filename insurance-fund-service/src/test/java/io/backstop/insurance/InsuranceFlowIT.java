package io.backstop.insurance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.Topic;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.json.EventJson;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationFeeCollected;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.PositionMark;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.testkit.HttpProbe;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import tools.jackson.databind.JsonNode;

/**
 * Shortfalls through the waterfall with real Kafka and PostgreSQL: ranked ADL (the published example),
 * a takeover and its unwinding against a test double of the exchange, a socialized deficit, the
 * guarantee, fees, duplicates and a rejected shortfall; the ledger check clean after each. Each test
 * has a fund group of its own so their balances do not mix.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.insurance.groups.empty.symbols=XADLUSDT",
        "backstop.insurance.groups.rich.symbols=XTAKEUSDT",
        "backstop.insurance.groups.social.symbols=XSOCUSDT",
        "backstop.insurance.groups.guarded.symbols=XGRDUSDT",
        "backstop.insurance.groups.guarded.guarantee-open-interest-limit=1000000000000",
        "backstop.insurance.groups.thin.symbols=XTHINUSDT",
        "backstop.insurance.groups.dup.symbols=XDUPUSDT",
        "backstop.insurance.groups.slow.symbols=XSLOWUSDT",
        "backstop.insurance.groups.ranked.symbols=XRANKUSDT,XRNKSUSDT,XRNKNUSDT",
        "backstop.insurance.groups.drained.symbols=XEXHUSDT",
        "backstop.insurance.groups.backlog.symbols=XBKLUSDT",
        "backstop.insurance.unwind.interval=300ms", "backstop.insurance.unwind.order-timeout=2s"})
@RealInfrastructure
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InsuranceFlowIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicLong SEQUENCE = new AtomicLong(System.currentTimeMillis());

    @Autowired
    TestInfrastructure infra;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;
    @Autowired
    KafkaListenerEndpointRegistry listeners;
    @Autowired
    io.backstop.insurance.engine.LedgerWatch ledgerWatch;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;
    private HttpProbe http;

    @BeforeAll
    void start() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
        http = new HttpProbe(port);
    }

    @AfterAll
    void stop() {
        kafka.close();
    }

    @AfterEach
    void ledgerIsClean() throws Exception {
        JsonNode check = json.mapper().readTree(http.get("/api/v1/ledger/check").body());
        assertThat(check.get("differences").size()).as(check.toString()).isZero();
        assertThat(check.get("clean").asBoolean()).isTrue();
    }

    @Test
    void publishedExampleAnEmptyFundDeleveragesTheRankSixLongFullyAndTheRankFiveLongByTen() throws Exception {
        String symbol = "XADLUSDT";
        sendPrice(symbol, "650");
        // six longs, sizes 10, 10, 20, 30, 20, 10, equal uPnL 300 at 650 and margin ratios making their
        // ranks 3, 6, 1, 4, 5, 2 (higher = deleveraged first)
        String run = UUID.randomUUID().toString().substring(0, 8);
        String[] sizes = {"10", "10", "20", "30", "20", "10"};
        String[] ratios = {"0.3", "0.6", "0.1", "0.4", "0.5", "0.2"};
        for (int i = 0; i < 6; i++) {
            BigDecimal size = new BigDecimal(sizes[i]);
            BigDecimal entry = new BigDecimal("650").subtract(new BigDecimal("300").divide(size));
            snapshot("L" + (i + 1) + "-" + run, "1000", ratios[i], position(symbol, size, entry, "650"));
        }
        String bankrupt = "B-" + run;
        snapshot(bankrupt, "0", null, position(symbol, new BigDecimal("-20"), new BigDecimal("600"), "650"));
        awaitStored("L6-" + run);
        awaitStored(bankrupt);

        EventEnvelope<LiquidationShortfallRaised> shortfall = shortfall(bankrupt, symbol, PositionSide.SHORT, "20",
                "650", "650", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall));

        // requests to margin-service, the owner of the positions: the rank-6 long for all its 10, the rank-5 for 10
        UUID shortfallId = shortfall.payload().shortfallId();
        List<EventEnvelope<?>> requests = adlOf(shortfallId, 2);
        List<PositionAutoDeleveraged> adl = requests.stream().map(e -> (PositionAutoDeleveraged) e.payload())
                .sorted(java.util.Comparator.comparing(PositionAutoDeleveraged::rank)).toList();
        assertThat(adl).extracting(PositionAutoDeleveraged::accountId).containsExactly("L2-" + run, "L5-" + run);
        assertThat(adl).extracting(PositionAutoDeleveraged::rank).containsExactly(1, 2);
        assertThat(adl).allSatisfy(a -> {
            assertThat(a.quantity()).isEqualByComparingTo("10");
            assertThat(a.price()).isEqualByComparingTo("650");
            assertThat(a.side()).isEqualTo(Side.SELL);
            assertThat(a.counterpartyAccountId()).isEqualTo(bankrupt);
        });

        // one waterfall, and one reading of the longs' head for it, on the fund's meters
        assertThat(meters.get("backstop.insurance.waterfalls").tag("symbol", symbol).counter().count()).isEqualTo(1);
        assertThat(meters.get("backstop.insurance.adl.side.reads").tag("symbol", symbol).tag("side", "long").timer()
                .count()).isEqualTo(1);
        assertThat(meters.find("backstop.insurance.adl.side.reads").tag("symbol", symbol).tag("side", "short")
                .timer()).isNull();

        JsonNode waterfall = json.mapper().readTree(http.get("/api/v1/waterfall/" + shortfallId).body());
        assertThat(waterfall.get("takenOver").asString()).isEqualTo("0");
        assertThat(waterfall.get("adl").get(0).get("accountId").asString()).isEqualTo("L2-" + run);
        assertThat(waterfall.get("adl").get(1).get("positionBefore").asString()).isEqualTo("20");
        assertThat(waterfall.get("steps").toString()).contains("takeover: none").contains("adl: rank 2 L5-" + run);

        // margin (played by the test) closes all of L2's 10, and publishes L2 flat and L5 untouched yet
        EventEnvelope<?> toL2 = requests.stream().filter(e -> ("L2-" + run).equals(e.payload().key())).findFirst()
                .orElseThrow();
        EventEnvelope<?> toL5 = requests.stream().filter(e -> ("L5-" + run).equals(e.payload().key())).findFirst()
                .orElseThrow();
        settle(toL2, "10");
        BigDecimal entry5 = new BigDecimal("635");
        snapshot("L2-" + run, "1300", "0.6", (PositionMark) null);
        snapshot("L5-" + run, "1000", "0.5", position(symbol, new BigDecimal("20"), entry5, "650"));
        await().atMost(WAIT).until(() -> storedPositions("L2-" + run) == 0);

        // L5 sold 15 of its 20 meanwhile: margin closes the 5 left and refuses 5, which the fund plans again without
        // L5: the queue's first is now L4 (L2 is flat)
        snapshot("L5-" + run, "1000", "0.5", position(symbol, new BigDecimal("5"), entry5, "650"));
        // stored before margin's answer arrives: the answer is newer than what the fund holds of L5
        await().atMost(WAIT).until(() -> storedSize("L5-" + run, symbol).compareTo(new BigDecimal("5")) == 0);
        EventEnvelope<AdlLegSettled> partly = settle(toL5, "5");
        List<EventEnvelope<?>> replanned = await().atMost(WAIT).until(() -> adlOf(shortfallId, 3, Duration.ofSeconds(1))
                .stream().filter(e -> partly.eventId().equals(e.causationId())).toList(), l -> !l.isEmpty());
        assertThat(replanned).singleElement().satisfies(e -> {
            PositionAutoDeleveraged again = (PositionAutoDeleveraged) e.payload();
            assertThat(again.accountId()).isEqualTo("L4-" + run);
            assertThat(again.quantity()).isEqualByComparingTo("5");
            assertThat(again.counterpartyAccountId()).isEqualTo(bankrupt);
            assertThat(again.rank()).isEqualTo(1);
        });
        settle(replanned.get(0), "5");
        await().atMost(WAIT).until(() -> ledgerTransactionsCausedBy(shortfallId) + adlBooked(shortfallId) == 3);

        // every contract moved once: the bankrupt short of 20 closed against L2 (10), L5 (5) and L4 (5)
        assertThat(moved("account:" + bankrupt, symbol)).isEqualByComparingTo("20");
        assertThat(moved("account:L2-" + run, symbol)).isEqualByComparingTo("-10");
        assertThat(moved("account:L5-" + run, symbol)).isEqualByComparingTo("-5");
        assertThat(moved("account:L4-" + run, symbol)).isEqualByComparingTo("-5");
        JsonNode settled = json.mapper().readTree(http.get("/api/v1/waterfall/" + shortfallId).body()).get("settlements");
        assertThat(settled.findValuesAsString("accountId")).containsExactly("L2-" + run, "L5-" + run, "L4-" + run);
        assertThat(settled.get(1).get("steps").toString()).contains("refused").contains("adl: rank 1 L4-" + run);

        // the queue as the ADL step walks it: L2 is gone; L5's snapshot still shows 5, but margin answered that it
        // closed them (5 of the 10 asked), so the queue passes over L5 as the waterfall does, and counts it nowhere
        // (L4 still shows its 30: margin has not published it since)
        JsonNode queue = json.mapper().readTree(http.get("/api/v1/adl/" + symbol + "/queue?side=LONG").body());
        JsonNode entries = queue.get("long").get("entries");
        assertThat(entries.findValuesAsString("accountId")).containsExactly("L4-" + run, "L1-" + run, "L6-" + run,
                "L3-" + run);
        assertThat(queue.get("long").get("positions").asLong()).isEqualTo(4);
        assertThat(entries.findValues("indicator").stream().map(JsonNode::asInt).toList()).containsExactly(4, 3, 2, 1);

        // a newer snapshot of L5 holding 5 (it bought them back): in the queue again, a quarter of its first uPnL and
        // of its score (0.0375), behind L6, once the page's head of the side is read again (at most 5 s later)
        snapshot("L5-" + run, "1000", "0.5", position(symbol, new BigDecimal("5"), entry5, "650"));
        JsonNode back = await().atMost(WAIT).until(() -> json.mapper().readTree(http.get("/api/v1/adl/" + symbol
                + "/queue?side=LONG").body()).get("long"), side -> side.get("positions").asLong() == 5);
        entries = back.get("entries");
        assertThat(entries.findValuesAsString("accountId")).containsExactly("L4-" + run, "L1-" + run, "L6-" + run,
                "L5-" + run, "L3-" + run);
        assertThat(new BigDecimal(entries.get(3).get("size").asString())).isEqualByComparingTo("5");
        assertThat(new BigDecimal(entries.get(3).get("score").asString())).isEqualByComparingTo("0.0375");
        assertThat(entries.findValues("indicator").stream().map(JsonNode::asInt).toList()).containsExactly(4, 3, 2, 1, 0);

        // the same shortfall and the same answer again change nothing: a fee sent after them on the same partitions
        // is applied, and still three ADL requests and one set of ledger transactions for the shortfall
        long transactions = ledgerTransactionsCausedBy(shortfallId) + adlBooked(shortfallId);
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall));
        kafka.send(infra.topic("adl.settlements"), bankrupt, json.encode(partly));
        EventEnvelope<LiquidationFeeCollected> fee = EventEnvelope.of(new LiquidationFeeCollected(UUID.randomUUID(),
                "t-" + run, "L1-" + run, symbol, new BigDecimal("1.25"), "USDT"), Instant.now(), null, null);
        kafka.send(infra.topic("insurance.contributions"), symbol, json.encode(fee));
        await().atMost(WAIT).until(() -> ledgerTransactionsCausedBy(fee.eventId()) == 1);
        await().atMost(WAIT).until(() -> duplicates("adl.settlements") >= 1);
        assertThat(fundBalance("empty")).isEqualByComparingTo("1.25");
        assertThat(ledgerTransactionsCausedBy(shortfallId) + adlBooked(shortfallId)).isEqualTo(transactions);
        assertThat(adlOf(shortfallId, 4, Duration.ofSeconds(2))).hasSize(3);
        // still one waterfall; the side was read again once, by the transaction that planned L5's refused 5 again
        assertThat(meters.get("backstop.insurance.waterfalls").tag("symbol", symbol).counter().count()).isEqualTo(1);
        Timer reads = meters.get("backstop.insurance.adl.side.reads").tag("symbol", symbol).tag("side", "long").timer();
        assertThat(reads.count()).isEqualTo(2);
        assertThat(reads.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    }

    /**
     * A backlog on the waterfall's topics is taken in polls of up to {@code backstop.insurance.waterfall-poll-records}
     * (5,000), not the kit's 500: a poll's shortfalls share each reading of an ADL side, so fuller polls work a deep
     * backlog off with fewer of them. 1,200 fees wait while the waterfall's consumer is stopped; started again, it
     * books them in fewer transactions than the kit's polls of 500 could (three), every cent conserved.
     */
    @Test
    void aBacklogOfTheWaterfallsTopicsIsTakenInPollsLargerThanTheKitsDefault() throws Exception {
        String symbol = "XBKLUSDT";
        String payers = "BKL-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        MessageListenerContainer waterfall = listeners.getAllListenerContainers().stream()
                .filter(c -> List.of(c.getContainerProperties().getTopics()).contains(
                        infra.topic("insurance.contributions")))
                .findFirst().orElseThrow();
        DistributionSummary polls = meters.summary("backstop.inbox.transaction.events", "topic",
                "insurance.contributions");
        long transactionsBefore = polls.count();
        double eventsBefore = polls.totalAmount();
        int fees = 1_200;
        waterfall.stop();
        try {
            for (int i = 0; i < fees; i++) {
                EventEnvelope<LiquidationFeeCollected> fee = EventEnvelope.of(new LiquidationFeeCollected(
                        UUID.randomUUID(), "t-" + i, payers + i, symbol, new BigDecimal("0.01"), "USDT"), Instant.now(),
                        null, null);
                kafka.sendAsync(infra.topic("insurance.contributions"), symbol, json.encode(fee));
            }
            kafka.flush();
        } finally {
            waterfall.start();
        }
        await().atMost(WAIT).until(() -> fundBalance("backlog").compareTo(new BigDecimal("12")) == 0);
        assertThat(polls.totalAmount() - eventsBefore).isEqualTo(fees);
        assertThat(polls.count() - transactionsBefore).as("consuming transactions for %d fees", fees)
                .isBetween(1L, 2L);
        // the money moved from the 1,200 payers into the fund, to the cent
        assertThat(jdbc.queryForObject("SELECT coalesce(sum(amount), 0) FROM ledger_posting WHERE account LIKE ?"
                + " AND asset = 'USDT'", BigDecimal.class, "account:" + payers + "%")).isEqualByComparingTo("-12");
    }

    /**
     * margin-service publishes no snapshot of an account it cannot price (a missing price): a position it answered it
     * closed in full stays in the fund's queue. The fund asks it nothing more on the symbol until a newer snapshot of
     * the account arrives, instead of asking it again for every later shortfall.
     */
    @Test
    void aPositionMarginAnsweredItClosedIsNotAskedAgainUntilANewerSnapshotOfItsAccount() throws Exception {
        String symbol = "XEXHUSDT";
        sendPrice(symbol, "650");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String first = "A-" + run;
        String second = "B-" + run;
        snapshot(first, "1000", "0.1", position(symbol, BigDecimal.TEN, new BigDecimal("600"), "650")); // uPnL 500
        snapshot(second, "1000", "0.1", position(symbol, BigDecimal.TEN, new BigDecimal("640"), "650")); // uPnL 100
        awaitStored(first);
        awaitStored(second);

        // the queue's first (A, 10 as margin last published it) is asked 5; margin holds only 2 of it: 3 refused, planned
        // again on B
        EventEnvelope<LiquidationShortfallRaised> one = shortfall("S1-" + run, symbol, PositionSide.SHORT, "5", "650",
                "650", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(one));
        EventEnvelope<?> toFirst = adlOf(one.payload().shortfallId(), 1).get(0);
        assertThat(((PositionAutoDeleveraged) toFirst.payload()).accountId()).isEqualTo(first);

        // before margin answers, a shortfall of 8: A is asked only the 5 nobody has asked yet, B the other 3
        EventEnvelope<LiquidationShortfallRaised> meanwhile = shortfall("S0-" + run, symbol, PositionSide.SHORT, "8",
                "650", "650", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(meanwhile));
        List<EventEnvelope<?>> split = adlOf(meanwhile.payload().shortfallId(), 2);
        assertThat(split).extracting(
                e -> ((PositionAutoDeleveraged) e.payload()).accountId(),
                e -> ((PositionAutoDeleveraged) e.payload()).quantity().stripTrailingZeros().toPlainString())
                .containsExactlyInAnyOrder(tuple(first, "5"), tuple(second, "3"));

        EventEnvelope<AdlLegSettled> partly = settle(toFirst, "2");
        List<EventEnvelope<?>> replanned = await().atMost(WAIT).until(() -> adlOf(one.payload().shortfallId(), 2,
                Duration.ofSeconds(1)).stream().filter(e -> partly.eventId().equals(e.causationId())).toList(),
                l -> !l.isEmpty());
        assertThat(replanned).extracting(e -> ((PositionAutoDeleveraged) e.payload()).accountId())
                .containsExactly(second);
        assertThat(storedSize(first, symbol)).as("no newer snapshot of A").isEqualByComparingTo("10");

        // the next shortfall passes over A, whose stored 10 margin said it no longer holds; of B's 10, 6 are asked and
        // not answered yet: it takes the 4 left
        EventEnvelope<LiquidationShortfallRaised> two = shortfall("S2-" + run, symbol, PositionSide.SHORT, "4", "650",
                "650", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(two));
        assertThat(adlOf(two.payload().shortfallId(), 1)).singleElement().satisfies(e -> {
            PositionAutoDeleveraged asked = (PositionAutoDeleveraged) e.payload();
            assertThat(asked.accountId()).isEqualTo(second);
            assertThat(asked.rank()).as("A is out of the queue for it").isEqualTo(1);
            assertThat(asked.quantity()).isEqualByComparingTo("4");
        });

        // margin answers the meanwhile shortfall's legs: B's 3 closed, A's 5 refused (it held nothing more)
        for (EventEnvelope<?> leg : split) {
            boolean toA = first.equals(((PositionAutoDeleveraged) leg.payload()).accountId());
            EventEnvelope<AdlLegSettled> answer = settle(leg, toA ? "0" : "3");
            await().atMost(WAIT).until(() -> jdbc.queryForObject("SELECT count(*) FROM adl_settlement WHERE event_id = ?",
                    Integer.class, answer.eventId()) == 1);
        }

        // A trades again: margin's newer snapshot shows 4, nothing asked of it waits for an answer: A is first again
        snapshot(first, "1000", "0.1", position(symbol, new BigDecimal("4"), new BigDecimal("600"), "650"));
        await().atMost(WAIT).until(() -> storedSize(first, symbol).compareTo(new BigDecimal("4")) == 0);
        EventEnvelope<LiquidationShortfallRaised> three = shortfall("S3-" + run, symbol, PositionSide.SHORT, "1", "650",
                "650", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(three));
        assertThat(adlOf(three.payload().shortfallId(), 1)).extracting(e -> ((PositionAutoDeleveraged) e.payload())
                .accountId()).containsExactly(first);

        // what margin closed of A is booked once: 2 of the 5 asked
        await().atMost(WAIT).until(() -> adlBooked(one.payload().shortfallId()) == 1);
        assertThat(moved("account:" + first, symbol)).isEqualByComparingTo("-2");
        assertThat(moved("account:S1-" + run, symbol)).isEqualByComparingTo("2");
    }

    /**
     * A trader's own ADL indicator is its place on the queues the operators see: eight longs on one symbol (the
     * trader's fifth, behind a tie it loses on size: indicator 2) and four shorts on another (second: indicator 3),
     * each figure the same as the queue endpoint's for that account. Another trader may not read it; an account the
     * fund knows nothing of (or only on a symbol no fund covers) is a 404, one holding a symbol without a mark a 503.
     */
    @Test
    void aTradersAdlIndicatorIsItsPlaceOnTheQueuesTheOperatorsSee() throws Exception {
        String longs = "XRANKUSDT";
        String shorts = "XRNKSUSDT";
        String unpriced = "XRNKNUSDT";
        sendPrice(longs, "100");
        sendPrice(shorts, "50");
        String run = UUID.randomUUID().toString().substring(0, 8);
        // BINANCE: score = uPnL / wallet x margin ratio; wallets 1000, ratios 0.5: 0.05, 0.025, 0.1, 0.005, 0, 0.075, 0.01
        String[] longEntries = {"90", "95", "80", "99", "110", "85", "98"};
        for (int i = 0; i < longEntries.length; i++) {
            snapshot("L" + i + "-" + run, "1000", "0.5", position(longs, new BigDecimal("10"),
                    new BigDecimal(longEntries[i]), "100"));
        }
        // 0.05, 0.01, 0
        String[] shortEntries = {"60", "52", "45"};
        for (int i = 0; i < shortEntries.length; i++) {
            snapshot("S" + i + "-" + run, "1000", "0.5", position(shorts, new BigDecimal("-10"),
                    new BigDecimal(shortEntries[i]), "50"));
        }
        // the trader: long 5 from 90 (uPnL 50, score 0.025 as L1's, which is larger), short 4 from 60 (40: 0.02)
        String trader = "T-" + run;
        snapshot(trader, "1000", "0.5", List.of(position(longs, new BigDecimal("5"), new BigDecimal("90"), "100"),
                position(shorts, new BigDecimal("-4"), new BigDecimal("60"), "50")));
        String withoutMark = "U-" + run;
        snapshot(withoutMark, "1000", "0.5", List.of(position(longs, new BigDecimal("1"), new BigDecimal("90"), "100"),
                position(unpriced, new BigDecimal("1"), new BigDecimal("90"), "100")));
        String uncovered = "V-" + run;
        snapshot(uncovered, "1000", "0.5", List.of(position("XNOFUNDUSDT", new BigDecimal("1"), new BigDecimal("90"),
                "100")));
        for (String account : List.of("L6-" + run, "S2-" + run, trader, withoutMark, uncovered)) {
            awaitStored(account);
        }
        await().atMost(WAIT).until(() -> http.get("/api/v1/adl/" + longs + "/queue").statusCode() == 200
                && http.get("/api/v1/adl/" + shorts + "/queue").statusCode() == 200);

        HttpProbe asTrader = http.as(io.backstop.testkit.TestTokens.trader(trader));
        var own = asTrader.get("/api/v1/adl/accounts/" + trader);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        JsonNode mine = json.mapper().readTree(own.body());
        assertThat(mine.get("accountId").asString()).isEqualTo(trader);
        assertThat(mine.get("ranking").asString()).isEqualTo("BINANCE");
        JsonNode standings = mine.get("positions");
        assertThat(standings.findValuesAsString("symbol")).containsExactly(longs, shorts);
        assertThat(standings.findValuesAsString("side")).containsExactly("LONG", "SHORT");
        assertThat(standings.findValues("rank").stream().map(JsonNode::asInt).toList()).containsExactly(5, 2);
        assertThat(standings.findValues("sidePositions").stream().map(JsonNode::asLong).toList())
                .containsExactly(9L, 4L);
        assertThat(standings.findValues("indicator").stream().map(JsonNode::asInt).toList()).containsExactly(2, 3);
        assertThat(new BigDecimal(standings.get(0).get("score").asString())).isEqualByComparingTo("0.025");
        assertThat(new BigDecimal(standings.get(1).get("unrealizedPnl").asString())).isEqualByComparingTo("40");
        assertThat(new BigDecimal(standings.get(1).get("markPrice").asString())).isEqualByComparingTo("50");
        // ... and what the operators' queue says of the same account, figure by figure
        for (JsonNode standing : standings) {
            String side = standing.get("side").asString();
            JsonNode queue = json.mapper().readTree(http.get("/api/v1/adl/" + standing.get("symbol").asString()
                    + "/queue?side=" + side + "&limit=1000").body());
            JsonNode ofSide = queue.get(side.toLowerCase(java.util.Locale.ROOT));
            JsonNode entry = java.util.stream.StreamSupport.stream(ofSide.get("entries").spliterator(), false)
                    .filter(e -> e.get("accountId").asString().equals(trader)).findFirst().orElseThrow();
            for (String field : List.of("rank", "indicator", "score", "size", "entryPrice", "unrealizedPnl")) {
                assertThat(standing.get(field)).as(side + " " + field).isEqualTo(entry.get(field));
            }
            assertThat(standing.get("sidePositions").asLong()).isEqualTo(ofSide.get("positions").asLong());
            assertThat(standing.get("markPrice")).isEqualTo(queue.get("markPrice"));
        }
        // an operator reads any account's; another trader may not
        assertThat(http.as(io.backstop.testkit.TestTokens.of(io.backstop.events.auth.Role.OPERATOR))
                .get("/api/v1/adl/accounts/" + trader).body()).isEqualTo(own.body());
        assertThat(http.as(io.backstop.testkit.TestTokens.trader(withoutMark)).get("/api/v1/adl/accounts/" + trader)
                .statusCode()).isEqualTo(403);

        var noMark = http.as(io.backstop.testkit.TestTokens.trader(withoutMark)).get("/api/v1/adl/accounts/"
                + withoutMark);
        assertThat(noMark.statusCode()).isEqualTo(503);
        assertThat(noMark.body()).contains("no mark price of " + unpriced);
        for (String nobody : List.of(uncovered, "nobody-" + run)) {
            var none = http.as(io.backstop.testkit.TestTokens.trader(nobody)).get("/api/v1/adl/accounts/" + nobody);
            assertThat(none.statusCode()).isEqualTo(404);
            assertThat(none.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(none.body()).contains("knows no position of account '" + nobody + "'");
        }
    }

    @Test
    void aFundWithCapacityTakesTheRemainderOverAndUnwindsItThroughTheExchange() throws Exception {
        String symbol = "XTAKEUSDT";
        sendPrice(symbol, "100");
        String key = UUID.randomUUID().toString();
        var deposit = http.post("/api/v1/fund/rich/deposits", "{\"amount\":\"100000\",\"idempotencyKey\":\"" + key + "\"}");
        assertThat(deposit.statusCode()).as(deposit.body()).isEqualTo(201);
        var again = http.post("/api/v1/fund/rich/deposits", "{\"amount\":\"100000\",\"idempotencyKey\":\"" + key + "\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json.mapper().readTree(again.body()).get("applied").asBoolean()).isFalse();
        assertThat(fundBalance("rich")).isEqualByComparingTo("100000");

        String account = "T-" + UUID.randomUUID();
        EventEnvelope<LiquidationShortfallRaised> shortfall = shortfall(account, symbol, PositionSide.LONG, "50", "101",
                "100", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall));

        PositionTakenOver takeover = takeoverOf(account);
        assertThat(takeover.fundGroup()).isEqualTo("rich");
        assertThat(takeover.quantity()).isEqualByComparingTo("50");
        assertThat(takeover.price()).isEqualByComparingTo("101");
        assertThat(takeover.positionSide()).isEqualTo(PositionSide.LONG);

        // the fund unwinds: an IOC sell of its 50 near the mark; the exchange fills 30 @ 99.8 and 20 @ 99.6
        LiquidationOrderPlaced order = fundOrder(symbol);
        assertThat(order.side()).isEqualTo(Side.SELL);
        assertThat(order.quantity()).isEqualByComparingTo("50");
        assertThat(order.limitPrice()).isEqualByComparingTo("99.5");
        EventEnvelope<LiquidationOrderExecuted> execution = EventEnvelope.of(new LiquidationOrderExecuted(order.orderId(),
                order.liquidationId(), symbol, Side.SELL, List.of(new ExecutionFill("u-1", new BigDecimal("99.8"),
                new BigDecimal("30")), new ExecutionFill("u-2", new BigDecimal("99.6"), new BigDecimal("20"))),
                BigDecimal.ZERO), Instant.now(), order.orderId(), null);
        kafka.send(infra.topic("liquidation.executions"), execution.key(), json.encode(execution));
        kafka.send(infra.topic("liquidation.executions"), execution.key(), json.encode(execution)); // delivered twice

        // PnL 30 x (99.8 - 101) + 20 x (99.6 - 101) = -64, once
        await().atMost(WAIT).until(() -> fundBalance("rich").compareTo(new BigDecimal("99936")) == 0);
        JsonNode fund = json.mapper().readTree(http.get("/api/v1/fund/rich").body());
        assertThat(fund.get("fund").get("inherited").size()).isZero();
        assertThat(fund.get("history").toString()).contains("UNWIND", "DEPOSIT");
        Thread.sleep(1000); // the duplicate and further unwinder runs change nothing
        assertThat(fundBalance("rich")).isEqualByComparingTo("99936");
    }

    /**
     * An unwinding order the exchange never answered would block the symbol's unwinding for good: after the order
     * timeout the fund asks the exchange what became of it, and the exchange's answer (here: never received, the
     * whole quantity cancelled) closes the order and the next slice goes out.
     */
    @Test
    void anUnwindingOrderTheExchangeNeverAnsweredIsAskedAboutAndItsAnswerLetsTheNextSliceGoOut() throws Exception {
        String symbol = "XSLOWUSDT";
        sendPrice(symbol, "100");
        String run = UUID.randomUUID().toString().substring(0, 8);
        assertThat(http.post("/api/v1/fund/slow/deposits", "{\"amount\":\"100000\",\"idempotencyKey\":\"" + run
                + "\"}").statusCode()).isEqualTo(201);
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall("L-" + run, symbol,
                PositionSide.LONG, "10", "101", "100", "0")));
        LiquidationOrderPlaced unanswered = fundOrder(symbol);

        LiquidationOrderStatusRequested asked = (LiquidationOrderStatusRequested) json.decode(Topic.LIQUIDATION_ORDERS,
                symbol, kafka.read(infra.topic("liquidation.orders"), 1, WAIT, r -> json.decode(
                        Topic.LIQUIDATION_ORDERS, r.key(), r.value()).payload() instanceof LiquidationOrderStatusRequested q
                        && q.orderId().equals(unanswered.orderId())).get(0).value()).payload();
        assertThat(asked.attempt()).isEqualTo(1);
        assertThat(asked.owner()).isEqualTo(OrderOwner.INSURANCE_FUND);
        assertThat(asked.liquidationId()).isEqualTo(unanswered.liquidationId());
        assertThat(asked.side()).isEqualTo(unanswered.side());
        assertThat(asked.quantity()).isEqualByComparingTo(unanswered.quantity());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM fund_order WHERE group_name = 'slow'", Integer.class))
                .as("no further slice while the order is open").isEqualTo(1);

        // the exchange never received it: it cancels the whole quantity
        EventEnvelope<LiquidationOrderExecuted> cancel = EventEnvelope.causedBy(unanswered.orderId(), "execution",
                new LiquidationOrderExecuted(unanswered.orderId(), unanswered.liquidationId(), symbol,
                        unanswered.side(), List.of(), unanswered.quantity()), Instant.now(), null);
        kafka.send(infra.topic("liquidation.executions"), cancel.key(), json.encode(cancel));

        await("the next slice placed").atMost(WAIT).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM fund_order WHERE group_name = 'slow'", Integer.class) == 2);
        Map<String, Object> first = jdbc.queryForMap("SELECT status, filled, status_requests FROM fund_order"
                + " WHERE id = ?", unanswered.orderId());
        assertThat(first.get("status")).isEqualTo("DONE");
        assertThat((BigDecimal) first.get("filled")).isEqualByComparingTo("0");
        assertThat((Integer) first.get("status_requests")).isGreaterThanOrEqualTo(1);
        assertThat(fundBalance("slow")).as("nothing traded, nothing booked but the takeover")
                .isEqualByComparingTo("100000");
        assertThat(meters.get("backstop.insurance.orders.status.requests").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anUnwindingLossBeyondTheFundsMoneyIsSocializedBackToZero() throws Exception {
        String symbol = "XTHINUSDT";
        sendPrice(symbol, "100");
        String run = UUID.randomUUID().toString().substring(0, 8);
        // a short in profit at 100: the base a negative fund is socialized over
        snapshot("S-" + run, "500", "0.1", position(symbol, new BigDecimal("-1"), new BigDecimal("150"), "100"));
        awaitStored("S-" + run);
        assertThat(http.post("/api/v1/fund/thin/deposits", "{\"amount\":\"1000\",\"idempotencyKey\":\"" + run + "\"}")
                .statusCode()).isEqualTo(201);
        // the mark went far past bankruptcy: the fund takes 10 at 200 while they are worth 100 (capacity 1,000 at mark)
        String account = "W-" + run;
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall(account, symbol,
                PositionSide.LONG, "10", "200", "100", "0")));
        LiquidationOrderPlaced order = fundOrder(symbol);
        assertThat(order.quantity()).isEqualByComparingTo("10");
        // sold at 99.5: PnL 10 x (99.5 - 200) = -1,005 against a balance of 1,000
        EventEnvelope<LiquidationOrderExecuted> execution = EventEnvelope.of(new LiquidationOrderExecuted(
                order.orderId(), order.liquidationId(), symbol, Side.SELL, List.of(new ExecutionFill("w-1",
                new BigDecimal("99.5"), new BigDecimal("10"))), BigDecimal.ZERO), Instant.now(), order.orderId(), null);
        kafka.send(infra.topic("liquidation.executions"), execution.key(), json.encode(execution));

        LossSocialized loss = (LossSocialized) json.decode(Topic.LOSS_SOCIALIZED, "S-" + run,
                kafka.read(infra.topic("loss.socialized"), 1, WAIT, r -> ("S-" + run).equals(r.key())).get(0).value())
                .payload();
        assertThat(loss.amount()).isEqualByComparingTo("5");
        await().atMost(WAIT).until(() -> fundBalance("thin").signum() == 0);
        JsonNode fund = json.mapper().readTree(http.get("/api/v1/fund/thin").body());
        assertThat(fund.get("history").findValuesAsString("kind")).contains("SOCIALIZED_LOSS", "UNWIND", "TAKEOVER",
                "DEPOSIT");
        // the dashboards' compacted topic carries the fund's state, the last one at zero
        List<ConsumerRecord<String, byte[]>> updates = kafka.read(infra.topic("insurance.fund"), 3, WAIT,
                r -> "thin".equals(r.key()));
        io.backstop.events.insurance.InsuranceFundUpdated last = (io.backstop.events.insurance.InsuranceFundUpdated)
                json.decode(Topic.INSURANCE_FUND, "thin", updates.get(updates.size() - 1).value()).payload();
        assertThat(last.balance()).isZero();
        assertThat(last.inheritedNotional()).isZero();
    }

    @Test
    void aDeficitTheEmptyFundCannotPayIsSocializedExactlyOverTheProfitableAccounts() throws Exception {
        String symbol = "XSOCUSDT";
        sendPrice(symbol, "10");
        String run = UUID.randomUUID().toString().substring(0, 8);
        snapshot("P1-" + run, "100", "0.1", position(symbol, new BigDecimal("1"), new BigDecimal("5"), "10"));
        snapshot("P2-" + run, "100", "0.1", position(symbol, new BigDecimal("2"), new BigDecimal("5"), "10"));
        awaitStored("P2-" + run);
        String bankrupt = "D-" + run;
        EventEnvelope<LiquidationShortfallRaised> shortfall = shortfall(bankrupt, symbol, PositionSide.SHORT, "1",
                "9.5", "10", "3.00000001");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall));

        DeficitCovered covered = (DeficitCovered) json.decode(Topic.LOSS_SOCIALIZED, bankrupt,
                kafka.read(infra.topic("loss.socialized"), 1, WAIT, r -> bankrupt.equals(r.key())).get(0).value())
                .payload();
        assertThat(covered.amount()).isEqualByComparingTo("3.00000001");
        assertThat(covered.byFund()).isZero();
        assertThat(covered.bySocializedLoss()).isEqualByComparingTo("3.00000001");
        List<LossSocialized> shares = kafka.read(infra.topic("loss.socialized"), 2, WAIT, r -> r.key().endsWith(run)
                        && !bankrupt.equals(r.key())).stream()
                .map(r -> (LossSocialized) json.decode(Topic.LOSS_SOCIALIZED, r.key(), r.value()).payload()).toList();
        // pro rata to uPnL 5 : 10, exact to 0.00000001, the leftover unit to the larger remainder (P2)
        assertThat(shares).extracting(LossSocialized::accountId, s -> s.amount().toPlainString())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("P1-" + run, "1.00000000"),
                        org.assertj.core.groups.Tuple.tuple("P2-" + run, "2.00000001"));
        assertThat(shares).allSatisfy(s -> assertThat(s.rule()).isEqualTo("PRO_RATA_PROFITABLE_ON_SYMBOL"));
    }

    @Test
    void underTheGuaranteeTheOperatorInjectsAndNobodyIsDeleveraged() throws Exception {
        String symbol = "XGRDUSDT";
        sendPrice(symbol, "100");
        String run = UUID.randomUUID().toString().substring(0, 8);
        snapshot("S1-" + run, "1000", "0.5", position(symbol, new BigDecimal("-5"), new BigDecimal("120"), "100"));
        awaitStored("S1-" + run);
        String account = "G-" + run;
        EventEnvelope<LiquidationShortfallRaised> shortfall = shortfall(account, symbol, PositionSide.LONG, "10", "101",
                "100", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), symbol, json.encode(shortfall));

        PositionTakenOver takeover = takeoverOf(account);
        assertThat(takeover.quantity()).isEqualByComparingTo("10");
        JsonNode waterfall = json.mapper().readTree(http.get("/api/v1/waterfall/" + shortfall.payload().shortfallId())
                .body());
        assertThat(waterfall.get("operatorInjection").asString()).isEqualTo("1000"); // 10 x mark 100 at fraction 1
        assertThat(waterfall.get("fund").get("guaranteeHolds").asBoolean()).isTrue();
        assertThat(waterfall.get("adl").size()).isZero();
        assertThat(ledgerTransactionsCausedBy(shortfall.payload().shortfallId())).isEqualTo(2); // injection, takeover
    }

    @Test
    void aLedgerThatStopsBalancingShowsOnItsGaugeAndOnTheStatusPageUntilItBalancesAgain() throws Exception {
        UUID tx = UUID.randomUUID();
        jdbc.update("INSERT INTO ledger_transaction (id, cause_event_id, kind, memo, created_at)"
                + " VALUES (?, ?, 'test', 'a one-sided posting', now())", tx, UUID.randomUUID());
        jdbc.update("INSERT INTO ledger_posting (transaction_id, line, account, asset, amount)"
                + " VALUES (?, 1, 'fund:majors', 'USDT', 5)", tx);
        try {
            // an unbalanced transaction, and fund:majors' stored balance no longer equal to its postings
            assertThat(ledgerWatch.check()).extracting(io.backstop.insurance.engine.InsuranceStore.Difference::what)
                    .containsExactlyInAnyOrder("unbalanced transaction " + tx,
                            "stored balance differs from its postings");
            assertThat(http.get("/actuator/prometheus").body())
                    .contains("backstop_insurance_ledger_differences{application=\"insurance-fund-service\"} 2.0");
            JsonNode self = json.mapper().readTree(http.get("/api/v1/status/self").body());
            assertThat(self.get("facts").toString()).contains("backstop.insurance.ledger.differences");
        } finally {
            jdbc.update("DELETE FROM ledger_posting WHERE transaction_id = ?", tx);
            jdbc.update("DELETE FROM ledger_transaction WHERE id = ?", tx);
        }
        assertThat(ledgerWatch.check()).isEmpty();
        assertThat(http.get("/actuator/prometheus").body())
                .contains("backstop_insurance_ledger_differences{application=\"insurance-fund-service\"} 0.0")
                .contains("backstop_ready{application=\"insurance-fund-service\"} 1.0");
    }

    @Test
    void aShortfallOnASymbolOfNoFundIsDeadLetteredWithTheReason() {
        String account = "U-" + UUID.randomUUID();
        EventEnvelope<LiquidationShortfallRaised> shortfall = shortfall(account, "NOPEUSDT", PositionSide.LONG, "1",
                "10", "10", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), "NOPEUSDT", json.encode(shortfall));
        List<ConsumerRecord<String, byte[]>> dead = kafka.read(infra.topic("liquidation.shortfalls") + ".dlq", 1, WAIT,
                r -> new String(r.value()).contains(account));
        assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-reason")).isEqualTo("rejected_by_consumer");
        assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-field")).isEqualTo("payload.symbol");
    }

    @Test
    void theSameShortfallUnderAnotherEventIdIsDeadLetteredOnceResolvedAndItsPartitionGoesOn() {
        String account = "D-" + UUID.randomUUID();
        EventEnvelope<LiquidationShortfallRaised> shortfall = shortfall(account, "XDUPUSDT", PositionSide.LONG, "1",
                "10", "10", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), "XDUPUSDT", json.encode(shortfall));
        await().atMost(WAIT).until(() -> jdbc.queryForObject("SELECT count(*) FROM waterfall WHERE shortfall_id = ?",
                Integer.class, shortfall.payload().shortfallId()) == 1);
        long transactions = ledgerTransactionsCausedBy(shortfall.payload().shortfallId());

        // a producer that raised it again under a new event id: rejected with the reason, never resolved twice
        EventEnvelope<LiquidationShortfallRaised> again = EventEnvelope.of(shortfall.payload(), Instant.now(), null,
                null);
        kafka.send(infra.topic("liquidation.shortfalls"), "XDUPUSDT", json.encode(again));
        EventEnvelope<LiquidationShortfallRaised> next = shortfall("N-" + UUID.randomUUID(), "XDUPUSDT",
                PositionSide.LONG, "1", "10", "10", "0");
        kafka.send(infra.topic("liquidation.shortfalls"), "XDUPUSDT", json.encode(next));
        List<ConsumerRecord<String, byte[]>> dead = kafka.read(infra.topic("liquidation.shortfalls") + ".dlq", 1, WAIT,
                r -> new String(r.value()).contains(again.eventId().toString()));
        assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-reason")).isEqualTo("rejected_by_consumer");
        assertThat(KafkaProbe.header(dead.get(0), "backstop-dlq-field")).isEqualTo("payload.shortfallId");
        await("the next shortfall on the partition").atMost(WAIT).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM waterfall WHERE shortfall_id = ?", Integer.class, next.payload().shortfallId()) == 1);
        assertThat(ledgerTransactionsCausedBy(shortfall.payload().shortfallId())).isEqualTo(transactions);
    }

    // --- helpers ----------------------------------------------------------------------------------

    /** The fund's first unwinding order on {@code symbol}. */
    private LiquidationOrderPlaced fundOrder(String symbol) {
        return (LiquidationOrderPlaced) json.decode(Topic.LIQUIDATION_ORDERS, symbol,
                kafka.read(infra.topic("liquidation.orders"), 1, WAIT, r -> json.decode(Topic.LIQUIDATION_ORDERS,
                        r.key(), r.value()).payload() instanceof LiquidationOrderPlaced o
                        && o.owner() == OrderOwner.INSURANCE_FUND && o.symbol().equals(symbol)).get(0).value()).payload();
    }

    private PositionTakenOver takeoverOf(String account) {
        return (PositionTakenOver) json.decode(Topic.INSURANCE_TAKEOVERS, account,
                kafka.read(infra.topic("insurance.takeovers"), 1, WAIT, r -> account.equals(r.key())).get(0).value())
                .payload();
    }

    private List<EventEnvelope<?>> adlOf(UUID shortfallId, int count) {
        return adlOf(shortfallId, count, WAIT);
    }

    private List<EventEnvelope<?>> adlOf(UUID shortfallId, int count, Duration wait) {
        return kafka.read(infra.topic("adl.executions"), count, wait, r -> isAdlOf(r, shortfallId)).stream()
                .<EventEnvelope<?>>map(r -> json.decode(Topic.ADL_EXECUTIONS, r.key(), r.value())).toList();
    }

    /** margin-service's answer to an ADL request, as it would publish it: {@code applied} of it closed. */
    private EventEnvelope<AdlLegSettled> settle(EventEnvelope<?> request, String applied) {
        PositionAutoDeleveraged r = (PositionAutoDeleveraged) request.payload();
        EventEnvelope<AdlLegSettled> answer = EventEnvelope.causedBy(request.eventId(), "adl-settled",
                new AdlLegSettled(r.shortfallId(), request.eventId(), r.counterpartyAccountId(), r.accountId(),
                        r.symbol(), r.side().opposite(), r.quantity(), new BigDecimal(applied), r.price(), r.rank()),
                Instant.now(), null);
        kafka.send(infra.topic("adl.settlements"), r.counterpartyAccountId(), json.encode(answer));
        return answer;
    }

    private double duplicates(String topic) {
        var counter = meters.find("backstop.events.consumed").tag("topic", topic).tag("outcome", "duplicate").counter();
        return counter == null ? 0 : counter.count();
    }

    /** ADL transactions booked for the shortfall's legs (each caused by margin's answer). */
    private long adlBooked(UUID shortfallId) {
        return jdbc.queryForObject("SELECT count(*) FROM ledger_transaction t JOIN adl_settlement s"
                + " ON s.event_id = t.cause_event_id WHERE s.shortfall_id = ? AND t.kind = 'ADL'", Long.class, shortfallId);
    }

    /** Net of every posting to a ledger account in an asset. */
    private BigDecimal moved(String account, String asset) {
        return jdbc.queryForObject("SELECT coalesce(sum(amount), 0) FROM ledger_posting WHERE account = ? AND asset = ?",
                BigDecimal.class, account, asset);
    }

    private int storedPositions(String account) {
        return jdbc.queryForObject("SELECT count(*) FROM adl_position WHERE account_id = ?", Integer.class, account);
    }

    private boolean isAdlOf(ConsumerRecord<String, byte[]> r, UUID shortfallId) {
        return ((PositionAutoDeleveraged) json.decode(Topic.ADL_EXECUTIONS, r.key(), r.value()).payload()).shortfallId()
                .equals(shortfallId);
    }

    private long ledgerTransactionsCausedBy(UUID cause) {
        return jdbc.queryForObject("SELECT count(*) FROM ledger_transaction WHERE cause_event_id = ?", Long.class, cause);
    }

    private BigDecimal fundBalance(String group) throws Exception {
        JsonNode fund = json.mapper().readTree(http.get("/api/v1/fund/" + group).body());
        return new BigDecimal(fund.get("fund").get("balance").asString());
    }

    private void awaitStored(String account) {
        await().atMost(WAIT).until(() -> jdbc.queryForObject("SELECT count(*) FROM adl_account WHERE account_id = ?",
                Integer.class, account) == 1);
    }

    private static PositionMark position(String symbol, BigDecimal size, BigDecimal entry, String mark) {
        BigDecimal m = new BigDecimal(mark);
        return new PositionMark(symbol, size, entry, m, size.abs().multiply(m), size.multiply(m.subtract(entry)),
                BigDecimal.ONE, MarginMode.CROSS, null, null);
    }

    /** margin-service's snapshot of the account; {@code position} null for none. */
    private void snapshot(String account, String wallet, String marginRatio, PositionMark position) {
        snapshot(account, wallet, marginRatio, position == null ? List.of() : List.of(position));
    }

    /** margin-service's snapshot of the account holding {@code positions}. */
    private void snapshot(String account, String wallet, String marginRatio, List<PositionMark> positions) {
        BigDecimal w = new BigDecimal(wallet);
        BigDecimal equity = positions.stream().map(PositionMark::unrealizedPnl).reduce(w, BigDecimal::add);
        kafka.send(infra.topic("account.positions"), account, json.encode(EventEnvelope.of(
                new AccountPositionsSnapshotted(account, w, equity, BigDecimal.ONE,
                        marginRatio == null ? null : new BigDecimal(marginRatio), positions),
                Instant.now(), null, SEQUENCE.incrementAndGet())));
    }

    private long sequenceOf(String account) {
        return jdbc.queryForObject("SELECT sequence FROM adl_account WHERE account_id = ?", Long.class, account);
    }

    private BigDecimal storedSize(String account, String symbol) {
        return jdbc.queryForObject("SELECT size FROM adl_position WHERE account_id = ? AND symbol = ?", BigDecimal.class,
                account, symbol);
    }

    private static EventEnvelope<LiquidationShortfallRaised> shortfall(String account, String symbol, PositionSide side,
                                                                       String qty, String bankruptcy, String mark,
                                                                       String deficit) {
        return EventEnvelope.of(new LiquidationShortfallRaised(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
                account, symbol, side, new BigDecimal(qty), new BigDecimal(bankruptcy), new BigDecimal(mark),
                new BigDecimal(deficit)), Instant.now(), null, null);
    }

    private void sendPrice(String symbol, String price) {
        BigDecimal p = new BigDecimal(price);
        Instant now = Instant.now();
        kafka.send(infra.topic("oracle.prices"), symbol, json.encode(EventEnvelope.of(new OraclePricePublished(symbol,
                p, p, p, BigDecimal.ZERO, PriceStatus.OK, null, List.of(), now, now), now, null,
                SEQUENCE.incrementAndGet())));
        // the price listener starts a little in the past, so a price sent before it was assigned is seen too
    }
}
