package io.backstop.lab.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Traders asking margin-service for their risk: {@code GET /api/v1/accounts/{id}/risk} at a fixed
 * rate ({@link OpenLoop}, constant spacing) over the given accounts, each request for an account
 * drawn from a seeded random sequence. 2xx is served, 429 (the service's query limiter) shed,
 * anything else, a timeout or a refused connection failed. Usable on its own, for example during a
 * replay:
 *
 * <pre>{@code
 * RiskQueries queries = RiskQueries.start("http://127.0.0.1:8082", accountIds, tokens::trader, 500, 1L);
 * ...
 * OpenLoop.Summary s = queries.stop(); // s.served(), s.shed(), s.failed(), s.correctedMillis(99), s.maxMillis()
 * }</pre>
 */
public final class RiskQueries {

    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final OpenLoop loop;
    private final Duration timeout;

    private RiskQueries(OpenLoop loop, Duration timeout) {
        this.loop = loop;
        this.timeout = timeout;
    }

    /** Queries until {@link #stop}, at most 1,000 in flight, each timing out after 10 s. */
    public static RiskQueries start(String baseUrl, List<String> accountIds,
                                    java.util.function.Function<String, String> authorization, double perSecond,
                                    long seed) {
        return start(baseUrl, accountIds, authorization, perSecond, seed, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT, null);
    }

    /**
     * Starts querying now. Account ids go into the path as they are (the platform's ids are URL-safe).
     *
     * @param baseUrl     margin-service, for example {@code http://127.0.0.1:8082}
     * @param authorization each account's trader's {@code Authorization} header (a trader reads its own risk only),
     *                    or null for none
     * @param perSecond   queries offered per second, however fast they are answered
     * @param maxInFlight queries outstanding at most; arrivals beyond are counted as not sent
     * @param timeout     a query unanswered this long fails ({@code timeout})
     * @param length      how long to offer queries ({@link #stop} waits for the end), or null for until {@link #stop}
     */
    public static RiskQueries start(String baseUrl, List<String> accountIds,
                                    java.util.function.Function<String, String> authorization, double perSecond,
                                    long seed, int maxInFlight, Duration timeout, Duration length) {
        if (accountIds.isEmpty()) {
            throw new IllegalArgumentException("no accounts to query");
        }
        List<HttpRequest> requests = accountIds.stream()
                .map(id -> {
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/accounts/" + id
                            + "/risk")).timeout(timeout).GET();
                    return authorization == null ? request.build()
                            : request.header("Authorization", authorization.apply(id)).build();
                })
                .toList();
        // HTTP/1.1: margin-service speaks nothing else, and the default (HTTP/2) would add an upgrade attempt to each connection
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout).build();
        Random random = new Random(seed); // drawn on the scheduler thread only
        OpenLoop loop = OpenLoop.start("risk queries", perSecond, maxInFlight, length, (n, sent) ->
                http.sendAsync(requests.get(random.nextInt(requests.size())), HttpResponse.BodyHandlers.discarding())
                        .thenApply(response -> OpenLoop.Outcome.ofHttpStatus(response.statusCode())));
        return new RiskQueries(loop, timeout);
    }

    public OpenLoop.Progress progress() {
        return loop.progress();
    }

    /**
     * Stops offering queries (now, or, if started with a length, when it is over), waits for those in
     * flight (they time out at the latest) and sums up. Call once.
     */
    public OpenLoop.Summary stop() throws InterruptedException {
        return loop.stop(timeout.plusSeconds(2));
    }
}
