package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.InvalidField;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.kafka.listener.BatchListenerFailedException;

/** How a poll is applied: bad records dead-lettered in passing, a failure pinned to the record it comes from. */
class PolledBatchTest {

    private final List<List<String>> committed = new ArrayList<>();
    private final List<String> deadLettered = new ArrayList<>();

    /** Commits its records in one go unless one of them is "bad" (refused by the contract) or "faulty" (throws). */
    private final PolledBatch.Segment<ConsumerRecord<String, String>> segment = records -> {
        List<String> values = records.stream().map(ConsumerRecord::value).toList();
        if (values.contains("faulty")) {
            throw new IllegalStateException("a fault in the handler");
        }
        if (values.contains("down")) {
            throw new DataAccessResourceFailureException("the database does not answer");
        }
        int bad = values.indexOf("bad");
        List<String> applied = bad < 0 ? values : values.subList(0, bad);
        if (!applied.isEmpty()) {
            committed.add(applied);
        }
        return bad < 0 ? Optional.empty()
                : Optional.of(new PolledBatch.Rejection(bad, new InvalidField("size", "must be positive")));
    };

    @Test
    void aPollIsCommittedInOneGoAndABadRecordSplitsItAndIsDeadLettered() {
        PolledBatch.apply(poll("a", "b", "bad", "c"), segment, (r, consumer, e) -> deadLettered.add((String) r.value()));

        assertThat(committed).containsExactly(List.of("a", "b"), List.of("c"));
        assertThat(deadLettered).containsExactly("bad");
    }

    @Test
    void aFaultIsPinnedToItsRecordAfterWhatCameBeforeItIsCommittedOneByOne() {
        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "b", "faulty", "c"), segment,
                (r, consumer, e) -> deadLettered.add((String) r.value())))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isEqualTo(2));

        assertThat(committed).containsExactly(List.of("a"), List.of("b"));
        assertThat(deadLettered).isEmpty();
    }

    @Test
    void anInfrastructureFailureFailsThePollAtItsFirstRecordWithoutTryingThemOneByOne() {
        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "down", "c"), segment,
                (r, consumer, e) -> deadLettered.add((String) r.value())))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isZero());

        assertThat(committed).isEmpty();
    }

    @Test
    void aFaultAfterABadRecordIsPinnedToItsIndexInTheWholePoll() {
        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "bad", "b", "faulty"), segment,
                (r, consumer, e) -> deadLettered.add((String) r.value())))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isEqualTo(3));

        assertThat(committed).containsExactly(List.of("a"), List.of("b"));
        assertThat(deadLettered).containsExactly("bad");
    }

    private static List<ConsumerRecord<String, String>> poll(String... values) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            records.add(new ConsumerRecord<>("t", 0, i, "k", values[i]));
        }
        return records;
    }
}
