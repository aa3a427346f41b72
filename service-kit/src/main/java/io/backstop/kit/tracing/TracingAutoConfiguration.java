package io.backstop.kit.tracing;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * No trace exemplars on the Prometheus endpoint unless {@code backstop.metrics.exemplars=true}. With tracing on,
 * Micrometer attaches the current trace to samples, also to a timer's {@code _count}; Prometheus before 2.43 (Debian's
 * 2.42, which the project's live checks use, and many a long-lived installation) rejects such a line and with it the
 * whole scrape, so every metric of the service would vanish. Set it to true where Prometheus is 2.43 or newer to jump
 * from a slow histogram bucket to its trace.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.micrometer.tracing.autoconfigure.prometheus"
        + ".PrometheusExemplarsAutoConfiguration")
@ConditionalOnClass(name = "io.prometheus.metrics.tracer.common.SpanContext")
@ConditionalOnProperty(name = "backstop.metrics.exemplars", havingValue = "false", matchIfMissing = true)
public class TracingAutoConfiguration {

    /** Prometheus's view of the current span: never one to sample as an exemplar. */
    @Bean
    io.prometheus.metrics.tracer.common.SpanContext noExemplars() {
        return new io.prometheus.metrics.tracer.common.SpanContext() {
            @Override
            public String getCurrentTraceId() {
                return null;
            }

            @Override
            public String getCurrentSpanId() {
                return null;
            }

            @Override
            public boolean isCurrentSpanSampled() {
                return false;
            }

            @Override
            public void markCurrentSpanAsExemplar() {
            }
        };
    }
}
