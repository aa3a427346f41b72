package io.backstop.margin;

import io.backstop.testkit.TestInfrastructure;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A second margin-service in the test's JVM, on the same schema, topics and consumer group as the test's own
 * instance: the two share the account topics' partitions, as two replicas do.
 */
final class SecondInstance {

    private SecondInstance() {
    }

    static ConfigurableApplicationContext start(TestInfrastructure infra) {
        return start(infra, Map.of());
    }

    /** With {@code overrides} on top (its instance id, say). */
    static ConfigurableApplicationContext start(TestInfrastructure infra, Map<String, String> overrides) {
        // command-line arguments: above application.yml, as the test slice's own properties are
        Map<String, String> properties = new java.util.LinkedHashMap<>(Map.of(
                "spring.datasource.url", infra.jdbcUrl(),
                "spring.datasource.username", infra.postgres().user(),
                "spring.datasource.password", infra.postgres().password(),
                "backstop.db.schema", infra.schema(),
                "spring.kafka.bootstrap-servers", infra.kafka().bootstrapServers(),
                "backstop.kafka.topic-prefix", infra.topicPrefix(),
                "backstop.instance-id", "second-" + UUID.randomUUID(),
                "server.port", "0",
                // the test issuer's key, as every test context gets it (TestIssuerContextCustomizerFactory)
                "spring.security.oauth2.resourceserver.jwt.public-key-location",
                io.backstop.testkit.TestTokens.publicKey().toUri().toString()));
        properties.putAll(overrides);
        return new SpringApplicationBuilder(MarginServiceApplication.class)
                .run(properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new));
    }
}
