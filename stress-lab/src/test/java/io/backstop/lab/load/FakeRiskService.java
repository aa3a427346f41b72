package io.backstop.lab.load;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/** A stand-in for margin-service's risk endpoint: answers as the test says and counts what it answered. */
final class FakeRiskService implements AutoCloseable {

    static {
        // the JDK server writes headers and body apart; with Nagle on, a keep-alive request waits ~40 ms for a delayed ACK
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** The status of the {@code n}-th request (0-based, in order of handling); may sleep first. */
    @FunctionalInterface
    interface Answer {
        int status(long n) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    private final AtomicLong received = new AtomicLong();
    private final Map<Integer, AtomicLong> answered = new ConcurrentHashMap<>();
    final List<String> paths = new CopyOnWriteArrayList<>();

    /** @param threads handler threads; 1 makes a stall hold up every request behind it, as a paused JVM would */
    FakeRiskService(int threads, Answer answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
        handlers = Executors.newFixedThreadPool(threads);
        server.setExecutor(handlers);
        server.createContext("/api/v1/accounts/", exchange -> {
            long n = received.getAndIncrement();
            paths.add(exchange.getRequestURI().getPath());
            int status;
            try {
                status = answer.status(n);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 503;
            }
            byte[] body = (status == 200 ? "{\"status\":\"HEALTHY\"}"
                    : "{\"status\":" + status + ",\"title\":\"fake\"}").getBytes(StandardCharsets.UTF_8);
            answered.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet(); // before the client can see it
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long received() {
        return received.get();
    }

    long answered(int status) {
        AtomicLong count = answered.get(status);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }
}
