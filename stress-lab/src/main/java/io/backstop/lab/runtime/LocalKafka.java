package io.backstop.lab.runtime;

import io.backstop.events.Topic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) as its own JVM, run from
 * the kafka_2.13 jars that the {@code local-kafka} module resolves from Maven Central. Its data lives
 * in {@code run/kafka/data} and survives restarts.
 */
final class LocalKafka {

    static final String COMPONENT = "kafka";

    private final RuntimeSettings settings;

    LocalKafka(RuntimeSettings settings) {
        this.settings = settings;
    }

    Path dir() {
        return settings.runDir().resolve("kafka");
    }

    Path log() {
        return settings.logs().resolve("kafka.log");
    }

    Path pidFile() {
        return settings.pids().resolve("kafka.pid");
    }

    Optional<ProcessHandle> running() {
        return Processes.running(COMPONENT, pidFile());
    }

    void start() throws IOException, InterruptedException {
        if (running().isPresent()) {
            return;
        }
        Ports.requireFree(COMPONENT, settings.kafkaPort(), "BACKSTOP_KAFKA_PORT");
        Ports.requireFree(COMPONENT + " controller", settings.kafkaControllerPort(), "BACKSTOP_KAFKA_CONTROLLER_PORT");
        if (!Files.isDirectory(settings.kafkaLib())) {
            throw new IllegalStateException("no Kafka jars at " + settings.kafkaLib() + ": build with ./mvnw package");
        }
        Files.createDirectories(dir().resolve("data"));
        Path config = dir().resolve("server.properties");
        Files.writeString(config, serverProperties());
        Path log4j = dir().resolve("log4j2.properties");
        Files.writeString(log4j, LOG4J);
        Files.createDirectories(log().getParent()); // the storage format below writes to the log already
        if (!Files.exists(dir().resolve("data").resolve("meta.properties"))) {
            format(config);
        }
        List<String> command = new ArrayList<>(List.of(settings.java(), "-Xms256m", "-Xmx512m", "-XX:+UseG1GC",
                "-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + log4j, Processes.marker(COMPONENT),
                "-cp", settings.kafkaLib() + "/*", "kafka.Kafka", config.toString()));
        Processes.launch(COMPONENT, command, Map.of(), log(), pidFile(), dir());
    }

    private void format(Path config) throws IOException, InterruptedException {
        Process format = new ProcessBuilder(settings.java(), "-Dlog4j2.configurationFile=" + dir().resolve("log4j2.properties"),
                "-cp", settings.kafkaLib() + "/*", "kafka.tools.StorageTool", "format", "--standalone",
                "-t", Uuid.randomUuid().toString(), "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        // as long as a component may take to be ready: on a machine kept busy by other work the storage tool's
        // JVM alone can take minutes to start (a demo failed at a fixed 60 s beside two CPU hogs)
        int timeout = settings.readyTimeoutSeconds();
        if (!format.waitFor(timeout, TimeUnit.SECONDS)) {
            format.destroyForcibly();
            throw new IllegalStateException("formatting Kafka's storage did not finish within " + timeout
                    + " s (BACKSTOP_READY_TIMEOUT; is the machine overloaded?); see " + log());
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException("formatting Kafka's storage failed (exit code " + format.exitValue()
                    + "); see " + log());
        }
    }

    boolean ready() {
        try (Admin admin = admin()) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /** Creates every topic of Backstop's data flow and their dead-letter topics, if missing. */
    int createTopics() throws InterruptedException, ExecutionException {
        List<NewTopic> topics = new ArrayList<>();
        for (Topic topic : Topic.values()) {
            NewTopic t = new NewTopic(topic.name(""), settings.partitions(), (short) 1);
            if (topic.compacted()) {
                t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            topics.add(t);
            topics.add(new NewTopic(topic.deadLetterName(""), 1, (short) 1));
        }
        int created = 0;
        try (Admin admin = admin()) {
            var results = admin.createTopics(topics).values();
            for (var result : results.values()) {
                try {
                    result.get();
                    created++;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
        return created;
    }

    boolean stop() throws IOException {
        return Processes.stop(COMPONENT, pidFile(), Duration.ofSeconds(30));
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
    }

    private String serverProperties() {
        String host = "127.0.0.1";
        return String.join("\n",
                "# written by ./backstop up",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=" + host + ":" + settings.kafkaControllerPort(),
                "listeners=PLAINTEXT://" + host + ":" + settings.kafkaPort() + ",CONTROLLER://" + host + ":"
                        + settings.kafkaControllerPort(),
                "advertised.listeners=PLAINTEXT://" + host + ":" + settings.kafkaPort(),
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir().resolve("data"),
                "num.partitions=" + settings.partitions(),
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.retention.hours=168",
                "");
    }

    private static final String LOG4J = String.join("\n",
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = OUT",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.out.ref = OUT",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = WARN",
            "");
}
