package io.backstop.kit.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The status page's memory of the last hour: a sample each time the platform was assessed, at most one per
 * {@code spacing}, older than the window dropped. In this process's memory: each serving replica keeps its own,
 * so the page stays up on any of them, and a replica that just started shows the hour since it started.
 */
public final class StatusHistory {

    /** One assessment: each component's state, the active incidents' keys, the fund's ADL and socialized totals. */
    public record Sample(Instant time, Map<String, PlatformStatus.State> components, Set<String> incidents,
                         double adlTotal, double socializedTotal) {

        public Sample {
            components = Map.copyOf(components);
            incidents = Set.copyOf(incidents);
        }
    }

    private final Duration window;
    private final Duration spacing;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public StatusHistory(Duration window, Duration spacing) {
        this.window = window;
        this.spacing = spacing;
    }

    /** The samples of the window ending at {@code now}, oldest first. */
    public synchronized List<Sample> window(Instant now) {
        Instant from = now.minus(window);
        return samples.stream().filter(s -> !s.time().isBefore(from) && !s.time().isAfter(now)).toList();
    }

    /** Keeps {@code sample} unless the last one is younger than the spacing; drops what left the window. */
    public synchronized void record(Sample sample) {
        Sample last = samples.peekLast();
        if (last != null && sample.time().isBefore(last.time().plus(spacing))) {
            return;
        }
        samples.addLast(sample);
        Instant from = sample.time().minus(window);
        while (!samples.isEmpty() && samples.peekFirst().time().isBefore(from)) {
            samples.removeFirst();
        }
    }

    public Duration window() {
        return window;
    }
}
