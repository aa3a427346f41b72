package io.backstop.testkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/** Activates {@link RealInfrastructure} on test classes that carry it (registered in spring.factories). */
public class RealInfrastructureContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        boolean wanted = MergedAnnotations.from(testClass, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
                .isPresent(RealInfrastructure.class);
        return wanted ? new Customizer(testClass) : null;
    }

    /** One per test class: equal only to itself's class, so each class gets its own context and slice. */
    private record Customizer(Class<?> testClass) implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            TestInfrastructure infra = TestInfrastructure.forClass(testClass);
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("spring.datasource.url", infra.jdbcUrl());
            props.put("spring.datasource.username", infra.postgres().user());
            props.put("spring.datasource.password", infra.postgres().password());
            props.put("backstop.db.schema", infra.schema());
            props.put("spring.kafka.bootstrap-servers", infra.kafka().bootstrapServers());
            props.put("backstop.kafka.topic-prefix", infra.topicPrefix());
            context.getEnvironment().getPropertySources()
                    .addFirst(new MapPropertySource("backstop-real-infrastructure", props));
            context.getBeanFactory().registerSingleton("testInfrastructure", infra);
        }
    }
}
