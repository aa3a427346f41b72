package io.backstop.kit.kafka;

import io.backstop.events.Topic;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a service reads and writes. The kit declares these topics (and a dead-letter topic for each
 * one consumed) with the configured partitions, so a service started against an empty cluster works;
 * on Kubernetes the platform declares them (Strimzi KafkaTopic resources) and
 * {@code backstop.kafka.create-topics=false} turns the kit's declarations off.
 */
public record ServiceTopics(Set<Topic> consumes, Set<Topic> produces) {

    public ServiceTopics {
        consumes = consumes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(consumes));
        produces = produces.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(produces));
    }

    public static ServiceTopics of(Set<Topic> consumes, Set<Topic> produces) {
        return new ServiceTopics(consumes, produces);
    }
}
