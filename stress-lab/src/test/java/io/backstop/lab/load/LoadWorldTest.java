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

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** A margin-service that refuses each path's first {@code refusals} writes with 429 (Retry-After 0), then accepts. */
    private String margin(int refusals, ConcurrentHashMap<String, AtomicInteger> calls) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            int n = calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            int status = n <= refusals ? 429 : path.endsWith("/deposits") ? 200 : 201;
            if (status == 429) {
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
    void aServiceThatKeepsRefusingFailsTheRunWithItsAnswer() throws Exception {
        String url = margin(Integer.MAX_VALUE, new ConcurrentHashMap<>());

        assertThatThrownBy(() -> new LoadWorld(HttpClient.newHttpClient(), "Bearer x").openAccounts(url, "r", 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("answered 429");
    }
}
