package io.backstop.liquidation;

import io.backstop.events.EventEnvelope;
import io.backstop.events.SampleEvents;
import io.backstop.events.Topic;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.testkit.RealInfrastructure;
import io.backstop.testkit.ServiceFoundationContract;
import java.util.List;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class LiquidationServiceFoundationIT extends ServiceFoundationContract {

    /** The event ids the public feed sent to this test's SSE clients. */
    private final java.util.Set<String> fed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The public feed's own topic too ({@code liquidation.events}, read by every instance to push to its SSE
     * clients): an SSE client is connected first, so the good liquidation is seen arriving.
     */
    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        listenToTheFeed();
        return SampleEvents.freshForTopics(Topic.MARGIN_CALLS, Topic.ORACLE_PRICES, Topic.LIQUIDATION_EXECUTIONS,
                Topic.LIQUIDATION_EVENTS);
    }

    private void listenToTheFeed() {
        java.net.http.HttpResponse<java.util.stream.Stream<String>> stream;
        try {
            stream = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/liquidations/stream")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        org.assertj.core.api.Assertions.assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> stream.body().filter(line -> line.startsWith("id:"))
                .forEach(line -> fed.add(line.substring(3).trim())));
        reader.setDaemon(true);
        reader.start();
    }

    @org.springframework.beans.factory.annotation.Autowired
    PriceBoard prices;

    /**
     * Prices are not kept in the inbox (a price only replaces an older one): their effect is the board. The feed
     * keeps nothing: its effect is the liquidation sent to an SSE client (at least once; a redelivered one is sent
     * again with the same SSE id, by which a client drops it).
     */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof io.backstop.events.oracle.OraclePricePublished price) {
            return prices.marks().containsKey(price.symbol());
        }
        if (event.topic() == Topic.LIQUIDATION_EVENTS) {
            return fed.contains(event.eventId().toString());
        }
        return super.processed(event);
    }

    /**
     * A margin call with a position on a symbol outside the market catalogue is dead-lettered naming that position's
     * symbol (the call is not taken in: nothing could be priced or ordered); an execution of an order this service
     * never placed (the fund's unwinding) is no poison: it is counted and left alone.
     */
    @org.junit.jupiter.api.Test
    void aMarginCallOnAnUnknownSymbolIsDeadLetteredAndAForeignExecutionIsLeftAlone() {
        io.backstop.events.margin.MarginCallIssued sample = (io.backstop.events.margin.MarginCallIssued)
                SampleEvents.payloads().get(io.backstop.events.EventType.MARGIN_CALL_ISSUED);
        io.backstop.events.margin.PositionMark eth = sample.positions().get(0);
        io.backstop.events.margin.PositionMark doge = new io.backstop.events.margin.PositionMark("DOGEUSDT",
                eth.size(), eth.entryPrice(), eth.markPrice(), eth.notional(), eth.unrealizedPnl(),
                eth.maintenanceMargin(), eth.marginMode(), eth.isolatedMargin(), eth.liquidationPrice());
        java.time.Instant now = java.time.Instant.now();
        EventEnvelope<?> call = EventEnvelope.of(new io.backstop.events.margin.MarginCallIssued(
                "unknowns-" + java.util.UUID.randomUUID(), sample.equity(), sample.maintenanceMargin(),
                sample.initialMargin(), sample.collateral(), List.of(eth, doge), sample.priceSequences()), now, null, null);
        EventEnvelope<?> foreign = SampleEvents.freshForTopics(Topic.LIQUIDATION_EXECUTIONS).get(0);

        org.assertj.core.api.Assertions.assertThat(deadLetterVerdicts(List.of(call, foreign))).containsExactly(
                "rejected_by_consumer payload.positions[1].symbol", "consumed");
    }

    @Override
    protected List<ValidRequest> validRequests() {
        java.time.Instant to = java.time.Instant.now();
        return List.of(ValidRequest.read("GET /api/v1/liquidations", "/api/v1/liquidations?accountId=a-1&symbol=BTCUSDT"
                + "&from=" + to.minusSeconds(3600) + "&to=" + to + "&limit=10"));
    }
}
