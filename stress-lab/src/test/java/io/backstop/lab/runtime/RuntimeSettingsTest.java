package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the lab finds the platform: the local runtime's ports, or addresses of a platform deployed elsewhere. */
class RuntimeSettingsTest {

    @Test
    void theLocalRuntimeByDefault() {
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of("BACKSTOP_KAFKA_PORT", "29092",
                "BACKSTOP_MARGIN_PORT", "18082"));
        assertThat(settings.remote()).isFalse();
        assertThat(settings.kafkaBootstrap()).isEqualTo("127.0.0.1:29092");
        assertThat(settings.serviceUrl(Service.MARGIN)).isEqualTo("http://127.0.0.1:18082");
        assertThat(settings.serviceUrl(Service.ORACLE)).isEqualTo("http://127.0.0.1:8081");
    }

    @Test
    void aPlatformDeployedElsewhere() {
        RuntimeSettings settings = RuntimeSettings.fromEnvironment(Map.of(
                "BACKSTOP_KAFKA_BOOTSTRAP", "backstop-kafka-bootstrap:9092",
                "BACKSTOP_ORACLE_URL", "http://oracle-service:8081/",
                "BACKSTOP_INSURANCE_FUND_URL", "http://insurance-fund-service:8084"));
        assertThat(settings.remote()).isTrue();
        assertThat(settings.kafkaBootstrap()).isEqualTo("backstop-kafka-bootstrap:9092");
        assertThat(settings.serviceUrl(Service.ORACLE)).isEqualTo("http://oracle-service:8081");
        assertThat(settings.serviceUrl(Service.INSURANCE_FUND)).isEqualTo("http://insurance-fund-service:8084");
        assertThat(settings.serviceUrl(Service.MARGIN)).isEqualTo("http://127.0.0.1:8082");
    }
}
