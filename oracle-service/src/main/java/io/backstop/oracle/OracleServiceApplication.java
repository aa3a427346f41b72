package io.backstop.oracle;

import io.backstop.events.Topic;
import io.backstop.kit.kafka.ServiceTopics;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** Venue ticks and conversion rates in; robust index, mark and TWAP prices out (oracle.prices). */
@SpringBootApplication
public class OracleServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(OracleServiceApplication.class, args);
    }

    @Bean
    ServiceTopics topics() {
        return ServiceTopics.of(
                Set.of(Topic.MARKET_TICKS,
                        Topic.MARKET_RATES),
                Set.of(Topic.ORACLE_PRICES));
    }
}
