package io.backstop.kit.kafka;

import io.backstop.events.Topic;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a service reads and writes. The kit declares these topics (and a dead-letter topic for each
 * one consumed) with the configured partitions, so a service started against an empty cluster works;
 * in production the same topics are usually declared by the platform (Strimzi KafkaTopic resources).
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
