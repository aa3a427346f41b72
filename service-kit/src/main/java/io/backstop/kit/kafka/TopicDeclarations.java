package io.backstop.kit.kafka;

import io.backstop.events.Topic;
import io.backstop.kit.BackstopProperties;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.kafka.config.TopicBuilder;

/** Turns a service's {@link ServiceTopics} into the topics Kafka must have. */
public final class TopicDeclarations {

    private TopicDeclarations() {
    }

    public static List<NewTopic> of(ServiceTopics topics, BackstopProperties.Kafka kafka) {
        Set<Topic> all = EnumSet.noneOf(Topic.class);
        all.addAll(topics.consumes());
        all.addAll(topics.produces());
        List<NewTopic> declared = new ArrayList<>();
        for (Topic topic : all) {
            TopicBuilder builder = TopicBuilder.name(topic.name(kafka.getTopicPrefix()))
                    .partitions(kafka.partitionsOf(topic.baseName()))
                    .replicas(kafka.getReplicationFactor());
            if (topic.compacted()) {
                builder.compact();
            }
            declared.add(builder.build());
        }
        for (Topic topic : topics.consumes()) {
            declared.add(TopicBuilder.name(topic.deadLetterName(kafka.getTopicPrefix()))
                    .partitions(1)
                    .replicas(kafka.getReplicationFactor())
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG,
                            Long.toString(kafka.getDeadLetterRetention().toMillis())))
                    .build());
        }
        return declared;
    }
}
