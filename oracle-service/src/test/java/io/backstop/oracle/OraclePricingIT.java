package io.backstop.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceSource;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.oracle.history.PriceHistory;
import io.backstop.oracle.pricing.PricingEngine;
import io.backstop.oracle.pricing.SymbolSpec;
import io.backstop.testkit.KafkaProbe;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.TestInfrastructure;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Ticks in on Kafka and REST, prices out on oracle.prices, REST and PostgreSQL, against the real broker and database. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class OraclePricingIT {

    private static final List<String> SEVEN = List.of("binance", "okx", "bybit", "coinbase", "kraken", "bitget", "gate");
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    TestInfrastructure infra;
    @Autowired
    PriceHistory history;
    @Autowired
    io.backstop.oracle.history.ConversionRates rates;
    @Autowired
    List<SymbolSpec> specs;
    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;
    @Autowired
    io.backstop.oracle.config.OracleProperties properties;
    @LocalServerPort
    int port;

    private final EventJson json = new EventJson();
    private KafkaProbe kafka;

    @BeforeEach
    void open() {
        kafka = new KafkaProbe(infra.kafka().bootstrapServers());
    }

    @AfterEach
    void close() {
        kafka.close();
    }

    @Test
    void oneDepeggedVenueOnKafkaIsExcludedAndThePriceGoesOutOnKafkaRestAndHistory() throws Exception {
        Instant now = Instant.now();
        for (String venue : SEVEN) {
            sendTick(venue, "USDE", venue.equals("binance") ? "0.65" : "1.0001", now);
        }

        OraclePricePublished price = awaitPrice("USDE", p -> p.sources().stream().filter(PriceSource::included).count() == 6);
        assertThat(price.indexPrice()).isEqualByComparingTo("1.0001");
        assertThat(price.status()).isEqualTo(PriceStatus.OK);
        assertThat(price.sources()).filteredOn(s -> s.venue().equals("binance")).singleElement().satisfies(s -> {
            assertThat(s.included()).isFalse();
            assertThat(s.reason()).isEqualTo("OUTLIER");
            assertThat(s.price()).isEqualByComparingTo("0.65");
        });

        JsonNode rest = getJson("/api/v1/prices/usde");
        assertThat(rest.get("indexPrice").stringValue()).isEqualTo("1.0001");
        assertThat(rest.get("status").stringValue()).isEqualTo("OK");
        assertThat(rest.get("sequence").longValue()).isPositive();

        JsonNode historyRows = getJson("/api/v1/prices/USDE/history?from=" + now.minusSeconds(60));
        assertThat(historyRows.size()).isPositive();
        assertThat(historyRows.get(historyRows.size() - 1).get("indexPrice").stringValue()).isEqualTo("1.0001");

        assertThat(get("/actuator/prometheus").body()).contains(
                "backstop_oracle_source_exclusions_total{application=\"oracle-service\",reason=\"OUTLIER\","
                        + "symbol=\"USDE\",venue=\"binance\"}",
                "backstop_oracle_status{application=\"oracle-service\",symbol=\"USDE\"} 0.0",
                // the index, the mark and each venue's quote as gauges, for the Market & oracle dashboard
                "backstop_oracle_index_price{application=\"oracle-service\",symbol=\"USDE\"} 1.0001",
                "backstop_oracle_mark_price{application=\"oracle-service\",symbol=\"USDE\"}",
                "backstop_oracle_confidence{application=\"oracle-service\",symbol=\"USDE\"}",
                "backstop_oracle_source_price{application=\"oracle-service\",symbol=\"USDE\",venue=\"binance\"} 0.65");
    }

    @Test
    void aPerpetualOnASpotIndexGetsItsOwnMarkFromItsBasis() throws Exception {
        Instant now = Instant.now();
        SEVEN.forEach(v -> sendTick(v, "SOL", "150", now));
        sendTick("exchange", "SOLUSDT-PERP", "150.30", now);

        OraclePricePublished perp = awaitPrice("SOLUSDT", p -> p.markPrice().compareTo(p.indexPrice()) > 0);
        assertThat(perp.indexPrice()).isEqualByComparingTo("150");
        assertThat(perp.markPrice()).isGreaterThan(new BigDecimal("150")).isLessThanOrEqualTo(new BigDecimal("150.75"));
    }

    @Test
    void theRestTickIntakeValidatesLikeTheTopicAndNamesTheField() throws Exception {
        String good = "{\"venue\":\"okx\",\"symbol\":\"BNB\",\"last\":\"612.5\",\"venueTime\":\"" + Instant.now() + "\"}";

        HttpResponse<String> accepted = post("/api/v1/ticks", good);
        HttpResponse<String> negative = post("/api/v1/ticks", good.replace("\"612.5\"", "\"-612.5\""));
        HttpResponse<String> number = post("/api/v1/ticks", good.replace("\"612.5\"", "612.5"));
        HttpResponse<String> unknown = post("/api/v1/ticks", good.replace("BNB", "DOGE"));
        HttpResponse<String> missing = post("/api/v1/ticks", good.replace("\"venue\":\"okx\",", ""));

        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(negative.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(json.mapper().readTree(negative.body()).get("field").stringValue()).isEqualTo("last");
        assertThat(negative.body()).contains("must be positive");
        assertThat(number.statusCode()).isEqualTo(400);
        assertThat(json.mapper().readTree(number.body()).get("reason").stringValue()).isEqualTo("wrong_type");
        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(json.mapper().readTree(unknown.body()).get("reason").stringValue()).isEqualTo("UNKNOWN_SYMBOL");
        assertThat(json.mapper().readTree(missing.body()).get("field").stringValue()).isEqualTo("venue");
    }

    @Test
    void anUnknownSymbolIsA404ProblemAndASymbolNeverPricedIsStale() throws Exception {
        HttpResponse<String> unknown = get("/api/v1/prices/DOGE");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("No symbol 'DOGE' is configured");
        assertThat(getJson("/api/v1/prices/USDC").get("status").stringValue()).isEqualTo("STALE");
    }

    @Test
    void aTickFloodOnOneSymbolDoesNotDelayAnother() throws Exception {
        Map<Integer, Instant> ethSentAt = new ConcurrentHashMap<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong floodSent = new java.util.concurrent.atomic.AtomicLong();
        Thread flood = new Thread(() -> {
            java.util.Random random = new java.util.Random(7);
            long sent = 0;
            long start = System.nanoTime();
            while (flooding.get()) {
                // 1,000 ticks/s from one venue, jittering around the price
                Instant at = Instant.now();
                kafka.sendAsync(infra.topic("market.ticks"), "BTC", json.encode(EventEnvelope.of(new VenueTickObserved(
                        "bybit", "BTC", null, null, BigDecimal.valueOf(65_000 + random.nextInt(100)), at), at, null,
                        null)));
                sent++;
                floodSent.incrementAndGet();
                long ahead = sent * 1_000_000L - (System.nanoTime() - start);
                if (ahead > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(ahead);
                }
            }
        });
        Instant start = Instant.now();
        SEVEN.forEach(v -> sendTick(v, "BTC", "65000", start));
        long floodStart = System.nanoTime();
        flood.start();
        try {
            for (int i = 0; i < 10; i++) {
                Instant at = Instant.now();
                String price = BigDecimal.valueOf(4000 + 10L * i).toPlainString(); // +0.25% a step: always published
                ethSentAt.put(4000 + 10 * i, at);
                SEVEN.forEach(v -> sendTick(v, "ETH", price, at));
                Thread.sleep(300);
            }
        } finally {
            flooding.set(false);
            flood.join();
            kafka.flush();
        }
        double floodRate = floodSent.get() / ((System.nanoTime() - floodStart) / 1e9);

        List<ConsumerRecord<String, byte[]>> ethPrices = kafka.read(infra.topic("oracle.prices"), 10, WAIT,
                r -> "ETH".equals(r.key()) && ((OraclePricePublished) decode(r).payload()).indexPrice()
                        .compareTo(new BigDecimal("4090")) <= 0);
        List<Long> delaysMs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int level = 4000 + 10 * i;
            ConsumerRecord<String, byte[]> first = ethPrices.stream()
                    .filter(r -> ((OraclePricePublished) decode(r).payload()).indexPrice().intValue() == level)
                    .findFirst().orElseThrow(() -> new AssertionError("no ETH price at " + level));
            delaysMs.add(first.timestamp() - ethSentAt.get(level).toEpochMilli());
        }
        org.slf4j.LoggerFactory.getLogger(OraclePricingIT.class).info(
                "ETH tick-to-Kafka delays during a BTC flood of {} ticks/s from one venue (ms): {}",
                Math.round(floodRate), delaysMs);
        assertThat(floodRate).as("the flood reached ~1,000 ticks/s").isGreaterThan(700);
        // every ETH move is out on Kafka well inside a second while BTC is flooded
        assertThat(delaysMs).allSatisfy(d -> assertThat(d).isLessThan(1_000));
        assertThat(get("/actuator/prometheus").body()).contains("backstop_oracle_ticks_accepted_total{application="
                + "\"oracle-service\",symbol=\"BTC\"}");
    }

    @Test
    void aRestartedOracleContinuesItsSequencesFromTheHistory() {
        Instant now = Instant.now();
        SEVEN.forEach(v -> sendTick(v, "BNB", "610", now));
        OraclePricePublished published = awaitPrice("BNB", p -> true);
        await().atMost(WAIT).until(() -> history.lastPublished().containsKey("BNB"));
        // the running oracle keeps re-publishing BNB meanwhile (its evaluation timer), so the restarted engine must
        // continue from the sequence the history held when it loaded: between the two readings around its start
        long before = history.lastPublished().get("BNB").sequence();
        PricingEngine restarted = new OracleConfiguration().pricingEngine(specs, java.time.Clock.systemUTC(),
                new OracleMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), specs),
                null, history, rates, new io.backstop.oracle.history.PricerStates(jdbc), properties, "system");
        long after = history.lastPublished().get("BNB").sequence();

        assertThat(published.symbol()).isEqualTo("BNB");
        assertThat(restarted.pricer("BNB").orElseThrow().lastPublished()).hasValueSatisfying(p -> {
            assertThat(p.sequence()).isBetween(before, after);
            assertThat(p.indexPrice()).isEqualByComparingTo("610");
        });
    }

    private OraclePricePublished awaitPrice(String symbol, java.util.function.Predicate<OraclePricePublished> wanted) {
        List<ConsumerRecord<String, byte[]>> records = kafka.read(infra.topic("oracle.prices"), 1, WAIT,
                r -> symbol.equals(r.key()) && wanted.test((OraclePricePublished) decode(r).payload()));
        assertThat(records).as("a price of " + symbol + " on oracle.prices").isNotEmpty();
        return (OraclePricePublished) decode(records.get(0)).payload();
    }

    private EventEnvelope<?> decode(ConsumerRecord<String, byte[]> record) {
        return json.decode(Topic.ORACLE_PRICES, record.topic(), record.value());
    }

    private void sendTick(String venue, String symbol, String last, Instant at) {
        EventEnvelope<?> tick = EventEnvelope.of(new VenueTickObserved(venue, symbol, null, null, new BigDecimal(last),
                at), at, null, null);
        kafka.send(infra.topic("market.ticks"), symbol, json.encode(tick));
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
