package io.backstop.lab.runtime;

import io.backstop.events.Topic;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./backstop dead-letters}: what the services sent to the dead-letter topics ({@code <topic>.dlq}), counted
 * by topic and reason with the latest letters spelled out, and — with {@code --redrive} — republished to the topics
 * they came from once their cause is fixed (a service that dead-lettered events it kept failing on, reason
 * {@code processing_failed}, say). Republishing is safe to repeat: every consumer drops an event it already applied
 * (the inbox, or a price's sequence), and one that fails again is dead-lettered again. The original key, value and
 * headers travel; the dead-letter headers do not, and {@value #REDRIVEN_HEADER} says where the copy came from.
 */
public final class DeadLetters {

    static final String REDRIVEN_HEADER = "backstop-redriven-from";
    private static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** One dead letter: where it is, what it carried, and why it was sent there. */
    public record Letter(String topic, int partition, long offset, Instant at, String key, byte[] value, Headers headers) {

        public String originalTopic() {
            String original = header(ORIGINAL_TOPIC);
            return original.isEmpty() ? topic.substring(0, topic.length() - Topic.DEAD_LETTER_SUFFIX.length()) : original;
        }

        public String reason() {
            return header("backstop-dlq-reason");
        }

        public String field() {
            return header("backstop-dlq-field");
        }

        public String detail() {
            return header("backstop-dlq-detail");
        }

        public String service() {
            return header("backstop-dlq-service");
        }

        String header(String name) {
            Header h = headers.lastHeader(name);
            return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
        }
    }

    private final String bootstrap;
    private final PrintStream out;

    public DeadLetters(String bootstrap, PrintStream out) {
        this.bootstrap = bootstrap;
        this.out = out;
    }

    /** Every dead letter on the platform, oldest first per topic; only {@code topic}'s when given (its base name). */
    public List<Letter> read(String topic) throws Exception {
        List<String> topics;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            topics = admin.listTopics().names().get().stream().filter(n -> n.endsWith(Topic.DEAD_LETTER_SUFFIX))
                    .filter(n -> topic == null || n.equals(topic + Topic.DEAD_LETTER_SUFFIX)
                            || n.endsWith("." + topic + Topic.DEAD_LETTER_SUFFIX))
                    .sorted().toList();
        }
        List<Letter> letters = new ArrayList<>();
        if (topics.isEmpty()) {
            return letters;
        }
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : topics) {
                consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            ends.putAll(consumer.endOffsets(partitions));
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the dead-letter topics to their end within "
                            + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    letters.add(new Letter(r.topic(), r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()),
                            r.key(), r.value(), r.headers()));
                }
            }
        }
        return letters;
    }

    /** Prints the counts by topic and reason, then the latest {@code latest} letters. Exit 0. */
    public int list(String topic, int latest) throws Exception {
        List<Letter> letters = read(topic);
        if (letters.isEmpty()) {
            out.println("no dead letters" + (topic == null ? "" : " on " + topic));
            return 0;
        }
        Map<String, Integer> counts = new TreeMap<>();
        letters.forEach(l -> counts.merge(l.originalTopic() + "\t" + l.reason(), 1, Integer::sum));
        out.printf("%-36s %-22s %8s%n", "topic", "reason", "letters");
        counts.forEach((k, n) -> {
            String[] parts = k.split("\t", -1);
            out.printf("%-36s %-22s %,8d%n", parts[0], parts[1], n);
        });
        List<Letter> last = letters.stream().sorted(java.util.Comparator.comparing(Letter::at)).toList();
        last = last.subList(Math.max(0, last.size() - latest), last.size());
        out.printf("%nlatest %d:%n", last.size());
        for (Letter l : last) {
            out.printf("%s %s-%d@%d key=%s %s %s by %s: %s%n", l.at(), l.topic(), l.partition(), l.offset(), l.key(),
                    l.reason(), l.field(), l.service(), abbreviate(l.detail(), 160));
        }
        return 0;
    }

    /**
     * Republishes the letters of {@code reason} (and of {@code topic} when given) to the topics they came from;
     * prints how many went where. Exit 0, or 1 when nothing matched.
     */
    public int redrive(String topic, String reason) throws Exception {
        List<Letter> chosen = read(topic).stream().filter(l -> l.reason().equals(reason)).toList();
        if (chosen.isEmpty()) {
            out.println("no dead letters of reason " + reason + (topic == null ? "" : " on " + topic)
                    + " to republish");
            return 1;
        }
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        Map<String, Integer> sent = new TreeMap<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            for (Letter l : chosen) {
                producer.send(new ProducerRecord<>(l.originalTopic(), null, l.key(), l.value(), original(l))).get();
                sent.merge(l.originalTopic(), 1, Integer::sum);
            }
        }
        sent.forEach((t, n) -> out.printf("republished %,d dead letters of reason %s to %s%n", n, reason, t));
        return 0;
    }

    /** The letter's own headers, without what the dead-letter publisher added, and where the copy came from. */
    private static Headers original(Letter l) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : l.headers()) {
            if (!h.key().startsWith("kafka_dlt-") && !h.key().startsWith("backstop-dlq-")
                    && !h.key().equals(REDRIVEN_HEADER)) {
                headers.add(h);
            }
        }
        headers.add(REDRIVEN_HEADER, (l.topic() + "-" + l.partition() + "@" + l.offset())
                .getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
