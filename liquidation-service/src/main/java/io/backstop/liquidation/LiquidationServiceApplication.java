package io.backstop.liquidation;

import io.backstop.events.Topic;
import io.backstop.kit.kafka.ServiceTopics;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** Margin calls in; risk-ordered partial liquidation orders, fills, the public feed and shortfalls out. */
@SpringBootApplication
public class LiquidationServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(LiquidationServiceApplication.class, args);
    }

    @Bean
    ServiceTopics topics() {
        return ServiceTopics.of(
                // liquidation.events too: every instance reads the feed it publishes (FeedListener), and a record
                // there that breaks the contract needs its dead-letter topic like any other
                Set.of(Topic.MARGIN_CALLS,
                        Topic.ORACLE_PRICES,
                        Topic.LIQUIDATION_EXECUTIONS,
                        Topic.LIQUIDATION_EVENTS),
                Set.of(Topic.LIQUIDATION_ORDERS,
                        Topic.LIQUIDATION_FILLS,
                        Topic.LIQUIDATION_EVENTS,
                        Topic.LIQUIDATION_SHORTFALLS,
                        Topic.INSURANCE_CONTRIBUTIONS));
    }
}
