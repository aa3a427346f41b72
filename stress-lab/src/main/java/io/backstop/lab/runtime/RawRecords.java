package io.backstop.lab.runtime;

import io.backstop.events.Topic;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes one record to a topic of the running platform exactly as given: no envelope, no contract check. It is how
 * an outside producer's bad record arrives, so an operator (or the live data check) can watch the services
 * dead-letter it and the dashboards and alerts say so.
 */
public final class RawRecords {

    private final String bootstrap;
    private final PrintStream out;

    public RawRecords(String bootstrap, PrintStream out) {
        this.bootstrap = bootstrap;
        this.out = out;
    }

    /** The topic of that base name (as {@code ./backstop up} creates it, e.g. {@code market.ticks}), if Backstop has one. */
    static Optional<Topic> topic(String name) {
        return Topic.fromName(name, "");
    }

    /** Publishes the record; 2 (and the topics there are) when the topic is not one of Backstop's. */
    public int publish(String topicName, String key, String value, PrintStream err) throws Exception {
        if (topic(topicName).isEmpty()) {
            err.println("no topic '" + topicName + "': Backstop's topics are "
                    + Arrays.stream(Topic.values()).map(Topic::baseName).sorted().toList());
            return 2;
        }
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            RecordMetadata written = producer.send(new ProducerRecord<>(topicName, key, value)).get();
            out.printf("written to %s partition %d offset %d%n", written.topic(), written.partition(),
                    written.offset());
        }
        return 0;
    }
}
