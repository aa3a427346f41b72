package io.backstop.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Runs a Spring test against the JVM's real PostgreSQL ({@link TestPostgres}) and real Kafka broker
 * ({@link TestKafka}), isolated per test class: its own schema, its own topic prefix and consumer
 * groups. Sets {@code spring.datasource.*}, {@code spring.kafka.bootstrap-servers},
 * {@code backstop.db.schema} and {@code backstop.kafka.topic-prefix}, and registers a
 * {@link TestInfrastructure} bean. The context is closed after the class so its consumers stop.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
public @interface RealInfrastructure {
}
