package io.backstop.kit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * Settings every Backstop service shares, under {@code backstop.*}. All have defaults that run on one
 * machine; deployments override them with environment variables ({@code BACKSTOP_KAFKA_PARTITIONS=24}).
 */
@ConfigurationProperties("backstop")
@Validated
public class BackstopProperties {

    /**
     * Identifies this process among the replicas of its service: in its Kafka transactional ids and
     * its logs. Defaults to {@code BACKSTOP_INSTANCE_ID}, else the host name and process id.
     */
    @NotBlank
    private String instanceId;

    @Valid
    private final Db db = new Db();

    @Valid
    private final Kafka kafka = new Kafka();

    @Valid
    private final Outbox outbox = new Outbox();

    @Valid
    private final Inbox inbox = new Inbox();

    @Valid
    private final Clock clock = new Clock();

    @Valid
    private final Security security = new Security();

    public String getInstanceId() {
        return instanceId;
    }

    public void setInstanceId(String instanceId) {
        this.instanceId = instanceId;
    }

    public Db getDb() {
        return db;
    }

    public Kafka getKafka() {
        return kafka;
    }

    public Outbox getOutbox() {
        return outbox;
    }

    public Inbox getInbox() {
        return inbox;
    }

    public Clock getClock() {
        return clock;
    }

    public Security getSecurity() {
        return security;
    }

    public static class Db {
        /** The PostgreSQL schema the service owns; Flyway creates and migrates it. */
        @NotBlank
        @Pattern(regexp = "[a-z_][a-z0-9_]*", message = "must be a lower-case SQL identifier")
        private String schema;

        public String getSchema() {
            return schema;
        }

        public void setSchema(String schema) {
            this.schema = schema;
        }
    }

    public static class Kafka {
        /**
         * Whether the service creates the topics it uses (and their dead-letter topics) at start, when
         * missing. On for one machine and Docker Compose; off where the platform owns the topics (on
         * Kubernetes, Strimzi's {@code KafkaTopic} resources), so partitions and retention have one owner.
         */
        private boolean createTopics = true;

        /** Put before every topic name and consumer group, for example {@code staging.}; empty for none. */
        @NotNull
        @Pattern(regexp = "[A-Za-z0-9._-]*", message = "may hold only letters, digits, '.', '_' and '-'")
        private String topicPrefix = "";

        /** Partitions of topics this service declares, unless overridden per topic. */
        @Min(1)
        private int partitions = 6;

        /** Per-topic partition counts by base name, for example {@code oracle.prices: 12}. */
        private Map<String, Integer> topicPartitions = new LinkedHashMap<>();

        /** Replication factor of declared topics: 1 on one machine, 3 in production. */
        @Min(1)
        @Max(32)
        private short replicationFactor = 1;

        /** How long dead letters are kept for people to inspect and replay. */
        @NotNull
        private Duration deadLetterRetention = Duration.ofDays(30);

        /** Longest pause between retries of a message that failed for a reason other than its content. */
        @NotNull
        private Duration maxRetryInterval = Duration.ofSeconds(30);

        /**
         * Attempts at a message that fails while the database answers and not for its content (a fault in the
         * service, an event it cannot handle) before it is dead-lettered as {@code processing_failed}; with the
         * default back-off, 10 attempts hold the partition about 1 minute 50. A failure of the infrastructure itself
         * is retried for as long as it takes.
         */
        @Min(1)
        private int maxAttempts = 10;

        /**
         * Dead letters logged a minute per topic and reason; the rest are counted
         * ({@code backstop_kafka_dead_letters_total}) and listed by {@code ./backstop dead-letters}, not logged, and
         * the next minute's first line says how many. A burst of bad records then cannot flood the log.
         */
        @Min(1)
        private int deadLetterLogPerMinute = io.backstop.kit.kafka.DeadLetterPublisher.DEFAULT_LOG_PER_MINUTE;

        /**
         * The longest string an event read from Kafka may carry (an id, a symbol, a tag); a longer one is dead-lettered
         * as {@code invalid_value} naming its path. Read by the event deserializer from the consumers' properties.
         */
        @Min(64)
        private int maxStringLength = 1024;

        /**
         * How long a partition's consumer may fail on it again and again (an outage it waits out, a record it
         * retries) before readiness says OUT_OF_SERVICE, naming the partition and the last error.
         */
        @NotNull
        private Duration stalledAfter = Duration.ofSeconds(30);

        /**
         * How long a partition may stay stalled while the database answers before liveness says DOWN, so that the
         * orchestrator restarts the service; a stall on an outage of the database does not count against it (a
         * restart would not end it).
         */
        @NotNull
        private Duration stallLimit = Duration.ofMinutes(5);

        public Duration getStalledAfter() {
            return stalledAfter;
        }

        public void setStalledAfter(Duration stalledAfter) {
            this.stalledAfter = stalledAfter;
        }

        public Duration getStallLimit() {
            return stallLimit;
        }

        public void setStallLimit(Duration stallLimit) {
            this.stallLimit = stallLimit;
        }

        public boolean isCreateTopics() {
            return createTopics;
        }

        public void setCreateTopics(boolean createTopics) {
            this.createTopics = createTopics;
        }

        public String getTopicPrefix() {
            return topicPrefix;
        }

        public void setTopicPrefix(String topicPrefix) {
            this.topicPrefix = topicPrefix;
        }

        public int getPartitions() {
            return partitions;
        }

        public void setPartitions(int partitions) {
            this.partitions = partitions;
        }

        public Map<String, Integer> getTopicPartitions() {
            return topicPartitions;
        }

        public void setTopicPartitions(Map<String, Integer> topicPartitions) {
            this.topicPartitions = topicPartitions;
        }

        public short getReplicationFactor() {
            return replicationFactor;
        }

        public void setReplicationFactor(short replicationFactor) {
            this.replicationFactor = replicationFactor;
        }

        public Duration getDeadLetterRetention() {
            return deadLetterRetention;
        }

        public void setDeadLetterRetention(Duration deadLetterRetention) {
            this.deadLetterRetention = deadLetterRetention;
        }

        public int getMaxStringLength() {
            return maxStringLength;
        }

        public void setMaxStringLength(int maxStringLength) {
            this.maxStringLength = maxStringLength;
        }

        public int getDeadLetterLogPerMinute() {
            return deadLetterLogPerMinute;
        }

        public void setDeadLetterLogPerMinute(int deadLetterLogPerMinute) {
            this.deadLetterLogPerMinute = deadLetterLogPerMinute;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getMaxRetryInterval() {
            return maxRetryInterval;
        }

        public void setMaxRetryInterval(Duration maxRetryInterval) {
            this.maxRetryInterval = maxRetryInterval;
        }

        public int partitionsOf(String baseName) {
            return topicPartitions.getOrDefault(baseName, partitions);
        }
    }

    public static class Outbox {
        /** Whether this instance runs the relay (only one instance per service publishes at a time anyway). */
        private boolean relayEnabled = true;

        /**
         * How often the leading relay looks for events no wake-up announced (an older version's instance in a rolling
         * upgrade); every commit that appends events wakes it at once, in process or by NOTIFY from another instance.
         */
        @NotNull
        private Duration pollInterval = Duration.ofSeconds(1);

        /** Events published per Kafka transaction. */
        @Min(1)
        @Max(10_000)
        private int batchSize = 500;

        public boolean isRelayEnabled() {
            return relayEnabled;
        }

        public void setRelayEnabled(boolean relayEnabled) {
            this.relayEnabled = relayEnabled;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }
    }

    public static class Inbox {
        /**
         * How long processed eventIds are remembered for deduplication. Keep it longer than the
         * retention of the topics the service consumes, so no redelivery can outlive its record.
         */
        @NotNull
        private Duration retention = Duration.ofDays(8);

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }
    }

    /**
     * Where the platform's time comes from. {@code system} (production): the machine's UTC clock, timers on
     * threads of their own. {@code simulated} (the stress lab's replays): a clock that moves only when the lab
     * steps it, timers that fire on that clock, and events taken in at each step in an order that is a
     * function of the data; see docs/simulated-time.md.
     */
    public static class Clock {

        public enum Mode { SYSTEM, SIMULATED }

        @NotNull
        private Mode mode = Mode.SYSTEM;

        /** Simulated mode only: the platform's time until the lab's first step. */
        @NotNull
        private java.time.Instant start = java.time.Instant.parse("2025-10-10T00:00:00Z");

        public Mode getMode() {
            return mode;
        }

        public void setMode(Mode mode) {
            this.mode = mode;
        }

        public java.time.Instant getStart() {
            return start;
        }

        public void setStart(java.time.Instant start) {
            this.start = start;
        }

        public boolean simulated() {
            return mode == Mode.SIMULATED;
        }
    }

    /** The API's tokens and writes (docs/security.md). */
    public static class Security {

        /**
         * The only issuer ({@code iss}) whose tokens the API accepts ({@code BACKSTOP_SECURITY_ISSUER}; the local
         * runtime's is {@code backstop-local}). Required where the API is secured: the security auto-configuration
         * refuses to start without it, naming it.
         */
        private String issuer = "";

        /** State-changing calls each token subject may make a second before a 429. */
        @Min(1)
        private int writesPerSecond = 1000;

        /** Tokens remembered as verified, at most (0: every token is verified on every call). */
        @Min(0)
        private int verifiedTokens = 10_000;

        /** How long a verified token is remembered by its text (its expiry is checked on every use). */
        @NotNull
        private Duration verifiedFor = Duration.ofMinutes(5);

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public int getWritesPerSecond() {
            return writesPerSecond;
        }

        public void setWritesPerSecond(int writesPerSecond) {
            this.writesPerSecond = writesPerSecond;
        }

        public int getVerifiedTokens() {
            return verifiedTokens;
        }

        public void setVerifiedTokens(int verifiedTokens) {
            this.verifiedTokens = verifiedTokens;
        }

        public Duration getVerifiedFor() {
            return verifiedFor;
        }

        public void setVerifiedFor(Duration verifiedFor) {
            this.verifiedFor = verifiedFor;
        }
    }
}
