package io.backstop.kit.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Readiness of this service's Kafka side: the cluster answers a metadata request within the timeout,
 * and every listener container that should run is running (a container that stopped on a fatal
 * error leaves its partitions unprocessed). Spring Boot has no Kafka health indicator of its own.
 */
public class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    private final Admin admin;
    private final KafkaListenerEndpointRegistry listeners;
    private final Duration timeout;

    public KafkaHealthIndicator(Admin admin, KafkaListenerEndpointRegistry listeners, Duration timeout) {
        super("Kafka health check failed");
        this.admin = admin;
        this.listeners = listeners;
        this.timeout = timeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        DescribeClusterResult cluster = admin.describeCluster(
                new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()));
        Collection<Node> nodes = cluster.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        String clusterId = cluster.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<String> stopped = listeners.getListenerContainers().stream()
                .filter(MessageListenerContainer::isAutoStartup)
                .filter(c -> !c.isRunning())
                .map(MessageListenerContainer::getListenerId)
                .toList();
        builder.withDetail("clusterId", clusterId)
                .withDetail("brokers", nodes.size())
                .withDetail("listeners", listeners.getListenerContainers().size());
        if (nodes.isEmpty()) {
            builder.down().withDetail("error", "no broker answered");
        } else if (!stopped.isEmpty()) {
            builder.down().withDetail("stoppedListeners", stopped);
        } else {
            builder.up();
        }
    }

    @Override
    public void destroy() {
        admin.close(Duration.ofSeconds(2));
    }
}
