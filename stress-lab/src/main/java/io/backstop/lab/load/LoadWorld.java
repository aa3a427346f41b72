package io.backstop.lab.load;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Topic;
import io.backstop.events.json.EventJson;
import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the load generators need around their load: accounts with collateral at margin-service, and venue ticks on
 * every venue so the oracle keeps publishing and margin-service can mark: BTC (and ETH) for {@code fills} and
 * {@code latency}, every asset of {@link LoadPrices} for {@code load}.
 */
final class LoadWorld {

    private static final BigDecimal HUNDRED_THOUSAND = new BigDecimal("100000");

    private final HttpClient http;
    private final String authorization;
    private final EventJson json = new EventJson();

    /** {@code authorization}: the exchange's {@code Authorization} header (it opens accounts and credits them). */
    LoadWorld(HttpClient http, String authorization) {
        this.authorization = authorization;
        this.http = http;
    }

    /** Opens {@code count} accounts named {@code load-<run>-<i>} with 100,000 USDT each; returns their ids. */
    List<String> openAccounts(String margin, String run, int count) throws Exception {
        return openAccounts(List.of(margin), run, count);
    }

    /**
     * Opens the accounts on whichever of margin-service's {@code instances} holds each: one that does not answers
     * 421 (the account's partition is another's), and the next is asked, as a router would.
     */
    List<String> openAccounts(List<String> instances, String run, int count) throws Exception {
        Map<String, BigDecimal> deposits = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            deposits.put("load-" + run + "-" + i, HUNDRED_THOUSAND);
        }
        openAccounts(instances, deposits);
        return List.copyOf(deposits.keySet());
    }

    /** Opens each account of {@code usdt} as above, with that much USDT deposited, eight at a time. */
    void openAccounts(List<String> instances, Map<String, BigDecimal> usdt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            usdt.forEach((id, amount) -> done.add(pool.submit(() -> {
                String owner = postToOwner(instances, "/api/v1/accounts", "{\"accountId\":\"" + id + "\"}", 201);
                post(owner + "/api/v1/accounts/" + id + "/deposits",
                        "{\"asset\":\"USDT\",\"amount\":\"" + amount.toPlainString() + "\"}", 200, false,
                        "open-" + id);
                return null;
            })));
            for (Future<?> f : done) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof IllegalStateException ise ? ise
                            : new IllegalStateException("opening accounts failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One round of BTC ticks around 60,000 on every venue and the perpetual (the fills are all BTCUSDT). */
    void tick(KafkaProducer<String, byte[]> producer, Random random) {
        tick(producer, "BTC", BigDecimal.valueOf(60_000 + random.nextInt(20) - 10), Instant.now());
    }

    /** One round of BTC ticks at {@code price} on every venue and the perpetual. */
    void tick(KafkaProducer<String, byte[]> producer, BigDecimal price) {
        tick(producer, "BTC", price, Instant.now());
    }

    /** One round of {@code asset}'s ticks at {@code price} on every venue and its perpetual. */
    void tick(KafkaProducer<String, byte[]> producer, String asset, BigDecimal price) {
        tick(producer, asset, price, Instant.now());
    }

    /** One round of {@code prices}' ticks ({@link LoadPrices#round}), stamped now. */
    void tick(KafkaProducer<String, byte[]> producer, LoadPrices prices, Random random) {
        prices.round(random, Instant.now()).forEach(tick -> send(producer, tick));
    }

    /** The conversion rates {@code prices} price a wrapped asset by ({@link LoadPrices#rates}), observed now. */
    void rates(KafkaProducer<String, byte[]> producer, LoadPrices prices) {
        for (ConversionRateObserved rate : prices.rates(Instant.now())) {
            producer.send(new ProducerRecord<>(Topic.MARKET_RATES.baseName(), rate.key(),
                    json.encode(EventEnvelope.of(rate, rate.observedAt(), null, null))));
        }
    }

    private void tick(KafkaProducer<String, byte[]> producer, String asset, BigDecimal price, Instant now) {
        for (String venue : LoadPrices.VENUES) {
            send(producer, new VenueTickObserved(venue, asset, price.subtract(BigDecimal.ONE), price.add(BigDecimal.ONE),
                    price, now));
        }
        send(producer, new VenueTickObserved(LoadPrices.PERP_VENUE, asset + "USDT-PERP", price,
                price.add(BigDecimal.ONE), price, now));
    }

    private void send(KafkaProducer<String, byte[]> producer, VenueTickObserved tick) {
        producer.send(new ProducerRecord<>(Topic.MARKET_TICKS.baseName(), tick.key(),
                json.encode(EventEnvelope.of(tick, tick.venueTime(), null, null))));
    }

    /** Posts to the first of {@code instances} that holds the account (does not answer 421); returns its URL. */
    private String postToOwner(List<String> instances, String path, String body, int expected) throws Exception {
        for (int i = 0; i < instances.size() - 1; i++) {
            if (post(instances.get(i) + path, body, expected, true, null) != 421) {
                return instances.get(i);
            }
        }
        String last = instances.get(instances.size() - 1);
        post(last + path, body, expected, false, null);
        return last;
    }

    /**
     * Posts {@code body}, with {@code key} as its {@code Idempotency-Key} unless null. A 429 (margin-service's write
     * limit per caller: the 8 openers outrun it on a warm service) and a 503 (its engine busy: the request may still be
     * applied) are retried after the answer's {@code Retry-After}, as any client of the API would, up to
     * {@link #RETRIES} times: a deposit with its key, so that it is applied once; an account's opening as it was, so
     * that a 409 after a 503 means the first attempt opened it.
     */
    private int post(String url, String body, int expected, boolean misdirectedIsAnswer, String key) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("Authorization", authorization).POST(HttpRequest.BodyPublishers.ofString(body));
        HttpRequest request = (key == null ? builder : builder.header("Idempotency-Key", key)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        boolean unanswered = false;
        for (int retry = 0; retry < RETRIES && (response.statusCode() == 429 || response.statusCode() == 503);
             retry++) {
            unanswered |= response.statusCode() == 503;
            Thread.sleep(retryAfterMillis(response));
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        if (misdirectedIsAnswer && response.statusCode() == 421) {
            return 421;
        }
        if (unanswered && expected == 201 && response.statusCode() == 409) {
            return expected; // opened by the attempt that was not answered
        }
        if (response.statusCode() != expected) {
            throw new IllegalStateException("POST " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.statusCode();
    }

    private static final int RETRIES = 20;

    /** The wait a 429 asks for: its {@code Retry-After} in seconds, else a second. */
    static long retryAfterMillis(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(String::strip).filter(v -> v.matches("[0-9]{1,4}"))
                .map(v -> Math.max(100, Long.parseLong(v) * 1000)).orElse(1000L);
    }
}
