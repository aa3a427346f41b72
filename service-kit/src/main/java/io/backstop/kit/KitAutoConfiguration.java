package io.backstop.kit;

import io.backstop.events.json.EventJson;
import io.backstop.kit.inbox.Inbox;
import io.backstop.kit.inbox.InboxBatch;
import io.backstop.kit.tracing.EventTracing;
import io.backstop.kit.inbox.InboxJanitor;
import io.backstop.kit.web.BodySizeFilter;
import io.backstop.kit.web.ProblemDetailsAdvice;
import io.backstop.kit.web.WebLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What every Backstop service gets besides Kafka: the injected clock, the event JSON codec, the
 * database transaction manager, the kit's own tables (outbox, inbox) migrated beside the service's,
 * exactly-once event processing, and problem+json errors with bounded request bodies.
 */
@AutoConfiguration(before = {DataSourceTransactionManagerAutoConfiguration.class, FlywayAutoConfiguration.class})
@EnableConfigurationProperties({BackstopProperties.class, WebLimits.class})
@Import(ProblemDetailsAdvice.class)
public class KitAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    EventJson eventJson() {
        return new EventJson();
    }

    /** The API description at /v3/api-docs names the service it describes. */
    @Bean
    @ConditionalOnMissingBean
    io.swagger.v3.oas.models.OpenAPI backstopOpenApi(
            @org.springframework.beans.factory.annotation.Value("${spring.application.name}") String service) {
        return new io.swagger.v3.oas.models.OpenAPI().info(new io.swagger.v3.oas.models.info.Info()
                .title("Backstop " + service)
                .description("Backstop risk platform: " + service + ". Decimals are JSON strings; errors are"
                        + " RFC 9457 problem+json. Calls carry a JWT bearer token (docs/security.md).")
                .version("v1"))
                .components(new io.swagger.v3.oas.models.Components().addSecuritySchemes("bearer",
                        new io.swagger.v3.oas.models.security.SecurityScheme()
                                .type(io.swagger.v3.oas.models.security.SecurityScheme.Type.HTTP)
                                .scheme("bearer").bearerFormat("JWT")))
                .addSecurityItem(new io.swagger.v3.oas.models.security.SecurityRequirement().addList("bearer"));
    }

    /** REST bodies follow the events' conventions: decimals as JSON strings, instants as ISO-8601. */
    @Bean
    tools.jackson.databind.JacksonModule backstopExactValues() {
        return EventJson.exactValues();
    }

    /** A body over {@code backstop.web.max-body} is refused with 413 before it is read. */
    @Bean
    org.springframework.boot.web.servlet.FilterRegistrationBean<BodySizeFilter> bodySizeFilter(WebLimits limits) {
        var registration = new org.springframework.boot.web.servlet.FilterRegistrationBean<>(
                new BodySizeFilter(limits.maxBodyBytes()));
        registration.setOrder(org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 3);
        return registration;
    }

    /** REST strings at most {@code backstop.web.max-string-length} characters, refused naming the field. */
    @Bean
    tools.jackson.databind.JacksonModule backstopBoundedStrings(WebLimits limits) {
        return io.backstop.kit.web.WebLimitsModules.boundedStrings(limits.maxStringLength());
    }

    /** Query parameters at most {@code backstop.web.max-string-length} characters too, refused naming the parameter. */
    @Bean
    org.springframework.web.servlet.config.annotation.WebMvcConfigurer backstopBoundedParameters(WebLimits limits) {
        return new org.springframework.web.servlet.config.annotation.WebMvcConfigurer() {
            @Override
            public void addInterceptors(org.springframework.web.servlet.config.annotation.InterceptorRegistry registry) {
                registry.addInterceptor(new io.backstop.kit.web.BoundedParameters(limits.maxStringLength()));
            }
        };
    }

    @Bean
    @Primary
    JdbcTransactionManager transactionManager(DataSource dataSource) {
        JdbcTransactionManager manager = new JdbcTransactionManager(dataSource);
        // an audited API call's row commits with its state change (docs/security.md, "Audit")
        manager.addListener(new io.backstop.kit.audit.AuditInTransaction());
        return manager;
    }

    @Bean
    @Primary
    TransactionTemplate transactionTemplate(JdbcTransactionManager transactionManager) {
        return new TransactionTemplate(transactionManager);
    }

    /**
     * Migrates the service's schema, then the kit's tables with their own history table, so the
     * service's migration versions and the kit's never collide.
     */
    @Bean
    FlywayMigrationStrategy backstopMigrations() {
        return flyway -> {
            flyway.migrate();
            Flyway.configure()
                    .configuration(flyway.getConfiguration())
                    .locations("classpath:db/kit")
                    .table("kit_schema_history")
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
        };
    }

    @Bean
    Inbox inbox(JdbcTemplate jdbc, Clock clock) {
        return new Inbox(jdbc, clock);
    }

    @Bean
    InboxBatch inboxBatch(Inbox inbox, TransactionTemplate tx, MeterRegistry meters, BackstopProperties props,
                          io.backstop.kit.kafka.DeadLetterPublisher deadLetters, EventTracing tracing) {
        return new InboxBatch(inbox, tx, meters, props.getKafka().getTopicPrefix(), deadLetters, tracing);
    }

    /** Traces across Kafka, over Micrometer Tracing's tracer and propagator (none when tracing is off). */
    @Bean
    EventTracing eventTracing(org.springframework.beans.factory.ObjectProvider<io.micrometer.tracing.Tracer> tracer,
                              org.springframework.beans.factory.ObjectProvider<
                                      io.micrometer.tracing.propagation.Propagator> propagator) {
        return new EventTracing(tracer.getIfAvailable(() -> io.micrometer.tracing.Tracer.NOOP),
                propagator.getIfAvailable(() -> io.micrometer.tracing.propagation.Propagator.NOOP));
    }

    @Bean
    InboxJanitor inboxJanitor(Inbox inbox, BackstopProperties props) {
        return new InboxJanitor(inbox, props.getInbox().getRetention());
    }
}
