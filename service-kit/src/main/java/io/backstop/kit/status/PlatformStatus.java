package io.backstop.kit.status;

import java.time.Instant;
import java.util.List;

/**
 * The platform as the public status page shows it: each component, the incidents raised from the same
 * conditions as the alerts, the oracle per symbol, margin calls held, the liquidation backlog, the funds, and
 * the last hour at a glance. Built by {@link StatusBoard} from what the components said (or did not say).
 *
 * @param time     the serving service's clock
 * @param servedBy the service and instance that built this answer
 */
public record PlatformStatus(Instant time, Overall overall, List<Component> components, List<Incident> incidents,
                             List<SymbolPrice> oracle, Margin margin, Liquidations liquidations, List<Fund> funds,
                             List<HistoryRow> lastHour, String servedBy) {

    /** The headline: no incident, incidents that degrade the service, or one that stops part of it. */
    public enum Overall { OPERATIONAL, DEGRADED, OUTAGE }

    /** A component's state: ready, answering but not ready, or not answering at all. */
    public enum State { UP, NOT_READY, DOWN }

    public enum Severity { CRITICAL, MAJOR, MINOR }

    /** @param detail why it is not UP (the peer's problem, its readiness status), empty when UP */
    public record Component(String key, String service, State state, String instance, String detail) {
    }

    /** @param key stable across refreshes, so the page can say since when the incident is active */
    public record Incident(String key, Severity severity, String title, String detail, Instant since) {
    }

    /** @param status OK, DEGRADED, STALE as the oracle publishes it */
    public record SymbolPrice(String symbol, String status) {
    }

    /** Null fields when margin-service did not answer: unknown, not zero. */
    public record Margin(Long accounts, Long heldCalls) {
    }

    /** Null fields when liquidation-service did not answer. */
    public record Liquidations(Long queueDepth, Double queueOldestSeconds, Double ordersOpenOldestSeconds) {
    }

    /** @param coverage balance / open interest of the group, null when there is no open interest */
    public record Fund(String group, double balance, Double coverage) {
    }

    /** One component's last hour, a cell a minute, oldest first: the worst state seen in it, null when not seen. */
    public record HistoryRow(String component, List<State> minutes) {
    }
}
