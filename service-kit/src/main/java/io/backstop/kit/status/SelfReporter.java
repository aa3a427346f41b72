package io.backstop.kit.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * This service's {@link SelfReport}: its readiness group's status and the values of the status page's meters it
 * has registered (the same ones Prometheus scrapes).
 */
public final class SelfReporter {

    private final String component;
    private final String service;
    private final String instance;
    private final Supplier<String> readiness;
    private final MeterRegistry meters;
    private final Clock clock;

    public SelfReporter(String component, String service, String instance, Supplier<String> readiness,
                        MeterRegistry meters, Clock clock) {
        this.component = component;
        this.service = service;
        this.instance = instance;
        this.readiness = readiness;
        this.meters = meters;
        this.clock = clock;
    }

    public SelfReport report() {
        List<SelfReport.Fact> facts = new ArrayList<>();
        for (String name : StatusBoard.METERS) {
            for (Meter meter : meters.find(name).meters()) {
                double value = meter instanceof Gauge g ? g.value()
                        : meter instanceof Counter c ? c.count() : Double.NaN;
                if (Double.isNaN(value)) {
                    continue; // no value (a coverage ratio without open interest): the page shows it as unknown
                }
                Map<String, String> tags = new LinkedHashMap<>();
                for (Tag t : meter.getId().getTags()) {
                    tags.put(t.getKey(), t.getValue());
                }
                facts.add(new SelfReport.Fact(name, tags, value));
            }
        }
        return new SelfReport(component, service, instance, readiness.get(), clock.instant(), facts);
    }
}
