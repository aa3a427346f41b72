package io.backstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The environment each program reads, derived from the repository (relaxed binding, placeholders, getenv). */
class ServiceEnvironmentTest {

    static ServiceEnvironment of(String module) {
        return ServiceEnvironment.of(ManifestsTest.PROJECT, module);
    }

    @Test
    void aServiceReadsSpringBootsPropertiesAndBackstopsAsEnvironmentVariables() {
        ServiceEnvironment margin = of("margin-service");
        assertThat(margin.reads("SPRING_DATASOURCE_URL")).isTrue();
        assertThat(margin.reads("SPRING_KAFKA_BOOTSTRAP_SERVERS")).isTrue();
        assertThat(margin.reads("SERVER_PORT")).isTrue();
        assertThat(margin.reads("BACKSTOP_KAFKA_CREATE_TOPICS")).as("legacy form: dashes as underscores").isTrue();
        assertThat(margin.reads("BACKSTOP_KAFKA_CREATETOPICS")).as("canonical form: dashes dropped").isTrue();
        assertThat(margin.reads("BACKSTOP_KAFKA_TOPIC_PARTITIONS_TRADES_FILLS")).as("a map property's entries").isTrue();
        assertThat(margin.reads("BACKSTOP_WEB_OVERLOAD_MAX_CONCURRENCY")).as("from its application.yml").isTrue();
        assertThat(margin.reads("BACKSTOP_MARGIN_PORT")).as("a ${...} placeholder of its application.yml").isTrue();
        assertThat(margin.reads("BACKSTOP_INSTANCE_ID")).as("read by the kit with System.getenv").isTrue();
    }

    @Test
    void butNotWhatNoPropertyMapsTo() {
        ServiceEnvironment margin = of("margin-service");
        assertThat(margin.reads("BACKSTOP_KAFKA_PARTITION")).isFalse();
        assertThat(margin.reads("SPRING_DATASOURCE_URI")).isFalse();
        assertThat(margin.reads("BACKSTOP_ORACLE_MODE")).as("the oracle's, not margin's").isFalse();
        assertThat(of("oracle-service").reads("BACKSTOP_ORACLE_MODE")).isTrue();
        assertThat(of("oracle-service").reads("BACKSTOP_ORACLE_TICK_CONSUMERS")).as("a placeholder in a listener").isTrue();
    }

    @Test
    void theLabReadsTheVariablesItsSourcesName() {
        ServiceEnvironment lab = of("stress-lab");
        assertThat(lab.variables()).contains("BACKSTOP_KAFKA_BOOTSTRAP", "BACKSTOP_MARGIN_URL", "BACKSTOP_INSURANCE_FUND_URL",
                "BACKSTOP_PG_URL", "BACKSTOP_PG_USER", "BACKSTOP_PG_PASSWORD");
        assertThat(lab.reads("SPRING_DATASOURCE_URL")).isFalse();
    }
}
