package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * margin-service's ingress ({@code k8s/base/services/margin-ingress.cfg}) run by a real HAProxy (Debian's
 * {@code haproxy}; {@code .ci/run} installs it, the test fails without it) in front of a stand-in service that
 * takes 100 ms a request: a flood of risk queries is answered 429 with Retry-After and the service's own problem
 * body at once, never more than {@code APP_MAXCONN} reach the service, and writes, health and the status page
 * wait their turn and are never shed.
 */
class MarginIngressTest {

    static final String INSTALL_HINT = "haproxy not found: install it with `apt-get install -y --no-install-recommends"
            + " haproxy` (.ci/run does this), or set HAPROXY to its path";
    private static final int APP_MAXCONN = 4;
    private static final int SHED_AT_QUEUE = 8;

    private final AtomicInteger inService = new AtomicInteger();
    private final AtomicInteger mostInService = new AtomicInteger();
    private HttpServer app;
    private Process haproxy;
    private int ingressPort;
    private int metricsPort;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newCachedThreadPool()).build();

    private Path log;

    @BeforeEach
    void start() throws Exception {
        log = Files.createTempFile("haproxy", ".log");
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        app.setExecutor(Executors.newCachedThreadPool());
        app.createContext("/", this::serve);
        app.start();
        ingressPort = freePort();
        metricsPort = freePort();
        ProcessBuilder pb = new ProcessBuilder(haproxy().toString(), "-db", "-f",
                Project.locate().path(ProjectRules.INGRESS_CONFIG).toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("INGRESS_ADDRESS", "127.0.0.1", "INGRESS_PORT", String.valueOf(ingressPort),
                "METRICS_PORT", String.valueOf(metricsPort), "APP_ADDRESS", "127.0.0.1", "APP_PORT", String.valueOf(app.getAddress().getPort()),
                "APP_MAXCONN", String.valueOf(APP_MAXCONN), "SHED_AT_QUEUE", String.valueOf(SHED_AT_QUEUE)));
        haproxy = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            assertThat(haproxy.isAlive()).as("haproxy exited: %s", Files.readString(log)).isTrue();
            try {
                if (get(metricsPort, "/healthz").statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                assertThat(System.nanoTime()).as("haproxy did not answer /healthz within 10 s").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    @AfterEach
    void stop() throws InterruptedException, IOException {
        if (haproxy != null) {
            haproxy.destroy();
            haproxy.waitFor(5, TimeUnit.SECONDS);
        }
        if (app != null) {
            app.stop(0);
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aFloodOfRiskQueriesIsShedAtTheIngressAndNothingElseIs() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> queries = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> neverShed = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            queries.add(send(HttpRequest.newBuilder(uri("/api/v1/accounts/a" + i + "/risk")).GET()));
        }
        for (int i = 0; i < 6; i++) {
            neverShed.add(send(HttpRequest.newBuilder(uri("/api/v1/accounts/a" + i + "/deposits"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))));
            neverShed.add(send(HttpRequest.newBuilder(uri("/actuator/health/readiness")).GET()));
            neverShed.add(send(HttpRequest.newBuilder(uri("/api/v1/status/self")).GET()));
        }
        int shed = 0;
        int served = 0;
        for (var q : queries) {
            HttpResponse<String> r = q.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as("a risk query is served or shed, never failed").isIn(200, 429);
            if (r.statusCode() == 429) {
                shed++;
                assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(r.body()).contains("\"status\":429", "\"reason\":\"ingress-queue\"")
                        .doesNotContain("/api/v1/accounts");
            } else {
                served++;
                assertThat(r.body()).isEqualTo("{\"served\":\"GET /api/v1/accounts\"}");
            }
        }
        for (var w : neverShed) {
            assertThat(w.get(30, TimeUnit.SECONDS).statusCode()).as("writes, health and the status page wait their turn")
                    .isBetween(200, 201);
        }
        // 80 queries at once against 4 at a time and a line of 8: most are shed, and at least the first 12 served
        assertThat(shed).isGreaterThanOrEqualTo(40);
        assertThat(served).isGreaterThanOrEqualTo(APP_MAXCONN + SHED_AT_QUEUE);
        assertThat(mostInService.get()).as("requests in the service at once").isLessThanOrEqualTo(APP_MAXCONN);
        // the shed queries are counted where Prometheus scrapes the ingress (the risk API's SLO reads this)
        assertThat(shedCounted()).isEqualTo(shed);
    }

    @Test
    void riskQueriesThatFitTheLineAreAllServed() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> queries = new ArrayList<>();
        for (int i = 0; i < APP_MAXCONN + SHED_AT_QUEUE - 2; i++) {
            queries.add(send(HttpRequest.newBuilder(uri("/api/v1/accounts/a" + i + "/risk")).GET()));
        }
        for (var q : queries) {
            assertThat(q.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(shedCounted()).isZero();
    }

    private void serve(HttpExchange exchange) throws IOException {
        int now = inService.incrementAndGet();
        mostInService.accumulateAndGet(now, Math::max);
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inService.decrementAndGet();
        }
        String path = exchange.getRequestURI().getPath();
        String what = exchange.getRequestMethod() + " " + (path.startsWith("/api/v1/accounts") ? "/api/v1/accounts" : path);
        byte[] body = ("{\"served\":\"" + what + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders("POST".equals(exchange.getRequestMethod()) ? 201 : 200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Test
    void theIngressExportsEveryMetricTheRulesAndDashboardsReadOfIt() throws Exception {
        String metrics = get(metricsPort, "/metrics").body();
        List<String> listed = Files.readAllLines(Project.locate().path("observability/metrics/ingress.txt")).stream()
                .map(line -> line.replaceAll("#.*", "").trim()).filter(name -> !name.isEmpty()).toList();
        assertThat(listed).isNotEmpty();
        for (String name : listed) {
            assertThat(metrics).as("HAProxy's /metrics").containsPattern("(?m)^" + Pattern.quote(name) + "[{ ]");
        }
    }

    private long shedCounted() throws Exception {
        String metrics = get(metricsPort, "/metrics").body();
        Matcher m = Pattern.compile("haproxy_backend_http_responses_total\\{proxy=\"risk_api_shed\",code=\"4xx\"} (\\d+)")
                .matcher(metrics);
        assertThat(m.find()).as("the ingress exports its shed queries").isTrue();
        return Long.parseLong(m.group(1));
    }

    private CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder request) {
        return client.sendAsync(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + ingressPort + path);
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** haproxy from {@code HAPROXY}, else the {@code PATH}, else {@code /usr/sbin/haproxy}; never skipped. */
    static Path haproxy() {
        String configured = System.getenv("HAPROXY");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("HAPROXY=" + configured + " is not an executable file. " + INSTALL_HINT);
            }
            return p;
        }
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, "haproxy"));
                }
            }
        }
        candidates.add(Path.of("/usr/sbin/haproxy"));
        return candidates.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException(INSTALL_HINT));
    }
}
