package io.backstop.margin;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.auth.Role;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.events.trading.TradeFilled;
import io.backstop.testkit.AccessMatrix;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class MarginServiceFoundationIT extends ServiceFoundationContract {

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    /** Each call of the contract gets events of its own: an account, a trade and a price sequence never used before. */
    private static final java.util.concurrent.atomic.AtomicInteger CALLS = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    protected java.util.Map<String, AccessMatrix.Allowed> accessMatrix() {
        return java.util.Map.of(
                "POST /api/v1/accounts", AccessMatrix.Allowed.roles(Role.EXCHANGE),
                "POST /api/v1/accounts/{id}/deposits", AccessMatrix.Allowed.roles(Role.EXCHANGE),
                "POST /api/v1/accounts/{id}/withdrawals", AccessMatrix.Allowed.roles(Role.EXCHANGE),
                "POST /api/v1/accounts/{id}/fills", AccessMatrix.Allowed.roles(Role.EXCHANGE),
                "GET /api/v1/accounts/{id}/risk", AccessMatrix.Allowed.ownAccountInPath("id", Role.OPERATOR),
                "GET /api/v1/accounts/at-risk", AccessMatrix.Allowed.roles(Role.OPERATOR),
                "GET /api/v1/accounts/at-risk/all", AccessMatrix.Allowed.roles(Role.OPERATOR));
    }

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        int n = CALLS.incrementAndGet();
        String account = "found-" + n;
        try {
            // accounts are served once the instance owns its partitions (readiness says so)
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> get("/actuator/health/readiness").statusCode() == 200);
            assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + account + "\"}").statusCode()).isEqualTo(201);
            assertThat(post("/api/v1/accounts/" + account + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"100000\"}")
                    .statusCode()).isEqualTo(200);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Instant now = Instant.now();
        UUID shortfall = UUID.randomUUID();
        BigDecimal price = new BigDecimal("3800");
        return List.of(
                EventEnvelope.of(new OraclePricePublished("ETHUSDT", price, price, price, BigDecimal.ZERO,
                        PriceStatus.OK, null, List.of(), now, now), now, null, (long) n),
                EventEnvelope.of(new TradeFilled("t-" + n, account, "ETHUSDT", Side.BUY, new BigDecimal("10"), price,
                        new BigDecimal("1.9"), "USDT", MarginMode.CROSS, null), now, null, null),
                EventEnvelope.of(new PositionLiquidated(UUID.randomUUID(), UUID.randomUUID(), "x-" + n, account,
                        "ETHUSDT", Side.SELL, new BigDecimal("1"), price, BigDecimal.ZERO, new BigDecimal("2"), price),
                        now, null, null),
                EventEnvelope.of(new PositionTakenOver(shortfall, "majors", account, "ETHUSDT", PositionSide.LONG,
                        new BigDecimal("1"), price), now, null, null),
                EventEnvelope.of(new PositionAutoDeleveraged(shortfall, account, "other",
                        "ETHUSDT", Side.SELL, new BigDecimal("1"), price, 1), now, null, null),
                EventEnvelope.of(new AdlLegSettled(shortfall, UUID.randomUUID(), account, "other", "ETHUSDT",
                        Side.SELL, new BigDecimal("1"), new BigDecimal("1"), price, 1), now, null, null),
                EventEnvelope.of(new LossSocialized(shortfall, account, "ETHUSDT", new BigDecimal("0.01"), "USDT",
                        "PRO_RATA"), now, null, null));
    }

    @Override
    protected List<ValidRequest> validRequests() throws Exception {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
        String account = "corpus-" + UUID.randomUUID();
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + account + "\"}").statusCode()).isEqualTo(201);
        assertThat(post("/api/v1/accounts/" + account + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"100000\"}")
                .statusCode()).isEqualTo(200);
        String fresh = "corpus-new-" + UUID.randomUUID();
        java.util.concurrent.Callable<Object> version = () -> version(account);
        return List.of(
                new ValidRequest("POST /api/v1/accounts", "/api/v1/accounts", "{\"accountId\":\"" + fresh + "\"}",
                        java.util.Set.of("accountId"), () -> get("/api/v1/accounts/" + fresh + "/risk").statusCode()),
                new ValidRequest("POST /api/v1/accounts/{id}/deposits", "/api/v1/accounts/" + account + "/deposits",
                        "{\"asset\":\"USDT\",\"amount\":\"10\"}", java.util.Set.of(), version),
                new ValidRequest("POST /api/v1/accounts/{id}/withdrawals", "/api/v1/accounts/" + account
                        + "/withdrawals", "{\"asset\":\"USDT\",\"amount\":\"5\"}", java.util.Set.of(), version),
                new ValidRequest("POST /api/v1/accounts/{id}/fills", "/api/v1/accounts/" + account + "/fills",
                        "{\"tradeId\":\"corpus-" + UUID.randomUUID() + "\",\"symbol\":\"ETHUSDT\",\"side\":\"BUY\","
                                + "\"quantity\":\"0.1\",\"price\":\"3800\",\"fee\":\"0.2\",\"feeAsset\":\"USDT\","
                                + "\"marginMode\":\"CROSS\"}",
                        java.util.Set.of("fee", "feeAsset", "marginMode", "isolatedMarginDelta"), version),
                ValidRequest.read("GET /api/v1/accounts/at-risk", "/api/v1/accounts/at-risk?limit=5"),
                ValidRequest.read("GET /api/v1/accounts/at-risk/all", "/api/v1/accounts/at-risk/all?limit=5"));
    }

    /**
     * An account event margin-service cannot apply is dead-lettered naming the field that holds what it does not
     * know, and the account is untouched: an account it does not hold (under either name an ADL answer carries), a
     * symbol or fee asset it does not configure, and a liquidation fill of a position the account does not hold
     * (out of order: before the fill that would have opened it).
     */
    @org.junit.jupiter.api.Test
    void anAccountEventNamingWhatMarginDoesNotKnowIsDeadLetteredNamingTheField() throws Exception {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
        String account = "unknowns-" + UUID.randomUUID();
        assertThat(post("/api/v1/accounts", "{\"accountId\":\"" + account + "\"}").statusCode()).isEqualTo(201);
        assertThat(post("/api/v1/accounts/" + account + "/deposits", "{\"asset\":\"USDT\",\"amount\":\"1000\"}")
                .statusCode()).isEqualTo(200);
        long before = version(account);
        Instant now = Instant.now();
        BigDecimal price = new BigDecimal("3800");

        List<String> verdicts = deadLetterVerdicts(List.of(
                EventEnvelope.of(fill("nobody-" + UUID.randomUUID(), "ETHUSDT", "USDT"), now, null, null),
                EventEnvelope.of(fill(account, "DOGEUSDT", "USDT"), now, null, null),
                EventEnvelope.of(fill(account, "ETHUSDT", "DOGE"), now, null, null),
                EventEnvelope.of(new PositionLiquidated(UUID.randomUUID(), UUID.randomUUID(), "x-" + UUID.randomUUID(),
                        account, "ETHUSDT", Side.SELL, BigDecimal.ONE, price, BigDecimal.ZERO, BigDecimal.ONE, price),
                        now, null, null),
                EventEnvelope.of(new AdlLegSettled(UUID.randomUUID(), UUID.randomUUID(), "nobody-" + UUID.randomUUID(),
                        account, "ETHUSDT", Side.SELL, BigDecimal.ONE, BigDecimal.ONE, price, 1), now, null, null)));

        assertThat(verdicts).containsExactly("rejected_by_consumer payload.accountId",
                "rejected_by_consumer payload.symbol", "rejected_by_consumer payload.feeAsset",
                "rejected_by_consumer payload.symbol", "rejected_by_consumer payload.bankruptAccountId");
        assertThat(version(account)).as("the account after them").isEqualTo(before);
    }

    /**
     * The account engine commits an API call's change on its own thread, in a batch: the call's audit row commits in
     * that batch's transaction (outcome "committed", the account row's xmin), once; a withdrawal refused for margin
     * changes nothing and is recorded once answered, with its 422; so is a second opening of the same account.
     */
    @org.junit.jupiter.api.Test
    void anApiChangeTheEngineCommitsCarriesItsAuditRowInTheBatchTransaction() throws Exception {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
        String account = "audited-" + UUID.randomUUID();
        HttpResponse<String> opened = post("/api/v1/accounts", "{\"accountId\":\"" + account + "\"}");
        assertThat(opened.statusCode()).isEqualTo(201);
        assertCommittedWithTheAccount(opened, account);
        HttpResponse<String> deposit = post("/api/v1/accounts/" + account + "/deposits",
                "{\"asset\":\"USDT\",\"amount\":\"100\"}");
        assertThat(deposit.statusCode()).isEqualTo(200);
        assertCommittedWithTheAccount(deposit, account);

        HttpResponse<String> refused = post("/api/v1/accounts/" + account + "/withdrawals",
                "{\"asset\":\"USDT\",\"amount\":\"1000\"}");
        HttpResponse<String> again = post("/api/v1/accounts", "{\"accountId\":\"" + account + "\"}");
        for (HttpResponse<String> unchanged : List.of(refused, again)) {
            assertThat(jdbc.queryForList("SELECT outcome, status FROM audit_event WHERE request_id = ?",
                    unchanged.headers().firstValue("X-Request-Id").orElseThrow())).as(unchanged.body())
                    .containsExactly(java.util.Map.of("outcome", "answered", "status", unchanged.statusCode()));
        }
        assertThat(refused.statusCode()).isEqualTo(422);
    }

    private void assertCommittedWithTheAccount(HttpResponse<String> answer, String account) {
        List<java.util.Map<String, Object>> rows = jdbc.queryForList("SELECT outcome, status, xmin::text AS tx"
                + " FROM audit_event WHERE request_id = ?", answer.headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("outcome")).isEqualTo("committed");
        assertThat(rows.get(0).get("status")).isNull();
        assertThat(rows.get(0).get("tx")).as("the audit row's transaction is the account's").isEqualTo(
                jdbc.queryForObject("SELECT xmin::text FROM account WHERE id = ?", String.class, account));
    }

    private static TradeFilled fill(String account, String symbol, String feeAsset) {
        return new TradeFilled("t-" + UUID.randomUUID(), account, symbol, Side.BUY, new BigDecimal("0.1"),
                new BigDecimal("3800"), new BigDecimal("0.1"), feeAsset, MarginMode.CROSS, null);
    }

    /** The account's version: it moves with every change applied to the account. */
    private long version(String account) throws Exception {
        HttpResponse<String> risk = get("/api/v1/accounts/" + account + "/risk");
        assertThat(risk.statusCode()).isEqualTo(200);
        return tools.jackson.databind.json.JsonMapper.builder().build().readTree(risk.body())
                .path("asOf").path("accountVersion").asLong();
    }

    /** Prices are not kept in the inbox (a price only replaces an older one): their effect is the count. */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof OraclePricePublished) {
            return get("/actuator/prometheus").body().contains(
                    "backstop_margin_prices_received_total{application=\"margin-service\",symbol=\"ETHUSDT\"}");
        }
        return super.processed(event);
    }
}
