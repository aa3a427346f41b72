package io.backstop.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Plain HTTP calls to a service under test, as a trader's app or an operator would make them: with
 * {@link TestTokens#system()}'s token unless told otherwise ({@link #as}, {@link #anonymous}).
 */
public final class HttpProbe {

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final String base;
    private final String token;

    public HttpProbe(int port) {
        this(port, TestTokens.system());
    }

    private HttpProbe(int port, String token) {
        this.port = port;
        this.base = "http://localhost:" + port;
        this.token = token;
    }

    /** The same service, called with {@code bearerToken}. */
    public HttpProbe as(String bearerToken) {
        return new HttpProbe(port, bearerToken);
    }

    /** The same service, called without a token. */
    public HttpProbe anonymous() {
        return as(null);
    }

    public HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    /** Sends {@code method} to {@code path}, with a JSON body unless it is null. */
    public HttpResponse<String> send(String method, String path, String json) throws Exception {
        return http.send(request(method, path, json), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String method, String path, String json) {
        HttpRequest.Builder request = request(path);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        }
        return request.build();
    }

    /**
     * Sends {@code method} to {@code path} (a JSON body unless null) and returns the answer's status and headers
     * without waiting for its body: an event stream's never ends.
     */
    public HttpResponse<java.io.InputStream> head(String method, String path, String json) throws Exception {
        HttpResponse<java.io.InputStream> response = http.send(request(method, path, json),
                HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        return response;
    }

    /** POSTs a JSON body. */
    public HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(post(path, json, request(path)), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs a JSON body with one more header ({@code Idempotency-Key}, say). */
    public HttpResponse<String> post(String path, String json, String header, String value) throws Exception {
        return http.send(post(path, json, request(path).header(header, value)), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest post(String path, String json, HttpRequest.Builder request) {
        return request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
    }
}
