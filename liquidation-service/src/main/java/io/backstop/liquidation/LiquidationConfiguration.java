package io.backstop.liquidation;

import io.backstop.events.json.EventJson;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.kit.prices.PriceBoardListener;
import io.backstop.liquidation.config.LiquidationProperties;
import io.backstop.liquidation.engine.FillHistory;
import io.backstop.liquidation.engine.LiquidationDesk;
import io.backstop.liquidation.engine.LiquidationStore;
import io.backstop.liquidation.engine.Liquidator;
import io.backstop.liquidation.engine.OrderWatch;
import io.backstop.liquidation.web.LiquidationFeed;
import io.backstop.markets.Market;
import io.backstop.markets.MarketsProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({LiquidationProperties.class, MarketsProperties.class})
class LiquidationConfiguration {

    @Bean
    PriceBoard priceBoard() {
        return new PriceBoard();
    }

    /** The oracle's marks on the board, replaying a little of the past on assignment. */
    @Bean
    PriceBoardListener priceBoardListener(PriceBoard board, Clock clock,
                                          @Value("${backstop.liquidation.price-replay:30s}") java.time.Duration replay) {
        return new PriceBoardListener(board, clock, replay);
    }

    @Bean
    LiquidationStore liquidationStore(JdbcTemplate jdbc, EventJson json, MarketsProperties markets) {
        return new LiquidationStore(jdbc, json, markets.markets());
    }

    @Bean
    FillHistory fillHistory(JdbcAggregateOperations data) {
        return new FillHistory(data);
    }

    @Bean
    LiquidationDesk liquidationDesk(LiquidationStore store, Outbox outbox, TransactionTemplate tx,
                                    MarketsProperties markets, LiquidationProperties properties, PriceBoard prices,
                                    Clock clock, MeterRegistry meters, io.backstop.kit.tracing.EventTracing tracing) {
        Map<String, Market> catalogue = markets.markets();
        return new LiquidationDesk(store, outbox, tx, catalogue, properties.policy(), prices, clock,
                properties.getSettlementAsset(), properties.getFeeScale(), meters, tracing);
    }

    @Bean
    Liquidator liquidator(LiquidationDesk desk, LiquidationStore store, LiquidationProperties properties,
                          Clock clock, MeterRegistry meters) {
        return new Liquidator(desk, store, properties.getBatchSize(), properties.isRoundsAtIntake(), clock,
                meters);
    }

    @Bean
    OrderWatch orderWatch(LiquidationStore store, Outbox outbox, TransactionTemplate tx, Clock clock,
                          LiquidationProperties properties, LiquidationDesk desk, MeterRegistry meters) {
        return new OrderWatch(store, outbox, tx, clock, properties.getOrderTimeout(), desk.exchangeAnswers(), meters);
    }

    @Bean
    LiquidationFeed liquidationFeed(EventJson json, MeterRegistry meters, LiquidationProperties properties) {
        return new LiquidationFeed(json, meters, properties.getFeedClientBuffer(), properties.getFeedSenders());
    }
}
