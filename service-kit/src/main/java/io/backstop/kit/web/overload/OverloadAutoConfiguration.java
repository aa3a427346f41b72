package io.backstop.kit.web.overload;

import com.netflix.concurrency.limits.limit.Gradient2Limit;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.TaskThreadFactory;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Sheds read-only queries early under overload ({@link QueryShedding} in a {@link QueryShedValve}), measuring their wait from the
 * moment Tomcat handed them to its executor ({@link Arrivals}). On by default in every service; turn off
 * with {@code backstop.web.overload.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(Tomcat.class)
@ConditionalOnBooleanProperty(name = "backstop.web.overload.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OverloadProperties.class)
public class OverloadAutoConfiguration {

    private static final LongSupplier NANO_TIME = System::nanoTime;

    @Bean
    QueryGate queryGate(OverloadProperties properties) {
        Gradient2Limit limit = Gradient2Limit.newBuilder()
                .initialLimit(properties.getInitialConcurrency())
                .minLimit(properties.getMinConcurrency())
                .maxConcurrency(properties.getMaxConcurrency())
                .build();
        return new QueryGate(new QueryGate.Settings(properties.getTarget(), properties.getInterval(),
                properties.getDeadline()), limit, NANO_TIME);
    }

    @Bean
    QueryShedding queryShedding(QueryGate gate, OverloadProperties properties, MeterRegistry meters) {
        List<PathPattern> paths = properties.getPaths().stream().map(PathPatternParser.defaultInstance::parse).toList();
        List<PathPattern> excluded = properties.getExcludedPaths().stream()
                .map(PathPatternParser.defaultInstance::parse).toList();
        return new QueryShedding(gate, paths, excluded, properties.getRetryAfter().toSeconds(), NANO_TIME, meters);
    }

    /**
     * The gate at the head of Tomcat's engine pipeline, before Spring's filters: as a servlet filter behind
     * the metrics filter, a 429 cost about a third of a served query in CPU, most of it the filter chain and
     * its observation (docs/overload.md).
     */
    @Bean
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> queryShedValve(QueryShedding shedding) {
        return factory -> factory.addEngineValves(new QueryShedValve(shedding));
    }

    /**
     * Wraps Tomcat's request executor once every other customizer has set it (the virtual-thread one
     * included), so each request carries the time it was handed over. Without virtual threads (a JDK
     * before 21, or turned off) Tomcat would create its own pool when it starts; the same pool, sized by
     * {@code server.tomcat.threads.*}, is created here instead so that it can be wrapped.
     */
    @Bean
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> arrivalStampingExecutor() {
        return new ArrivalStamping();
    }

    static final class ArrivalStamping implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableTomcatWebServerFactory factory) {
            factory.addProtocolHandlerCustomizers((TomcatProtocolHandlerCustomizer<AbstractProtocol<?>>) protocol -> {
                Executor executor = protocol.getExecutor();
                if (executor instanceof Arrivals.Stamping) {
                    return;
                }
                protocol.setExecutor(Arrivals.stamping(executor != null ? executor : tomcatPool(protocol), NANO_TIME));
            });
        }

        /** What Tomcat's {@code AbstractEndpoint.createExecutor()} would have made. */
        private static Executor tomcatPool(AbstractProtocol<?> protocol) {
            TaskQueue queue = new TaskQueue(protocol.getMaxQueueSize());
            ThreadPoolExecutor pool = new ThreadPoolExecutor(protocol.getMinSpareThreads(), protocol.getMaxThreads(),
                    60, TimeUnit.SECONDS, queue, new TaskThreadFactory("http-exec-", true,
                    protocol.getThreadPriority()));
            queue.setParent(pool);
            return pool;
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
