package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.json.EventJson;
import io.backstop.events.trading.TradeFilled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The local runtime as a user runs it: up (real Kafka JVM, embedded PostgreSQL daemon, four service
 * JVMs), a kill -9 of one service, restart and catch-up from committed offsets, down with nothing
 * left behind. Ports are free ones and state lives under target/, so it never meets a developer's
 * own ./backstop up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalRuntimeIT {

    private static final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private static RuntimeSettings settings;
    private static LocalRuntime runtime;
    private static final List<ProcessHandle> started = new ArrayList<>();
    private final EventJson json = new EventJson();

    /** Where the services export their spans (OTLP), as to a user's collector. */
    private static io.backstop.lab.tracing.TraceCollector traces;

    @BeforeAll
    static void configure() throws IOException {
        traces = new io.backstop.lab.tracing.TraceCollector();
        Map<String, String> env = TestPlatforms.environment(Path.of("target", "it-run-" + ProcessHandle.current().pid()));
        env.put("BACKSTOP_SERVICE_JAVA_OPTS", env.get("BACKSTOP_SERVICE_JAVA_OPTS")
                + " -Dmanagement.opentelemetry.tracing.export.otlp.endpoint=" + traces.endpoint()
                + " -Dmanagement.opentelemetry.tracing.export.schedule-delay=200ms");
        settings = RuntimeSettings.fromEnvironment(env);
        runtime = new LocalRuntime(settings, new PrintStream(output, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stopEverything() throws Exception {
        runtime.down();
        started.forEach(p -> p.destroyForcibly());
        traces.close();
    }

    @Test
    @Order(1)
    void upStartsEveryComponentAndWaitsUntilEachIsReady() throws Exception {
        int exit = runtime.up();

        assertThat(exit).as(output()).isZero();
        assertThat(runtime.status()).as(output()).isZero();
        started.addAll(livePids());
        assertThat(started).hasSize(Service.values().length + 2);
        assertThat(output()).contains("Backstop is up in");
        // each service migrated its schema and connects as its own role, not as the superuser (ServiceRoles)
        for (Service service : Service.values()) {
            assertThat(count("SELECT count(*) FROM " + service.schema() + ".flyway_schema_history WHERE installed_by <> '"
                    + service.databaseRole() + "'")).as(service.id() + "'s migrations").isZero();
            assertThat(count("SELECT count(*) FROM pg_stat_activity WHERE datname = 'backstop' AND usename = '"
                    + service.databaseRole() + "'")).as(service.id() + "'s connections").isPositive();
        }
        everyServiceStartedFromItsExtractedJarWithItsClassCache();
    }

    /**
     * StartupCache: the Boot jar extracted beside itself, a class cache trained for this build and JDK (an AOT cache on
     * JDK 25 and later, a CDS archive before), given to the service's JVM; and that JVM can map it: a JVM told to
     * refuse to start without it starts, and the service's log has no warning of a cache it could not use.
     */
    private void everyServiceStartedFromItsExtractedJarWithItsClassCache() throws Exception {
        boolean aot = Runtime.version().feature() >= 25;
        String use = aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";
        for (Service service : Service.values()) {
            List<String> arguments = List.of(new LocalServices(settings).running(service).orElseThrow().info()
                    .arguments().orElseThrow());
            String jar = arguments.get(arguments.indexOf("-jar") + 1);
            assertThat(jar).as(service.id()).contains("/target/startup-cache/").endsWith("/app/" + service.id() + ".jar");
            String cache = arguments.stream().filter(a -> a.startsWith(use)).findFirst()
                    .orElseThrow(() -> new AssertionError(service.id() + " started without " + use + ": " + arguments));
            Process strict = new ProcessBuilder(settings.java(), aot ? "-XX:AOTMode=on" : "-Xshare:on", cache, "-cp", jar,
                    "-version").redirectErrorStream(true).start();
            String said = new String(strict.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(strict.waitFor()).as(service.id() + "'s cache, strictly: " + said).isZero();
            assertThat(Files.readString(new LocalServices(settings).log(service)))
                    .as(service.id() + "'s log") // "[warning][cds,dynamic] Unable to use shared archive", "[error  ][aot]"
                    .doesNotContainPattern("\\[(warning|error) *\\]\\[(cds|aot)");
        }
    }

    @Test
    @Order(2)
    void aKilledServiceShowsDownAndAfterRestartCatchesUpFromItsCommittedOffsets() throws Exception {
        for (int i = 0; i < ACCOUNTS; i++) {
            openAccount("acct-" + i);
        }
        List<UUID> beforeKill = publishFills(5);
        await("fills processed before the kill").atMost(Duration.ofSeconds(60))
                .until(() -> processedByMargin(beforeKill) == beforeKill.size());

        ProcessHandle margin = new LocalServices(settings).running(Service.MARGIN).orElseThrow();
        margin.destroyForcibly(); // SIGKILL: no shutdown hook, no offset commit on the way out
        margin.onExit().get();
        output.reset();
        assertThat(runtime.status()).isNotZero();
        assertThat(output()).containsPattern("margin-service\\s+-\\s+\\d+\\s+DOWN");

        List<UUID> whileDown = publishFills(20);
        assertThat(runtime.restart(Service.MARGIN)).as(output()).isZero();
        new LocalServices(settings).running(Service.MARGIN).ifPresent(started::add);

        await("fills published while margin-service was down are processed").atMost(Duration.ofSeconds(60))
                .until(() -> processedByMargin(whileDown) == whileDown.size());
        assertThat(processedByMargin(beforeKill)).isEqualTo(beforeKill.size());
        assertThat(runtime.status()).as(output()).isZero();
    }

    @Test
    @Order(3)
    void aLiquidationServiceKilledMidBurstLosesNoLiquidationAndRepeatsNone() throws Exception {
        int calls = 1500;
        try (io.backstop.lab.exchange.SimulatedExchange exchange = io.backstop.lab.exchange.SimulatedExchange.deepBook(
                settings.kafkaBootstrap(), Map.of("BTCUSDT", new BigDecimal("59990")), Map.of());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                     ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            exchange.awaitReady(Duration.ofSeconds(60));
            PlatformWrites writes = PlatformWrites.of(settings);
            PlatformWrites.Sample before = writes.sample();
            for (int i = 0; i < calls; i++) {
                String account = "chaos-" + i;
                producer.send(new ProducerRecord<>("margin.calls", account,
                        json.encode(io.backstop.lab.load.DrainLoad.call(account))));
            }
            producer.flush();
            await("liquidations under way").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> count("SELECT count(*) FROM liquidation.liquidation_fill WHERE account_id LIKE 'chaos-%'")
                            >= 200);

            ProcessHandle liquidation = new LocalServices(settings).running(Service.LIQUIDATION).orElseThrow();
            liquidation.destroyForcibly(); // SIGKILL mid-burst: transactions, relay and consumers cut anywhere
            liquidation.onExit().get();
            int atKill = count("SELECT count(*) FROM liquidation.liquidation_fill WHERE account_id LIKE 'chaos-%'");
            assertThat(runtime.restart(Service.LIQUIDATION)).as(output()).isZero();
            new LocalServices(settings).running(Service.LIQUIDATION).ifPresent(started::add);

            await("every liquidation completed after the restart").atMost(Duration.ofSeconds(180))
                    .until(() -> count("SELECT count(*) FROM liquidation.liquidation WHERE account_id LIKE 'chaos-%'"
                            + " AND status = 'COMPLETED'") == calls);
            System.out.printf("liquidation-service killed at %d of %d fills; the exchange ignored %d re-published"
                    + " order copies%n", atKill, calls, exchange.copies());
            assertThat(atKill).as("killed mid-burst").isLessThan(calls);
            // one liquidation per call, one order and one fill per liquidation: nothing lost, nothing twice
            assertThat(count("SELECT count(*) FROM liquidation.liquidation WHERE account_id LIKE 'chaos-%'"))
                    .isEqualTo(calls);
            assertThat(count("SELECT count(*) FROM liquidation.liquidation_order o JOIN liquidation.liquidation l"
                    + " ON l.id = o.liquidation_id WHERE l.account_id LIKE 'chaos-%'")).isEqualTo(calls);
            assertThat(count("SELECT count(*) FROM liquidation.liquidation_fill WHERE account_id LIKE 'chaos-%'"))
                    .isEqualTo(calls);
            assertThat(exchange.executed()).isEqualTo(calls);
            await("the outbox drained").atMost(Duration.ofSeconds(60))
                    .until(() -> count("SELECT count(*) FROM liquidation.outbox_batch") == 0);

            // what `./backstop drain` prints a call, read from the same PostgreSQL and broker
            Thread.sleep(PlatformWrites.SETTLE.toMillis());
            PlatformWrites.Written written = PlatformWrites.Written.between(before, writes.sample());
            assertThat(written.unavailable()).isEmpty();
            assertThat(written.tables().get("liquidation.liquidation").inserted())
                    .as("a liquidation a call, and those the kill rolled back").isGreaterThanOrEqualTo(calls);
            assertThat(written.tables().get("liquidation.liquidation_fill").inserted()).isGreaterThanOrEqualTo(calls);
            assertThat(written.offsets().get("margin.calls")).isGreaterThanOrEqualTo((long) calls);
            assertThat(written.offsets().get("liquidation.orders")).as("an order a call, and transaction markers")
                    .isGreaterThan((long) calls);
            assertThat(written.walBytes()).hasValueSatisfying(b -> assertThat(b).isGreaterThan(1_000L * calls));
            assertThat(written.commits()).hasValueSatisfying(c -> assertThat(c).isPositive());
            // the test platform's PostgreSQL does not load pg_stat_statements: the sample says so instead of failing
            assertThat(written.statements()).isEmpty();
        }
    }

    /**
     * `./backstop latency` as a user runs it, briefly: every hop timed, and each account the probe opened to fall under
     * maintenance at one ETH dip called on a price, its first call timed from the price it names.
     */
    @Test
    @Order(4)
    void latencyCallsEveryAccountOnThePriceThatTookItUnderMaintenanceAndTimesEveryHop() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int result = new io.backstop.lab.load.LatencyProbe(settings, new PrintStream(printed, true,
                StandardCharsets.UTF_8)).run(5, Duration.ofSeconds(3), 2);
        String report = printed.toString(StandardCharsets.UTF_8);
        System.out.print(report);

        assertThat(result).as(report).isZero();
        assertThat(report).contains("6 accounts opened to breach at 3 dips; 6 called");
        assertThat(hopCount(report, "price -> call")).as(report).isEqualTo(6);
        // and the part of it after margin-service decided each call: its commit, the relay and the produce
        assertThat(hopCount(report, "  call's commit and relay")).as(report).isEqualTo(6);
        assertThat(hopCount(report, "tick -> price")).as(report).isPositive();
        // the probe's 15 calls and the 6 accounts' first calls at least, each with its order filled
        assertThat(hopCount(report, "call -> order")).as(report).isGreaterThanOrEqualTo(21);
        assertThat(hopCount(report, "execution -> fill")).as(report).isGreaterThanOrEqualTo(21);
        assertThat(count("SELECT count(*) FROM liquidation.liquidation WHERE account_id LIKE 'dip-%'"
                + " AND status = 'COMPLETED'")).isGreaterThanOrEqualTo(6);
    }

    /** The count column of a hop's line in the latency table. */
    private static long hopCount(String report, String hop) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  " + java.util.regex.Pattern.quote(hop)
                + " +([0-9,]+) ").matcher(report);
        assertThat(m.find()).as(hop + " in " + report).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private int count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), "postgres", "");
             PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    @Order(5)
    void aShortfallIsTakenOverAndDeleveragedInQueueOrderAndMarginServiceSettlesBothSides() throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        var deposit = http("POST", Service.INSURANCE_FUND, "/api/v1/fund/majors/deposits",
                "{\"amount\":\"1000\",\"idempotencyKey\":\"it-" + run + "\"}");
        assertThat(deposit.statusCode()).as(deposit.body()).isEqualTo(201);
        String bankrupt = "adl-b-" + run;
        Map<String, BigDecimal> longs = new java.util.LinkedHashMap<>();
        longs.put("adl-e1-" + run, new BigDecimal("60"));
        longs.put("adl-e2-" + run, new BigDecimal("50"));
        longs.put("adl-e3-" + run, new BigDecimal("10"));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            // ETH at 4000 (as the oracle would publish it: no venue sends ETH ticks in this run)
            Instant now = Instant.now();
            BigDecimal mark = new BigDecimal("4000");
            producer.send(new ProducerRecord<>("oracle.prices", "ETHUSDT", json.encode(EventEnvelope.of(
                    new io.backstop.events.oracle.OraclePricePublished("ETHUSDT", mark, mark, mark, BigDecimal.ZERO,
                            io.backstop.events.oracle.PriceStatus.OK, null, List.of(), now, now),
                    now, null, System.currentTimeMillis()))));
            openAccount(bankrupt);
            for (String account : longs.keySet()) {
                openAccount(account);
            }
            // three longs in profit at 4000 and the account that will be bankrupt, short 100 from 4100
            String[][] fills = {{"adl-e1-" + run, "BUY", "60", "3800"}, {"adl-e2-" + run, "BUY", "50", "3500"},
                    {"adl-e3-" + run, "BUY", "10", "3990"}, {bankrupt, "SELL", "100", "4100"}};
            for (String[] f : fills) {
                producer.send(new ProducerRecord<>("trades.fills", f[0], json.encode(EventEnvelope.of(new TradeFilled(
                        UUID.randomUUID().toString(), f[0], "ETHUSDT", Side.valueOf(f[1]), new BigDecimal(f[2]),
                        new BigDecimal(f[3]), BigDecimal.ZERO, "USDT", MarginMode.CROSS, null), Instant.now(), null, null))));
            }
            producer.flush();
            await("margin-service's position snapshots reach the fund's ADL queue").atMost(Duration.ofSeconds(60))
                    .until(() -> count("SELECT count(*) FROM insurance.adl_position WHERE account_id LIKE 'adl-%-"
                            + run + "'") == 4);

            // what the fund can take (capacity at the mark) and the queue traders see, before the shortfall
            var fund = json.mapper().readTree(http("GET", Service.INSURANCE_FUND, "/api/v1/fund/majors", null).body());
            BigDecimal take = new BigDecimal(fund.get("fund").get("capacity").asString())
                    .divide(mark, 8, java.math.RoundingMode.DOWN).min(new BigDecimal("100"));
            var queue = json.mapper().readTree(http("GET", Service.INSURANCE_FUND, "/api/v1/adl/ETHUSDT/queue?side=LONG",
                    null).body());
            List<String> ranked = queue.get("long").get("entries").findValuesAsString("accountId");
            assertThat(ranked).containsExactlyInAnyOrderElementsOf(longs.keySet());

            UUID shortfallId = UUID.randomUUID();
            // raised in a liquidation's trace, as liquidation-service's outbox would send it
            String traceId = java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(16)
                    .putLong(System.nanoTime()).putLong(shortfallId.getMostSignificantBits()).array());
            String raisedIn = "00f067aa0ba902b7";
            ProducerRecord<String, byte[]> shortfall = new ProducerRecord<>("liquidation.shortfalls", "ETHUSDT",
                    json.encode(EventEnvelope.of(
                    new io.backstop.events.liquidation.LiquidationShortfallRaised(shortfallId, UUID.randomUUID(),
                            UUID.randomUUID(), bankrupt, "ETHUSDT", io.backstop.events.PositionSide.SHORT,
                            new BigDecimal("100"), mark, mark, new BigDecimal("12.34")), Instant.now(), null, null)));
            shortfall.headers().add("traceparent", ("00-" + traceId + "-" + raisedIn + "-01")
                    .getBytes(StandardCharsets.UTF_8));
            producer.send(shortfall);
            producer.flush();

            // expected: the fund takes what it can, the rest closes against the queue in its order
            Map<String, BigDecimal> expectedLeft = new java.util.LinkedHashMap<>(longs);
            List<String> deleveraged = new ArrayList<>();
            BigDecimal rest = new BigDecimal("100").subtract(take);
            for (String account : ranked) {
                if (rest.signum() == 0) {
                    break;
                }
                BigDecimal close = longs.get(account).min(rest);
                expectedLeft.put(account, longs.get(account).subtract(close));
                deleveraged.add(account);
                rest = rest.subtract(close);
            }
            await("margin-service applied the takeover and the ADL to both sides").atMost(Duration.ofSeconds(60))
                    .ignoreExceptions().until(() -> ethSize(bankrupt) == null && expectedLeft.entrySet().stream()
                            .allMatch(e -> sameSize(ethSize(e.getKey()), e.getValue())));
            // the bankrupt short closed 100 at 4000 (+10,000 from 4100) and got the 12.34 deficit from the fund
            await("the deficit credited").atMost(Duration.ofSeconds(30))
                    .until(() -> usdt(bankrupt).compareTo(new BigDecimal("110012.34")) == 0);
            var waterfall = json.mapper().readTree(http("GET", Service.INSURANCE_FUND, "/api/v1/waterfall/" + shortfallId,
                    null).body());
            assertThat(new BigDecimal(waterfall.get("takenOver").asString())).isEqualByComparingTo(take);
            assertThat(waterfall.get("adl").findValuesAsString("accountId")).containsExactlyElementsOf(deleveraged);
            assertThat(waterfall.get("deficitFromFund").asString()).isEqualTo("12.34");
            System.out.printf("waterfall of a 100 ETH short: the fund took %s, ADL closed %s in queue order %s%n",
                    take.stripTrailingZeros().toPlainString(), new BigDecimal("100").subtract(take).stripTrailingZeros()
                            .toPlainString(), deleveraged);
            // the fund's queue is margin's published positions: its next snapshots show what the ADL left
            await("margin-service's snapshots reach the fund's queue").atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        for (Map.Entry<String, BigDecimal> e : expectedLeft.entrySet()) {
                            if (!sameSize(storedEth(e.getKey()), e.getValue())) {
                                return false;
                            }
                        }
                        return true;
                    });
            // margin's settlements travel on a topic of their own: they may reach the fund after the snapshots
            await("every leg settled in full").atMost(Duration.ofSeconds(30)).until(() -> count(
                    "SELECT count(*) FROM insurance.adl_settlement s WHERE s.shortfall_id = '" + shortfallId
                            + "' AND s.applied = s.requested") == deleveraged.size());
            var check = json.mapper().readTree(http("GET", Service.INSURANCE_FUND, "/api/v1/ledger/check", null).body());
            assertThat(check.get("clean").asBoolean()).as(check.toString()).isTrue();
            theWaterfallIsInTheShortfallsTrace(traceId, raisedIn);
        }
        theWaterfallSettledOnBothSides();
        everyServiceIsScrapedByPrometheusBefore243();
    }

    /**
     * {@code ./backstop settle --exchange} as an operator runs it after a cascade: the lab's exchange starts on the
     * broker with the oracle's marks read, the platform settles, every ADL request of the fund is answered, no scope
     * awaits the waterfall, and the fund's orders unwinding what it took over are answered by the exchange (without
     * one they wait for ever, which the verdict names); the fills of the burst's synthetic accounts (test 3), which
     * margin-service does not hold, are the dead letters its verdict counts.
     */
    private void theWaterfallSettledOnBothSides() throws Exception {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        int exit;
        try (io.backstop.lab.exchange.SimulatedExchange exchange = io.backstop.lab.exchange.SimulatedExchange
                .startFollowingMarks(settings.kafkaBootstrap(), Duration.ofSeconds(60))) {
            exit = io.backstop.lab.load.Settle.of(settings, new java.io.PrintStream(printed, true,
                    StandardCharsets.UTF_8)).run(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(120),
                    true);
            System.out.printf("the exchange answered %d orders while settle waited%n", exchange.executed());
        }
        String verdict = printed.toString(StandardCharsets.UTF_8);
        System.out.print(verdict);
        assertThat(verdict).contains("settled: nothing moved for 5 s", ", 0 unanswered", "awaiting the waterfall 0 ·",
                "0 open (0 orders open) · the fund's orders open 0 ·").doesNotContain("still awaiting the waterfall",
                "ADL requests the fund has no answer to", "liquidations still open", "of the fund's orders");
        assertThat(count("SELECT count(*) FROM insurance.fund_order WHERE status = 'OPEN'")).isZero();
        assertThat(exit).as(verdict).isEqualTo(io.backstop.lab.load.Settle.UNSOUND);
        assertThat(verdict).contains("events dead-lettered", "liquidation.fills", "(margin-service)");
    }

    /**
     * The waterfall in the liquidation's trace: the fund applies the shortfall as a child of the span that raised it,
     * margin-service applies the ADL the fund decided in that span, and the fund the settlements margin sent back.
     */
    private void theWaterfallIsInTheShortfallsTrace(String traceId, String raisedIn) {
        // margin-service applies its own settlements too (the same topic, another span): the fund's is the one
        await("the waterfall's spans exported").atMost(Duration.ofSeconds(30)).until(() -> traces.spans().stream()
                .anyMatch(s -> s.traceId().equals(traceId) && s.name().equals("adl.settlements apply")
                        && s.service().equals("insurance-fund-service")));
        List<io.backstop.lab.tracing.TraceCollector.CollectedSpan> trace = traces.spans().stream()
                .filter(s -> s.traceId().equals(traceId)).toList();
        var applied = trace.stream().filter(s -> s.name().equals("liquidation.shortfalls apply")).toList();
        assertThat(applied).hasSize(1);
        assertThat(applied.get(0).service()).isEqualTo("insurance-fund-service");
        assertThat(applied.get(0).parentSpanId()).isEqualTo(raisedIn);
        var settlement = trace.stream().filter(s -> s.name().equals("adl.settlements apply")
                && s.service().equals("insurance-fund-service")).findFirst().orElseThrow();
        // from the fund's application of the shortfall down (the liquidation's spans above it may be exported later)
        List<io.backstop.lab.tracing.TraceCollector.CollectedSpan> ancestry = traces.ancestry(settlement);
        int from = ancestry.indexOf(applied.get(0));
        assertThat(from).as("the settlement descends from the fund's application of the shortfall").isNotNegative();
        List<io.backstop.lab.tracing.TraceCollector.CollectedSpan> chain = ancestry.subList(from, ancestry.size());
        chain.forEach(s -> System.out.printf("waterfall trace %s  %-24s %s%n", s.traceId(), s.service(), s.name()));
        assertThat(chain).extracting(io.backstop.lab.tracing.TraceCollector.CollectedSpan::service).containsExactly(
                "insurance-fund-service", "margin-service", "insurance-fund-service");
        assertThat(chain.get(0)).isEqualTo(applied.get(0));
        assertThat(chain.get(1).name()).isEqualTo("adl.executions apply");
    }

    /**
     * After traced work (the liquidation, the takeover, the queries above), each service's scrape, as Prometheus asks
     * for it (OpenMetrics), has no trace exemplar on a timer's {@code _count}: Prometheus before 2.43 drops a scrape
     * that has one, and with it every metric of the service (the kit's TracingAutoConfiguration).
     */
    private void everyServiceIsScrapedByPrometheusBefore243() throws Exception {
        for (Service service : Service.values()) {
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + settings.servicePorts().get(service) + "/actuator/prometheus"))
                    .header("Accept", "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5")
                    .header("Authorization", LabTokens.of(settings).system())
                    .build();
            String scrape = java.net.http.HttpClient.newHttpClient()
                    .send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scrape).as(service.id()).contains("# EOF", "backstop_");
            assertThat(scrape.lines().filter(l -> l.contains("_count") && l.contains(" # {")).toList())
                    .as("%s: exemplars on _count", service.id()).isEmpty();
        }
    }

    /** The account's ETH size in the fund's queue (margin's last snapshot of it), null for none. */
    private BigDecimal storedEth(String account) throws Exception {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), "postgres", "");
             var ps = c.prepareStatement("SELECT size FROM insurance.adl_position WHERE account_id = ?"
                     + " AND symbol = 'ETHUSDT'")) {
            ps.setString(1, account);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getBigDecimal(1) : null;
            }
        }
    }

    private static boolean sameSize(BigDecimal actual, BigDecimal expected) {
        return expected.signum() == 0 ? actual == null : actual != null && actual.compareTo(expected) == 0;
    }

    private BigDecimal ethSize(String account) {
        var risk = json.mapper().readTree(httpUnchecked("GET", Service.MARGIN, "/api/v1/accounts/" + account + "/risk")
                .body());
        for (var p : risk.get("positions")) {
            if (p.get("symbol").asString().equals("ETHUSDT")) {
                return new BigDecimal(p.get("size").asString());
            }
        }
        return null;
    }

    private BigDecimal usdt(String account) {
        var risk = json.mapper().readTree(httpUnchecked("GET", Service.MARGIN, "/api/v1/accounts/" + account + "/risk")
                .body());
        for (var c : risk.get("collateral")) {
            if (c.get("asset").asString().equals("USDT")) {
                return new BigDecimal(c.get("amount").asString());
            }
        }
        return BigDecimal.ZERO;
    }

    private java.net.http.HttpResponse<String> httpUnchecked(String method, Service service, String path) {
        try {
            return http(method, service, path, null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private java.net.http.HttpResponse<String> http(String method, Service service, String path, String body)
            throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + settings.servicePorts().get(service) + path)).header("Content-Type", "application/json")
                .header("Authorization", LabTokens.of(settings).system())
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
        return java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(6)
    void afterKafkaAndThenPostgresqlAreRestartedEveryServiceIsReadyAgainByItselfAndAppliesNewFills() throws Exception {
        output.reset();
        assertThat(runtime.restartKafka()).as(output()).isZero();
        assertThat(output()).contains("stopped kafka", "kafka restarted; the running services are ready again after");
        for (Service service : Service.values()) {
            assertThat(output()).as(output()).containsPattern(service.id() + "\\s+ready after");
        }
        started.addAll(livePids());
        System.out.println("kafka restart:\n" + output());
        List<UUID> afterKafka = publishFills(5);
        await("fills sent after the broker's restart are applied").atMost(Duration.ofSeconds(120))
                .until(() -> processedByMargin(afterKafka) == afterKafka.size());

        output.reset();
        assertThat(runtime.restartPostgres()).as(output()).isZero();
        assertThat(output()).contains("restarted; the running services are ready again after");
        started.addAll(livePids());
        List<UUID> afterPostgres = publishFills(5);
        await("fills sent after PostgreSQL's restart are applied").atMost(Duration.ofSeconds(120))
                .until(() -> processedByMargin(afterPostgres) == afterPostgres.size());
        openAccount("after-restarts");
        assertThat(runtime.status()).as(output()).isZero();
        System.out.println("postgres restart:\n" + output());
    }

    /**
     * {@code ./backstop dead-letters}: a fill for an account margin-service does not hold yet is dead-lettered and
     * listed with its reason; once the account is opened, republishing the letters of that reason applies it, and
     * republishing them again changes nothing (margin-service drops the duplicate).
     */
    @Test
    @Order(7)
    void aDeadLetteredFillIsListedAndAppliedWhenRepublishedOnceItsCauseIsFixed() throws Exception {
        String account = "opened-late";
        EventEnvelope<?> early = fill(account, 0);
        publish(List.of(early));
        DeadLetters letters = new DeadLetters(settings.kafkaBootstrap(), new PrintStream(output, true,
                StandardCharsets.UTF_8));
        DeadLetters.Letter letter = await("the fill for an unopened account dead-lettered").atMost(Duration.ofSeconds(60))
                .until(() -> letters.read("trades.fills").stream().filter(l -> account.equals(l.key())).findFirst(),
                        java.util.Optional::isPresent).orElseThrow();
        assertThat(letter.originalTopic()).isEqualTo("trades.fills");
        assertThat(letter.service()).isEqualTo("margin-service");
        assertThat(letter.detail()).contains(account);
        output.reset();
        assertThat(letters.list("trades.fills", 5)).isZero();
        assertThat(output()).containsPattern("trades\\.fills\\s+" + letter.reason() + "\\s+\\d+")
                .contains("key=" + account);

        openAccount(account);
        output.reset();
        assertThat(letters.redrive("trades.fills", letter.reason())).as(output()).isZero();
        assertThat(output()).contains("to trades.fills");
        await("the republished fill applied").atMost(Duration.ofSeconds(60))
                .until(() -> processedByMargin(List.of(early.eventId())) == 1);
        double duplicates = marginDuplicates();
        assertThat(letters.redrive("trades.fills", letter.reason())).isZero();
        await("republished again: dropped as a duplicate").atMost(Duration.ofSeconds(60))
                .until(() -> marginDuplicates() > duplicates);
        assertThat(processedByMargin(List.of(early.eventId()))).isEqualTo(1);
        assertThat(letters.redrive("trades.fills", "no_such_reason")).as("nothing of that reason").isEqualTo(1);
    }

    @Test
    @Order(8)
    void downStopsEverythingAndLeavesNoProcessBehind() throws Exception {
        // metrics are scraped, never pushed: in the minutes this class ran, no service tried OTLP metrics export
        try (var logs = java.nio.file.Files.list(settings.logs())) {
            List<Path> services = logs.filter(p -> p.getFileName().toString().contains("-service")).toList();
            assertThat(services).hasSizeGreaterThanOrEqualTo(4);
            for (Path log : services) {
                assertThat(java.nio.file.Files.readString(log)).as(log.toString()).doesNotContain("OtlpMeterRegistry");
            }
        }
        assertThat(runtime.down()).as(output()).isZero();

        for (ProcessHandle process : started) {
            await("pid " + process.pid() + " gone").atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
        }
        assertThat(livePids()).isEmpty();
    }

    private static final int ACCOUNTS = 7;

    /** Opens an account with collateral through margin-service's API, as a trader's app would. */
    private void openAccount(String id) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + settings.servicePorts().get(Service.MARGIN) + "/api/v1/accounts";
        String exchange = LabTokens.of(settings).exchange();
        var create = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base))
                        .header("Content-Type", "application/json").header("Authorization", exchange)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"accountId\":\"" + id + "\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(create.statusCode()).as(create.body()).isEqualTo(201);
        var deposit = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/" + id + "/deposits"))
                        .header("Content-Type", "application/json").header("Authorization", exchange)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"asset\":\"USDT\",\"amount\":\"100000\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(deposit.statusCode()).as(deposit.body()).isEqualTo(200);
    }

    private List<UUID> publishFills(int count) {
        List<EventEnvelope<?>> fills = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fills.add(fill("acct-" + (i % ACCOUNTS), i));
        }
        publish(fills);
        return fills.stream().map(EventEnvelope::eventId).toList();
    }

    private static EventEnvelope<?> fill(String account, int i) {
        return EventEnvelope.of(new TradeFilled(UUID.randomUUID().toString(), account, "BTCUSDT",
                i % 2 == 0 ? Side.BUY : Side.SELL, new BigDecimal("0.01"), new BigDecimal("65000"),
                new BigDecimal("0.39"), "USDT", MarginMode.CROSS, null), Instant.now(), null, null);
    }

    private void publish(List<EventEnvelope<?>> fills) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (EventEnvelope<?> fill : fills) {
                producer.send(new ProducerRecord<>("trades.fills", ((TradeFilled) fill.payload()).accountId(),
                        json.encode(fill)));
            }
            producer.flush();
        }
    }

    /** margin-service's count of redelivered events it recognised and did not apply again. */
    private double marginDuplicates() throws Exception {
        var metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + settings.servicePorts().get(Service.MARGIN)
                        + "/actuator/prometheus")).header("Authorization", LabTokens.of(settings).system()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return metrics.body().lines().filter(l -> l.startsWith("backstop_margin_events_duplicates_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private int processedByMargin(List<UUID> ids) throws Exception {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), "postgres", "");
             PreparedStatement s = c.prepareStatement(
                     "SELECT count(*) FROM margin.inbox_event WHERE event_id = ANY (?)")) {
            s.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static List<ProcessHandle> livePids() {
        List<ProcessHandle> live = new ArrayList<>();
        LocalServices services = new LocalServices(settings);
        for (Service s : Service.values()) {
            services.running(s).ifPresent(live::add);
        }
        new LocalKafka(settings).running().ifPresent(live::add);
        new LocalPostgres(settings).pid().ifPresent(live::add);
        return live;
    }

    private static String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

}
