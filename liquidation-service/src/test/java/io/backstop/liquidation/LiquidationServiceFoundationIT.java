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

    @Override
    protected List<EventEnvelope<?>> goodEventsForEachConsumedTopic() {
        return SampleEvents.freshForTopics(Topic.MARGIN_CALLS, Topic.ORACLE_PRICES, Topic.LIQUIDATION_EXECUTIONS);
    }

    @org.springframework.beans.factory.annotation.Autowired
    PriceBoard prices;

    /** Prices are not kept in the inbox (a price only replaces an older one): their effect is the board. */
    @Override
    protected boolean processed(EventEnvelope<?> event) throws Exception {
        if (event.payload() instanceof io.backstop.events.oracle.OraclePricePublished price) {
            return prices.marks().containsKey(price.symbol());
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
