package io.backstop.kit.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.EventEnvelope;
import io.backstop.events.InvalidField;
import io.backstop.events.market.VenueTickObserved;
import io.backstop.kit.kafka.DeadLetterPublisher;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.SimpleTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a poll with rejected records costs: split at each rejection, its work stays linear in the poll. Applying
 * the whole poll again without each rejected record would cost a poll's worth of applications per rejection, which
 * a consumer falling behind on a burst of bad records cannot afford. The inbox and the transactions are in memory:
 * what a transaction wrote is kept when it commits and dropped when it rolls back, as in the database.
 */
class InboxBatchTest {

    private static final String TOPIC = "market.ticks";

    /** What the open transaction wrote: inbox entries and applied events, kept or dropped as it ends. */
    private final Set<UUID> pendingInbox = new HashSet<>();
    private final List<UUID> pendingApplied = new ArrayList<>();
    private final Set<UUID> inboxEntries = new HashSet<>();
    private final List<UUID> committedApplied = new ArrayList<>();
    private int commits;
    private int rollbacks;

    /** How many times the handler was handed each event, committed or not. */
    private final Map<UUID, Integer> applications = new HashMap<>();

    private final PlatformTransactionManager transactions = new PlatformTransactionManager() {
        @Override
        public TransactionStatus getTransaction(TransactionDefinition definition) {
            pendingInbox.clear();
            pendingApplied.clear();
            return new SimpleTransactionStatus();
        }

        @Override
        public void commit(TransactionStatus status) {
            inboxEntries.addAll(pendingInbox);
            committedApplied.addAll(pendingApplied);
            commits++;
        }

        @Override
        public void rollback(TransactionStatus status) {
            rollbacks++;
        }
    };

    private final Inbox inbox = new Inbox(null, Clock.systemUTC()) {
        @Override
        public Set<UUID> recordFirstDeliveries(List<Delivery> deliveries) {
            Set<UUID> first = new HashSet<>();
            for (Delivery delivery : deliveries) {
                if (!inboxEntries.contains(delivery.eventId()) && pendingInbox.add(delivery.eventId())) {
                    first.add(delivery.eventId());
                }
            }
            return first;
        }
    };

    private final Serializer<Object> toText = (topic, value) -> String.valueOf(value).getBytes(StandardCharsets.UTF_8);
    /** Answers each dead letter at once and stays open: the template closes its producer once a send is answered. */
    private final MockProducer<Object, Object> producer = new MockProducer<>(true, null, toText, toText) {
        @Override
        public void close(Duration timeout) {
        }
    };
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final InboxBatch batch = new InboxBatch(inbox, new TransactionTemplate(transactions),
            meters, "", new DeadLetterPublisher(
            new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), new SimpleMeterRegistry(), "", "kit-test"));

    @Test
    void aPollWithRejectionsSpreadThroughItIsAppliedInWorkLinearInThePollEachRecordCommittedOrDeadLetteredOnce() {
        // 100 records, 10 of them rejected: records 3, 13, 23, ... 93
        List<ConsumerRecord<String, EventEnvelope<?>>> poll = poll(100);
        Set<UUID> rejected = new HashSet<>();
        List<UUID> accepted = new ArrayList<>();
        for (int i = 0; i < poll.size(); i++) {
            (i % 10 == 3 ? rejected : accepted).add(poll.get(i).value().eventId());
        }

        batch.apply(poll, event -> {
            applications.merge(event.eventId(), 1, Integer::sum);
            if (rejected.contains(event.eventId())) {
                throw new InvalidField("payload.symbol", "is not configured");
            }
            pendingApplied.add(event.eventId());
        });

        // each record before the last rejection is applied twice (in the transaction its rejection rolls back, then
        // committed in its prefix's), each rejected one once, each after the last rejection once: 2 x 84 + 10 + 6.
        // Applying the poll again from its start without each rejected record would cost 535, growing as rejections
        // times the poll.
        assertThat(applications.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(184);
        assertThat(rollbacks).as("one rolled back per rejection").isEqualTo(10);
        assertThat(commits).as("one per prefix, and the rest after the last rejection").isEqualTo(11);
        assertThat(committedApplied).as("every accepted record committed once, in order")
                .containsExactlyElementsOf(accepted);
        assertThat(inboxEntries).as("in the inbox: the accepted records, none rejected")
                .containsExactlyInAnyOrderElementsOf(accepted);
        DistributionSummary sizes = meters.get("backstop.inbox.transaction.events").tag("topic", TOPIC).summary();
        assertThat(sizes.count()).as("the committed transactions' sizes, the rolled back ones not").isEqualTo(11);
        assertThat(sizes.totalAmount()).as("the 90 accepted records, in the transactions that committed them")
                .isEqualTo(90);
        assertThat(rejected).allSatisfy(id -> assertThat(applications.get(id)).as("a rejected record applied once")
                .isOne());
        List<ProducerRecord<Object, Object>> letters = producer.history();
        assertThat(letters).extracting(ProducerRecord::topic).containsOnly(TOPIC + ".dlq");
        assertThat(letters).extracting(letter -> ((EventEnvelope<?>) letter.value()).eventId())
                .as("every rejected record dead-lettered once, in record order")
                .containsExactlyElementsOf(IntStream.range(0, 10)
                        .mapToObj(i -> poll.get(10 * i + 3).value().eventId()).toList());
    }

    @Test
    void aPollFromTwoTopicsIsOneTransactionCountedUnderBothTopics() {
        List<ConsumerRecord<String, EventEnvelope<?>>> poll = new ArrayList<>(poll(30));
        poll.addAll(10, poll(20, "liquidation.executions"));

        batch.apply(poll, event -> pendingApplied.add(event.eventId()));

        assertThat(commits).as("one transaction for the poll").isOne();
        assertThat(committedApplied).containsExactlyElementsOf(poll.stream().map(r -> r.value().eventId()).toList());
        DistributionSummary sizes = meters.get("backstop.inbox.transaction.events")
                .tag("topic", "liquidation.executions+" + TOPIC).summary();
        assertThat(sizes.count()).isOne();
        assertThat(sizes.totalAmount()).isEqualTo(50);
        assertThat(meters.find("backstop.inbox.transaction.events").tag("topic", TOPIC).summary())
                .as("not also under one of its topics alone").isNull();
    }

    private static List<ConsumerRecord<String, EventEnvelope<?>>> poll(int size) {
        return poll(size, TOPIC);
    }

    private static List<ConsumerRecord<String, EventEnvelope<?>>> poll(int size, String topic) {
        Instant now = Instant.parse("2025-10-10T21:00:00Z");
        return IntStream.range(0, size).<ConsumerRecord<String, EventEnvelope<?>>>mapToObj(i -> new ConsumerRecord<>(
                topic, 0, i, "BTCUSDT", EventEnvelope.of(new VenueTickObserved("binance", "BTCUSDT",
                        new BigDecimal("100"), new BigDecimal("101"), new BigDecimal("100.5"), now), now, null, null)))
                .toList();
    }
}
