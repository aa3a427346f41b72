package io.backstop.kit.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.kit.BackstopProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/** {@code backstop.security.*}: typed and validated with the kit's other settings, same names and defaults as before. */
class SecuritySettingsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(BackstopProperties.class)
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class)
            .withPropertyValues("backstop.instance-id=test-1", "backstop.db.schema=settings_test");

    @Test
    void theDefaultsAreTheFormerOnesAndThePropertiesKeepTheirNames() {
        context.run(app -> {
            BackstopProperties.Security security = app.getBean(BackstopProperties.class).getSecurity();
            assertThat(security.getWritesPerSecond()).isEqualTo(1000);
            assertThat(security.getVerifiedTokens()).isEqualTo(10_000);
            assertThat(security.getVerifiedFor()).isEqualTo(Duration.ofMinutes(5));
        });
        context.withPropertyValues("backstop.security.issuer=https://idp.example", "backstop.security.writes-per-second=5",
                "backstop.security.verified-tokens=0", "backstop.security.verified-for=30s").run(app -> {
            BackstopProperties.Security security = app.getBean(BackstopProperties.class).getSecurity();
            assertThat(security.getIssuer()).isEqualTo("https://idp.example");
            assertThat(security.getWritesPerSecond()).isEqualTo(5);
            assertThat(security.getVerifiedTokens()).isZero();
            assertThat(security.getVerifiedFor()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void aServiceWithNoWritesASecondOrANegativeCacheRefusesToStartNamingTheSetting() {
        context.withPropertyValues("backstop.security.writes-per-second=0").run(app -> assertThat(app)
                .hasFailed().getFailure().rootCause().hasMessageContaining("security.writesPerSecond"));
        context.withPropertyValues("backstop.security.verified-tokens=-1").run(app -> assertThat(app)
                .hasFailed().getFailure().rootCause().hasMessageContaining("security.verifiedTokens"));
    }
}
