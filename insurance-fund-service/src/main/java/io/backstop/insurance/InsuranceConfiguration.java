package io.backstop.insurance;

import io.backstop.events.json.EventJson;
import io.backstop.insurance.config.InsuranceProperties;
import io.backstop.insurance.engine.AdlStore;
import io.backstop.insurance.engine.FundFigures;
import io.backstop.insurance.engine.FundUpkeep;
import io.backstop.insurance.engine.FundOrders;
import io.backstop.insurance.engine.InsuranceDesk;
import io.backstop.insurance.engine.InsuranceStore;
import io.backstop.insurance.engine.OpenInterest;
import io.backstop.kit.outbox.Outbox;
import io.backstop.kit.prices.PriceBoard;
import io.backstop.kit.prices.PriceBoardListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(InsuranceProperties.class)
class InsuranceConfiguration {

    @Bean
    PriceBoard priceBoard() {
        return new PriceBoard();
    }

    /** The oracle's marks on the board, replaying a little of the past on assignment. */
    @Bean
    PriceBoardListener priceBoardListener(PriceBoard board, Clock clock,
                                          @Value("${backstop.insurance.price-replay:30s}") java.time.Duration replay) {
        return new PriceBoardListener(board, clock, replay);
    }

    @Bean
    InsuranceStore insuranceStore(JdbcTemplate jdbc, FundOrders orders, JdbcAggregateOperations data) {
        return new InsuranceStore(jdbc, orders, data);
    }

    @Bean
    AdlStore adlStore(JdbcTemplate jdbc) {
        return new AdlStore(jdbc);
    }

    @Bean
    OpenInterest openInterest(AdlStore positions, PriceBoard prices) {
        return new OpenInterest(positions, prices);
    }

    @Bean
    FundFigures fundFigures(InsuranceStore store, InsuranceProperties properties, PriceBoard prices,
                            OpenInterest openInterest, MeterRegistry meters) {
        return new FundFigures(store, properties, prices, openInterest, meters);
    }

    @Bean(initMethod = "start")
    InsuranceDesk insuranceDesk(InsuranceStore store, AdlStore positions, Outbox outbox, TransactionTemplate tx,
                                InsuranceProperties properties, PriceBoard prices, OpenInterest openInterest,
                                FundFigures figures, EventJson json, Clock clock, MeterRegistry meters) {
        return new InsuranceDesk(store, positions, outbox, tx, properties, prices, openInterest, figures, json, clock,
                meters);
    }

    @Bean
    FundUpkeep fundUpkeep(InsuranceDesk desk, OpenInterest openInterest, InsuranceProperties properties,
                          InsuranceStore store, Outbox outbox, TransactionTemplate tx, Clock clock, MeterRegistry meters) {
        return new FundUpkeep(desk, openInterest, properties, new io.backstop.insurance.engine.UnansweredOrders(store,
                outbox, tx, clock, properties.unwind().orderTimeout(), meters));
    }

    /** The ledger check on a schedule: its result is a gauge the alerts and the status page read. */
    @Bean
    io.backstop.insurance.engine.LedgerWatch ledgerWatch(InsuranceStore store, TransactionTemplate tx,
            @org.springframework.beans.factory.annotation.Value("${backstop.insurance.ledger-check-interval:1m}")
            java.time.Duration every, MeterRegistry meters) {
        return new io.backstop.insurance.engine.LedgerWatch(store, tx, every, meters);
    }
}
