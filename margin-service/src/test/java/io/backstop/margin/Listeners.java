package io.backstop.margin;

import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/** The service's Kafka listeners, seen from a test. */
final class Listeners {

    private Listeners() {
    }

    /** Whether every listener has partitions: before that, what a test sends may be read by nobody yet. */
    static boolean allAssigned(KafkaListenerEndpointRegistry registry) {
        return registry.getListenerContainers().stream().allMatch(c ->
                c.getAssignedPartitions() != null && !c.getAssignedPartitions().isEmpty());
    }
}
