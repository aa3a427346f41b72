package io.backstop.kit.web.overload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code backstop.web.overload.*}: which queries may be shed and when (see {@link QueryGate}). The
 * defaults keep a served query's queue time under about 10 ms once a surge stands, and never serve one
 * that waited over 50 ms.
 */
@ConfigurationProperties("backstop.web.overload")
public class OverloadProperties {

    /** Whether read-only queries are shed at all. */
    private boolean enabled = true;

    /** Path patterns of the read-only queries that may be shed ({@code GET} and {@code HEAD} only). */
    private List<String> paths = new ArrayList<>(List.of("/api/**"));

    /**
     * Path patterns under {@code paths} never shed: the simulated clock's endpoint a replay steps and polls, and the
     * status page's questions (a service shedding queries is up, and the page must be able to say so).
     */
    private List<String> excludedPaths = new ArrayList<>(List.of("/api/v1/simulation/**", "/api/v1/status/**"));

    /** CoDel target: the queue time a healthy server gets below at least once per interval. */
    private Duration target = Duration.ofMillis(5);

    /** CoDel interval: how long a queue must stand above target before queries waiting over 2 x target are shed. */
    private Duration interval = Duration.ofMillis(100);

    /** A query that waited longer than this since it arrived is shed whatever the state. */
    private Duration deadline = Duration.ofMillis(50);

    /** The adaptive concurrency limit starts here ... */
    private int initialConcurrency = 32;

    /** ... never goes below this ... */
    private int minConcurrency = 4;

    /** ... nor above this. */
    private int maxConcurrency = 128;

    /** The {@code Retry-After} a shed query is answered with. */
    private Duration retryAfter = Duration.ofSeconds(1);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public List<String> getPaths() {
        return paths;
    }

    public void setPaths(List<String> paths) {
        this.paths = paths;
    }

    public List<String> getExcludedPaths() {
        return excludedPaths;
    }

    public void setExcludedPaths(List<String> excludedPaths) {
        this.excludedPaths = excludedPaths;
    }

    public Duration getTarget() {
        return target;
    }

    public void setTarget(Duration target) {
        this.target = target;
    }

    public Duration getInterval() {
        return interval;
    }

    public void setInterval(Duration interval) {
        this.interval = interval;
    }

    public Duration getDeadline() {
        return deadline;
    }

    public void setDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    public int getInitialConcurrency() {
        return initialConcurrency;
    }

    public void setInitialConcurrency(int initialConcurrency) {
        this.initialConcurrency = initialConcurrency;
    }

    public int getMinConcurrency() {
        return minConcurrency;
    }

    public void setMinConcurrency(int minConcurrency) {
        this.minConcurrency = minConcurrency;
    }

    public int getMaxConcurrency() {
        return maxConcurrency;
    }

    public void setMaxConcurrency(int maxConcurrency) {
        this.maxConcurrency = maxConcurrency;
    }

    public Duration getRetryAfter() {
        return retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }
}
