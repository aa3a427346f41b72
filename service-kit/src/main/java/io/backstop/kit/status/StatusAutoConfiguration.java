package io.backstop.kit.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/** The public status page on every Backstop service (see {@link PlatformStatusService}). */
@AutoConfiguration(after = io.backstop.kit.KitAutoConfiguration.class)
@ConditionalOnWebApplication
@EnableConfigurationProperties(StatusProperties.class)
@Import(StatusController.class)
public class StatusAutoConfiguration {

    @Bean
    SelfReporter selfReporter(StatusProperties properties, ObjectProvider<HealthEndpoint> health, MeterRegistry meters,
                              Clock clock, @Value("${spring.application.name}") String service,
                              @Value("${backstop.instance-id}") String instance) {
        return new SelfReporter(properties.component(), service, instance, () -> readiness(health), meters, clock);
    }

    /**
     * {@code backstop.ready}: 1 while the readiness group (the probe Kubernetes routes by) is UP, else 0, so an
     * instance that answers scrapes but is not ready pages someone ({@code BackstopServiceNotReady}).
     */
    @Bean
    MeterBinder readinessMeter(ObjectProvider<HealthEndpoint> health) {
        return registry -> Gauge.builder("backstop.ready", health, h -> "UP".equals(readiness(h)) ? 1 : 0)
                .description("1 while this instance's readiness group is UP, else 0").register(registry);
    }

    private static String readiness(ObjectProvider<HealthEndpoint> health) {
        HealthEndpoint endpoint = health.getIfAvailable();
        HealthDescriptor readiness = endpoint == null ? null : endpoint.healthForPath("readiness");
        return readiness == null ? "UNKNOWN" : readiness.getStatus().getCode();
    }

    @Bean
    PlatformStatusService platformStatusService(StatusProperties properties, SelfReporter self, Clock clock,
                                                @Value("${spring.application.name}") String service,
                                                @Value("${backstop.instance-id}") String instance) {
        return new PlatformStatusService(properties, self, clock, service + " (" + instance + ")");
    }
}
