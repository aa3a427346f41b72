package io.backstop.kit.status;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one service says about itself on {@code /api/v1/status/self}: its readiness and the values of the meters
 * the status page reads (the same numbers Prometheus scrapes and the alerts evaluate).
 *
 * @param component the component's key in the status page's peers ({@code oracle}, {@code margin}, ...)
 * @param service   {@code spring.application.name}
 * @param instance  {@code backstop.instance-id}
 * @param readiness the readiness group's status: {@code UP}, {@code DOWN}, {@code OUT_OF_SERVICE}, ...
 * @param time      the service's clock (simulated time on a replay platform)
 */
public record SelfReport(String component, String service, String instance, String readiness, Instant time,
                         List<Fact> facts) {

    public SelfReport {
        facts = List.copyOf(facts);
    }

    /** One meter's value: a gauge's value or a counter's total since the service started. */
    public record Fact(String name, Map<String, String> tags, double value) {

        public Fact {
            tags = Map.copyOf(tags);
        }
    }

    /** Whether the readiness group is UP. */
    public boolean ready() {
        return "UP".equals(readiness);
    }

    /** The facts named {@code name}. */
    public List<Fact> facts(String name) {
        return facts.stream().filter(f -> f.name().equals(name)).toList();
    }

    /** The sum of the values of the facts named {@code name} (0 when there are none; NaN values are skipped). */
    public double sum(String name) {
        return facts(name).stream().mapToDouble(Fact::value).filter(v -> !Double.isNaN(v)).sum();
    }

    /** The largest value of the facts named {@code name} (0 when there are none). */
    public double max(String name) {
        return facts(name).stream().mapToDouble(Fact::value).filter(v -> !Double.isNaN(v)).max().orElse(0);
    }
}
