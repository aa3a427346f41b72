package io.backstop.kit.status;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code backstop.status.*}: where the public status page finds the four components, how long it waits for
 * each, how long an answer is reused, and the alerts' thresholds it raises incidents at.
 *
 * @param component  this service's own key among the peers
 * @param peers      component key to base URL, in the order the page lists them
 *                   (env {@code BACKSTOP_STATUS_PEERS_ORACLE=http://oracle-service:8081}, ...)
 * @param timeout    how long a peer may take to answer before the page says it is not answering
 * @param cache      how long one assessment is served before the peers are asked again (a flood of page views
 *                   on a busy day costs the platform one round of questions per period)
 * @param sampleEvery how often the history samples the platform when nobody looks
 */
@ConfigurationProperties("backstop.status")
public record StatusProperties(String component, Map<String, String> peers, Duration timeout, Duration cache,
                               Duration sampleEvery, Duration queueOldest, Duration ordersUnanswered,
                               double coverageMin) {

    public StatusProperties {
        peers = peers == null ? Map.of() : new LinkedHashMap<>(peers);
        timeout = timeout == null ? Duration.ofSeconds(2) : timeout;
        cache = cache == null ? Duration.ofSeconds(5) : cache;
        sampleEvery = sampleEvery == null ? Duration.ofSeconds(30) : sampleEvery;
        queueOldest = queueOldest == null ? Duration.ofSeconds(30) : queueOldest;
        ordersUnanswered = ordersUnanswered == null ? Duration.ofSeconds(60) : ordersUnanswered;
    }

    StatusBoard.Thresholds thresholds() {
        return new StatusBoard.Thresholds(queueOldest, ordersUnanswered, coverageMin);
    }
}
