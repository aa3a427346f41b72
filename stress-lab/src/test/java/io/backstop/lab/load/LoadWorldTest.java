package io.backstop.lab.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Opening the load's accounts against margin-service's write limit. */
class LoadWorldTest {

    private final List<HttpServer> servers = new java.util.ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** A margin-service that refuses each path's first {@code refusals} writes with 429 (Retry-After 0), then accepts. */
    private String margin(int refusals, ConcurrentHashMap<String, AtomicInteger> calls) throws Exception {
        return margin(refusals, calls, id -> true);
    }

    /** The same, holding only the accounts {@code holds} (421 for the others, as an instance that does not own them). */
    private String margin(int refusals, ConcurrentHashMap<String, AtomicInteger> calls,
                          java.util.function.Predicate<String> holds) throws Exception {
        return serve((path, body, key) -> {
            String account = path.endsWith("/deposits") ? path.split("/")[4]
                    : body.replaceAll(".*\"accountId\":\"([^\"]+)\".*", "$1");
            int n = calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            return n <= refusals ? 429 : !holds.test(account) ? 421 : path.endsWith("/deposits") ? 200 : 201;
        });
    }

    /** What a fake margin-service answers a POST: its status, from the path, the body and the idempotency key. */
    private interface Answer {
        int status(String path, String body, String idempotencyKey);
    }

    /** A fake margin-service answering {@code answer}'s status and {@code {}}; a 429 or 503 with Retry-After 0. */
    private String serve(Answer answer) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        servers.add(server);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String sent = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = answer.status(path, sent, exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            if (status == 429 || status == 503) {
                exchange.getResponseHeaders().add("Retry-After", "0");
            }
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void writesRefusedWith429AreRetriedAfterRetryAfter() throws Exception {
        var calls = new ConcurrentHashMap<String, AtomicInteger>();
        String url = margin(3, calls);

        List<String> ids = new LoadWorld(HttpClient.newHttpClient(), "Bearer x").openAccounts(url, "r", 4);

        assertThat(ids).containsExactly("load-r-0", "load-r-1", "load-r-2", "load-r-3");
        // each account: opened and credited, each after three refusals
        assertThat(calls).hasSize(1 + 4);
        assertThat(calls.get("/api/v1/accounts").get()).isEqualTo(3 + 4);
        ids.forEach(id -> assertThat(calls.get("/api/v1/accounts/" + id + "/deposits").get()).isEqualTo(4));
    }

    @Test
    void aBusyEnginesAnswerIsRetriedWithTheSameKeySoEachAccountIsCreditedOnce() throws Exception {
        // margin-service applies each request but answers the first of each path 503 (its engine did not commit in
        // time); the retried opening finds the account (409), the retried deposit is known by its key
        var opened = ConcurrentHashMap.<String>newKeySet();
        var credited = new ConcurrentHashMap<String, AtomicInteger>();
        var keys = new ConcurrentHashMap<String, List<String>>();
        var calls = new ConcurrentHashMap<String, AtomicInteger>();
        String url = serve((path, body, key) -> {
            int n = calls.computeIfAbsent(path + body, p -> new AtomicInteger()).incrementAndGet();
            if (path.endsWith("/deposits")) {
                List<String> sent = keys.computeIfAbsent(path, p -> new java.util.concurrent.CopyOnWriteArrayList<>());
                sent.add(String.valueOf(key));
                if (sent.indexOf(String.valueOf(key)) == sent.size() - 1) {
                    credited.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet(); // a new key: applied
                }
                return n == 1 ? 503 : 200;
            }
            boolean isNew = opened.add(body);
            return n == 1 ? 503 : isNew ? 201 : 409;
        });

        List<String> ids = new LoadWorld(HttpClient.newHttpClient(), "Bearer x").openAccounts(url, "r", 3);

        assertThat(ids).hasSize(3);
        for (String id : ids) {
            String path = "/api/v1/accounts/" + id + "/deposits";
            assertThat(keys.get(path)).as("sent twice, with the same key").containsExactly("open-" + id, "open-" + id);
            assertThat(credited.get(path)).as("credited once").hasValue(1);
        }
    }

    @Test
    void aServiceThatKeepsRefusingFailsTheRunWithItsAnswer() throws Exception {
        String url = margin(Integer.MAX_VALUE, new ConcurrentHashMap<>());

        assertThatThrownBy(() -> new LoadWorld(HttpClient.newHttpClient(), "Bearer x").openAccounts(url, "r", 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("answered 429");
    }

    @Test
    void eachAccountIsOpenedAndCreditedOnTheInstanceThatHoldsIt() throws Exception {
        var first = new ConcurrentHashMap<String, AtomicInteger>();
        var second = new ConcurrentHashMap<String, AtomicInteger>();
        java.util.function.Predicate<String> even = id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % 2 == 0;
        List<String> instances = List.of(margin(0, first, even), margin(0, second, even.negate()));

        List<String> ids = new LoadWorld(HttpClient.newHttpClient(), "Bearer x").openAccounts(instances, "r", 4);

        assertThat(ids).hasSize(4);
        // the first instance is asked to open all four and holds two; the second opens the other two
        assertThat(first.get("/api/v1/accounts").get()).isEqualTo(4);
        assertThat(second.get("/api/v1/accounts").get()).isEqualTo(2);
        // each deposit goes straight to the owner
        assertThat(first.keySet()).contains("/api/v1/accounts/load-r-0/deposits", "/api/v1/accounts/load-r-2/deposits")
                .doesNotContain("/api/v1/accounts/load-r-1/deposits", "/api/v1/accounts/load-r-3/deposits");
        assertThat(second.keySet()).contains("/api/v1/accounts/load-r-1/deposits", "/api/v1/accounts/load-r-3/deposits")
                .doesNotContain("/api/v1/accounts/load-r-0/deposits", "/api/v1/accounts/load-r-2/deposits");
    }
}
