package io.backstop.insurance;

import io.backstop.events.Topic;
import io.backstop.kit.kafka.ServiceTopics;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** Shortfalls in; the loss waterfall (fund takeover, ranked ADL, socialized loss) on a double-entry ledger. */
@SpringBootApplication
public class InsuranceFundServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(InsuranceFundServiceApplication.class, args);
    }

    @Bean
    ServiceTopics topics() {
        return ServiceTopics.of(
                Set.of(Topic.LIQUIDATION_SHORTFALLS,
                        Topic.INSURANCE_CONTRIBUTIONS,
                        Topic.ACCOUNT_POSITIONS,
                        Topic.LIQUIDATION_EXECUTIONS,
                        Topic.ADL_SETTLEMENTS,
                        Topic.ORACLE_PRICES),
                Set.of(Topic.INSURANCE_TAKEOVERS,
                        Topic.ADL_EXECUTIONS,
                        Topic.LOSS_SOCIALIZED,
                        Topic.INSURANCE_FUND,
                        Topic.LIQUIDATION_ORDERS));
    }
}
