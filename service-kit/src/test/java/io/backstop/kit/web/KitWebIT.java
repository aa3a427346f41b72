package io.backstop.kit.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.kit.web.overload.Arrivals;
import io.backstop.kit.web.overload.QueryGate;
import io.backstop.kit.web.overload.QueryShedValve;
import io.backstop.testkit.HttpProbe;
import io.backstop.testkit.RealInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * The kit's web guards on a real Tomcat: queries shed with 429 while actions and health pass, and bad
 * input answered 400/413 problem+json naming the field, echoing nothing. The concurrency limit is pinned
 * to one query so that holding one query makes the next one shed, deterministically (the queue-time
 * rules are unit-tested in {@code QueryGateTest}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.web.overload.initial-concurrency=1", "backstop.web.overload.min-concurrency=1",
        "backstop.web.overload.max-concurrency=1", "backstop.web.max-body=4KB", "backstop.web.max-string-length=64",
        // queue-time rules out of reach: on a busy test machine a 50 ms wait would shed a query the test means to be served
        "backstop.web.overload.target=5s", "backstop.web.overload.interval=10s", "backstop.web.overload.deadline=30s"})
@RealInfrastructure
class KitWebIT {

    @Value("${local.server.port}")
    int port;

    @Autowired
    WebServerApplicationContext context;

    @Autowired
    QueryGate gate;

    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void releaseHeld() {
        WebTestController.release.countDown();
    }

    @Test
    void tomcatsExecutorStampsEachRequestsArrival() {
        TomcatWebServer server = (TomcatWebServer) context.getWebServer();
        Object executor = server.getTomcat().getConnector().getProtocolHandler().getExecutor();
        assertThat(executor.getClass().getName()).isEqualTo(Arrivals.class.getName() + "$Stamping");
    }

    @Test
    void theGateSitsAtTheHeadOfTomcatsEnginePipelineBeforeSpringsFilters() {
        TomcatWebServer server = (TomcatWebServer) context.getWebServer();
        assertThat(server.getTomcat().getEngine().getPipeline().getFirst()).isInstanceOf(QueryShedValve.class);
    }

    @Test
    void beyondTheLimitAQueryIsShedAt429WithRetryAfterWhileActionsAndHealthAreServed() throws Exception {
        WebTestController.release = new CountDownLatch(1);
        WebTestController.entered = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(get("/api/test/held"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(WebTestController.entered.await(10, TimeUnit.SECONDS)).as("the held query is in service").isTrue();

        long start = System.nanoTime();
        HttpResponse<String> shed = http.send(get("/api/test/page?limit=5"), HttpResponse.BodyHandlers.ofString());
        long shedMillis = (System.nanoTime() - start) / 1_000_000;
        HttpResponse<String> action = post("/api/test/orders", "{\"clientId\":\"c1\",\"amount\":\"1.5\",\"count\":1}");
        HttpResponse<String> liveness = http.send(get("/actuator/health/liveness"), HttpResponse.BodyHandlers.ofString());

        assertThat(shed.statusCode()).isEqualTo(429);
        assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(shed.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(shed.body()).contains("\"status\":429", "\"reason\":\"concurrency-limit\"",
                "https://backstop.io/problems/overloaded");
        assertThat(shedMillis).as("shed at once, not after the held query").isLessThan(5_000);
        assertThat(action.statusCode()).as("a POST is an action, never shed").isEqualTo(200);
        assertThat(liveness.statusCode()).as("health is never shed").isEqualTo(200);

        WebTestController.release.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // the client has the answer once it is flushed; the valve gives the permit back after that, when the
        // pipeline returns, so the next query waits for the gate to be empty rather than racing the release
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> gate.inFlight() == 0);
        assertThat(http.send(get("/api/test/page?limit=5"), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("served again once the held query is answered").isEqualTo(200);
        String metrics = http.send(get("/actuator/prometheus"), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("backstop_http_queries_shed_total{application=\"kit-test\",reason=\"concurrency-limit\"} 1.0");
        // shed at the head of Tomcat's pipeline, before Spring's filters: the metrics filter never saw the 429
        assertThat(metrics).contains("uri=\"/api/test/page\"").doesNotContain("status=\"429\"");
    }

    @Test
    void everyKindOfBadBodyIsA400NamingTheField() throws Exception {
        assertBadField(post("/api/test/orders", "{\"clientId\": \"c1\", \"amount\": "), "$", "malformed_json");
        assertBadField(post("/api/test/orders", "{\"clientId\":\"c1\",\"amount\":1.5}"), "amount", "wrong_type");
        assertBadField(post("/api/test/orders", "{\"clientId\":\"c1\",\"amount\":\"1e999999999\"}"), "amount", "invalid_value");
        assertBadField(post("/api/test/orders", "{\"clientId\":\"c1\",\"amount\":\"lots\"}"), "amount", "invalid_value");
        assertBadField(post("/api/test/orders", "{\"clientId\":\"c1\",\"at\":\"yesterday\"}"), "at", "invalid_value");
        assertBadField(post("/api/test/orders", "{\"clientId\":{\"a\":1}}"), "clientId", "wrong_type");
        assertBadField(post("/api/test/orders", "{\"clientId\":\"c1\",\"count\":\"many\"}"), "count", "wrong_type");
        HttpResponse<String> tooLong = post("/api/test/orders", "{\"clientId\":\"" + "x".repeat(65) + "\"}");
        assertBadField(tooLong, "clientId", "invalid_value");
        assertThat(tooLong.body()).contains("at most 64 characters").doesNotContain("xxxxxxxxxx");
    }

    @Test
    void badQueryParametersAreA400NamingTheParameter() throws Exception {
        assertBadField(http.send(get("/api/test/page?limit=ten"), HttpResponse.BodyHandlers.ofString()), "limit", "wrong_type");
        assertBadField(http.send(get("/api/test/page?limit=1&after=nope"), HttpResponse.BodyHandlers.ofString()),
                "after", "wrong_type");
        assertBadField(http.send(get("/api/test/page"), HttpResponse.BodyHandlers.ofString()), "limit", "missing_field");
    }

    @Test
    void aBodyOverTheLimitIsA413WhetherItsLengthIsDeclaredOrNot() throws Exception {
        String big = "{\"clientId\":\"c1\",\"pad\":\"" + "y".repeat(8_000) + "\"}";
        HttpResponse<String> declared = post("/api/test/orders", big);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(declared.body()).contains("\"status\":413", "body-too-large").doesNotContain("yyyy");

        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/api/test/orders")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + io.backstop.testkit.TestTokens.system())
                .POST(chunked(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(chunked.body()).contains("\"status\":413").doesNotContain("yyyy");
    }

    private void assertBadField(HttpResponse<String> response, String field, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.body()).contains("\"field\":\"" + field + "\"", "\"reason\":\"" + reason + "\"")
                .doesNotContain("io.backstop", "java.", "tools.jackson", "Exception", "\tat ");
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + io.backstop.testkit.TestTokens.system()).GET().build();
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return new HttpProbe(port).post(path, json);
    }

    /** A body without Content-Length (sent chunked). */
    private static HttpRequest.BodyPublisher chunked(String body) {
        HttpRequest.BodyPublisher known = HttpRequest.BodyPublishers.ofString(body);
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return -1;
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                known.subscribe(subscriber);
            }
        };
    }
}
