package io.backstop.kit.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.backstop.testkit.RealInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The status page of a service (here the kit's test service, standing as the oracle) while one component does
 * not answer at all, one answers but is not ready, and one reports held margin calls: its JSON, and the page as
 * headless Chromium renders it (a screenshot is left in {@code target/status-page/}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "backstop.status.component=oracle", "backstop.status.cache=0s", "backstop.status.timeout=1s"})
@RealInfrastructure
class StatusPageIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpServer margin = peer("margin", "margin-service", "UP",
            List.of(new SelfReport.Fact(StatusBoard.CALLS_HELD, Map.of(), 2),
                    new SelfReport.Fact(StatusBoard.MARGIN_ACCOUNTS, Map.of(), 300)));
    private static final HttpServer fund = peer("fund", "insurance-fund-service", "OUT_OF_SERVICE",
            List.of(new SelfReport.Fact(StatusBoard.FUND_BALANCE, Map.of("group", "main"), 2_500_000)));
    private static final int nobody = freePort();

    @LocalServerPort
    int port;
    @Autowired
    MeterRegistry meters;
    /** Static: a Micrometer gauge holds its object weakly, and the first registration of a name wins. */
    private static final AtomicInteger btc = new AtomicInteger(2);

    @DynamicPropertySource
    static void peers(DynamicPropertyRegistry registry) {
        registry.add("backstop.status.peers.margin", () -> "http://127.0.0.1:" + margin.getAddress().getPort());
        registry.add("backstop.status.peers.liquidation", () -> "http://127.0.0.1:" + nobody);
        registry.add("backstop.status.peers.fund", () -> "http://127.0.0.1:" + fund.getAddress().getPort());
    }

    @BeforeEach
    void oracleReportsBtcStale() {
        meters.gauge(StatusBoard.ORACLE_STATUS, Tags.of("symbol", "BTC"), btc);
    }

    @AfterAll
    static void stopPeers() {
        margin.stop(0);
        fund.stop(0);
    }

    @Test
    void theJsonSaysWhichComponentIsDownWhichIsNotReadyAndWhatIsHeld() throws Exception {
        JsonNode status = JSON.readTree(get("/api/v1/status"));

        assertThat(status.path("overall").asString()).isEqualTo("OUTAGE");
        List<String> states = new ArrayList<>();
        status.path("components").forEach(c -> states.add(c.path("key").asString() + "=" + c.path("state").asString()));
        assertThat(states).containsExactly("oracle=UP", "margin=UP", "liquidation=DOWN", "fund=NOT_READY");
        assertThat(status.path("components").get(2).path("detail").asString()).isEqualTo("connection refused");
        List<String> incidents = new ArrayList<>();
        status.path("incidents").forEach(i -> incidents.add(i.path("key").asString()));
        assertThat(incidents).containsExactlyInAnyOrder("down:liquidation", "stale:BTC", "not-ready:fund",
                "held-calls");
        assertThat(status.path("margin").path("heldCalls").asLong()).isEqualTo(2);
        assertThat(status.path("liquidations").path("queueDepth").isNull()).isTrue(); // unknown, not zero

        JsonNode self = JSON.readTree(get("/api/v1/status/self"));
        assertThat(self.path("component").asString()).isEqualTo("oracle");
        assertThat(self.path("readiness").asString()).isEqualTo("UP");
    }

    @Test
    void headlessChromiumShowsTheOutageAndTheComponentThatIsDown() throws Exception {
        String chromium = Chromium.find();
        String url = "http://127.0.0.1:" + port + "/status";
        String dom = Chromium.run(chromium, "--dump-dom", url);

        assertThat(dom).contains("Outage: part of the platform is not working");
        assertThat(dom).containsPattern("liquidation-service</td><td class=\"state s-DOWN\">Down");
        assertThat(dom).containsPattern("insurance-fund-service</td><td class=\"state s-NOT_READY\">Not ready");
        assertThat(dom).contains("BTC price is STALE").contains("2 margin calls held by the oracle");

        Path shots = Files.createDirectories(Path.of("target", "status-page"));
        Path png = shots.resolve("status-liquidation-down.png");
        Files.deleteIfExists(png);
        Chromium.run(chromium, "--screenshot=" + png.toAbsolutePath(), "--window-size=1024,1600",
                "--hide-scrollbars", url);
        assertThat(png).exists();
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static HttpServer peer(String component, String service, String readiness, List<SelfReport.Fact> facts) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            byte[] body = JSON.writeValueAsBytes(new SelfReport(component, service, service + "-test", readiness,
                    Instant.now(), facts));
            server.createContext("/api/v1/status/self", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // closed: nothing listens there
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Debian's chromium, headless; the test fails (never skips) without it. */
    static final class Chromium {

        static String find() {
            String explicit = System.getenv("BACKSTOP_CHROMIUM");
            List<String> candidates = explicit != null ? List.of(explicit)
                    : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
            return candidates.stream().filter(c -> Files.isExecutable(Path.of(c))).findFirst().orElseThrow(() ->
                    new AssertionError("headless Chromium is needed for the status page test and was not found at "
                            + candidates + ": install Debian's chromium (apt-get install chromium; .ci/run does) or"
                            + " set BACKSTOP_CHROMIUM"));
        }

        static String run(String chromium, String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir="
                            + Files.createTempDirectory("chromium-profile")));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish in 120 s: " + command);
            }
            assertThat(p.exitValue()).as("chromium's exit code for %s", command).isZero();
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
