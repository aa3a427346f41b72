package io.backstop.kit.status;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks every component for its {@link SelfReport} at once (each within {@code backstop.status.timeout}), hands
 * the answers and the hour's history to the {@link StatusBoard}, keeps the sample, and serves the result for
 * {@code backstop.status.cache}. Every service runs one, so the status page stays up while any one of them
 * does, and says which is not answering. A background sample every {@code sample-every} keeps the last hour
 * filled when nobody looks; it reads the service's injected clock (simulated time on a replay platform).
 */
public final class PlatformStatusService implements SmartLifecycle {

    private final StatusProperties properties;
    private final SelfReporter self;
    private final StatusBoard board;
    private final StatusHistory history;
    private final Clock clock;
    private final String servedBy;
    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http;
    private ScheduledExecutorService sampler;
    private volatile Cached cached;

    private record Cached(PlatformStatus status, long atNanos) {
    }

    public PlatformStatusService(StatusProperties properties, SelfReporter self, Clock clock, String servedBy) {
        this.properties = properties;
        this.self = self;
        this.board = new StatusBoard(properties.thresholds());
        this.history = new StatusHistory(java.time.Duration.ofHours(1), properties.sampleEvery());
        this.clock = clock;
        this.servedBy = servedBy;
        this.http = HttpClient.newBuilder().connectTimeout(properties.timeout()).build();
    }

    public SelfReport self() {
        return self.report();
    }

    /** The platform now, or the answer of the last {@code cache} period. */
    public PlatformStatus status() {
        Cached c = cached;
        if (fresh(c)) {
            return c.status();
        }
        synchronized (this) {
            c = cached; // viewers that waited here take the answer the first of them fetched
            return fresh(c) ? c.status() : assess();
        }
    }

    private boolean fresh(Cached c) {
        return c != null && System.nanoTime() - c.atNanos() < properties.cache().toNanos();
    }

    /** Asks every peer now and keeps the sample. */
    public synchronized PlatformStatus assess() {
        Map<String, CompletableFuture<PeerAnswer>> asked = new LinkedHashMap<>();
        ordered(properties.peers()).forEach((key, url) -> asked.put(key, key.equals(properties.component())
                ? CompletableFuture.completedFuture(PeerAnswer.answered(self.report())) : ask(url)));
        Map<String, PeerAnswer> answers = new LinkedHashMap<>();
        asked.forEach((key, answer) -> answers.put(key, answer.join()));
        Instant now = clock.instant();
        StatusBoard.Assessment a = board.assess(now, answers, history.window(now), history.window(), servedBy);
        history.record(a.sample());
        cached = new Cached(a.status(), System.nanoTime());
        return a.status();
    }

    /** The four components in the data flow's order (oracle, margin, liquidation, fund), any other after them. */
    static Map<String, String> ordered(Map<String, String> peers) {
        List<String> flow = List.of(StatusBoard.ORACLE, StatusBoard.MARGIN, StatusBoard.LIQUIDATION, StatusBoard.FUND);
        Map<String, String> ordered = new LinkedHashMap<>();
        flow.stream().filter(peers::containsKey).forEach(k -> ordered.put(k, peers.get(k)));
        new java.util.TreeMap<>(peers).forEach(ordered::putIfAbsent);
        return ordered;
    }

    private CompletableFuture<PeerAnswer> ask(String baseUrl) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/status/self"))
                    .timeout(properties.timeout()).GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PeerAnswer.silent("its address is not valid: " + baseUrl));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                return PeerAnswer.silent(cause instanceof java.net.http.HttpTimeoutException
                        ? "no answer within " + properties.timeout().toMillis() + " ms"
                        : cause instanceof java.net.ConnectException ? "connection refused"
                        : "unreachable (" + cause.getClass().getSimpleName() + ")");
            }
            if (response.statusCode() != 200) {
                return PeerAnswer.silent("answered HTTP " + response.statusCode());
            }
            try {
                return PeerAnswer.answered(json.readValue(response.body(), SelfReport.class));
            } catch (RuntimeException e) {
                return PeerAnswer.silent("answered something that is not a status report");
            }
        });
    }

    @Override
    public void start() {
        sampler = Executors.newSingleThreadScheduledExecutor(run -> {
            Thread t = new Thread(run, "status-sampler");
            t.setDaemon(true);
            return t;
        });
        long every = properties.sampleEvery().toMillis();
        sampler.scheduleWithFixedDelay(() -> {
            try {
                assess();
            } catch (RuntimeException e) {
                // the next sample tries again; the page itself assesses on demand
            }
        }, Math.min(every, 5_000), every, TimeUnit.MILLISECONDS); // the first soon: warms the peers' connections
    }

    @Override
    public void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    @Override
    public boolean isRunning() {
        return sampler != null;
    }
}
