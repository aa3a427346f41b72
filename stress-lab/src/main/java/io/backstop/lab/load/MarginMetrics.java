package io.backstop.lab.load;

import io.backstop.lab.runtime.LabTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** margin-service's own counters, read from every instance's {@code /actuator/prometheus} and summed. */
final class MarginMetrics {

    /** Fills margin-service applied from {@code trades.fills}. */
    static final Pattern APPLIED = Pattern.compile(
            "backstop_margin_events_applied_total\\{[^}]*topic=\"trades\\.fills\"[^}]*} ([0-9.E]+)");
    static final Pattern BATCHES = Pattern.compile("backstop_margin_engine_batch_seconds_count\\{[^}]*} ([0-9.E]+)");
    static final Pattern BTC_PRICES = prices("BTCUSDT");

    /** The prices of {@code symbol} margin-service received. */
    static Pattern prices(String symbol) {
        return Pattern.compile("backstop_margin_prices_received_total\\{[^}]*symbol=\"" + Pattern.quote(symbol)
                + "\"[^}]*} ([0-9.E]+)");
    }

    private final HttpClient http;
    private final LabTokens tokens;
    private final List<String> instances;

    MarginMetrics(HttpClient http, LabTokens tokens, List<String> instances) {
        this.http = http;
        this.tokens = tokens;
        this.instances = List.copyOf(instances);
    }

    /** {@code pattern}'s value summed over the instances; 0 where an instance does not show it yet. */
    double sum(Pattern pattern) {
        double sum = 0;
        for (String base : instances) {
            sum += value(base, pattern);
        }
        return sum;
    }

    private double value(String base, Pattern pattern) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus"))
                            .header("Authorization", tokens.system()).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = pattern.matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read metrics of " + base + ": " + e.getMessage(), e);
        }
    }
}
