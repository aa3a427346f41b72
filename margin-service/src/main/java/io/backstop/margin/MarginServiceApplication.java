package io.backstop.margin;

import io.backstop.events.Topic;
import io.backstop.kit.kafka.ServiceTopics;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** Accounts, collateral and positions, re-marked on every oracle price; margin calls and the risk API. */
@SpringBootApplication
public class MarginServiceApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("seed")) { // the command-line mode of ./backstop seed
            System.exit(io.backstop.margin.config.SeedCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.getenv(), System.out, System.err));
        }
        SpringApplication.run(MarginServiceApplication.class, args);
    }

    @Bean
    ServiceTopics topics() {
        return ServiceTopics.of(
                Set.of(Topic.ORACLE_PRICES,
                        Topic.TRADES_FILLS,
                        Topic.LIQUIDATION_FILLS,
                        Topic.INSURANCE_TAKEOVERS,
                        Topic.ADL_EXECUTIONS,
                        Topic.ADL_SETTLEMENTS,
                        Topic.LOSS_SOCIALIZED),
                Set.of(Topic.MARGIN_CALLS,
                        Topic.ACCOUNT_POSITIONS,
                        Topic.ADL_SETTLEMENTS));
    }
}
