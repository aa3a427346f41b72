package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.InvalidField;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.kafka.listener.BatchListenerFailedException;

/**
 * How a poll is applied: in one transaction that skips the rejected records, their dead letters sent together
 * after it, and a failure pinned to the record it comes from.
 */
class PolledBatchTest {

    /** What each call of the segment committed, rejected records left out. */
    private final List<List<String>> committed = new ArrayList<>();
    private final List<String> deadLettered = new ArrayList<>();
    /** The size of each dead-letter send. */
    private final List<Integer> sends = new ArrayList<>();
    /** From this dead letter of a send on (0-based), the broker does not confirm; -1: it confirms all. */
    private int unconfirmedFrom = -1;

    /** Commits its records in one go, skipping those that are "bad" (refused by the contract), unless one is "faulty". */
    private final PolledBatch.Segment<ConsumerRecord<String, String>> segment = records -> {
        List<String> values = records.stream().map(ConsumerRecord::value).toList();
        if (values.contains("faulty")) {
            throw new IllegalStateException("a fault in the handler");
        }
        if (values.contains("down")) {
            throw new DataAccessResourceFailureException("the database does not answer");
        }
        List<String> applied = new ArrayList<>();
        List<PolledBatch.Rejection> rejections = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).startsWith("bad")) {
                rejections.add(new PolledBatch.Rejection(i, new InvalidField("size", "must be positive")));
            } else {
                applied.add(values.get(i));
            }
        }
        committed.add(applied);
        return rejections;
    };

    private final PolledBatch.DeadLetters deadLetters = letters -> {
        sends.add(letters.size());
        int confirmed = 0;
        for (PolledBatch.DeadLetter letter : letters) {
            String value = (String) letter.record().value();
            deadLettered.add(value != null ? value : "unreadable@" + letter.record().offset());
            if (unconfirmedFrom < 0 || confirmed < unconfirmedFrom) {
                confirmed++;
            }
        }
        return confirmed;
    };

    @Test
    void aPollIsCommittedInOneGoSkippingABadRecordWhichIsDeadLetteredAfterwards() {
        PolledBatch.apply(poll("a", "b", "bad", "c"), segment, deadLetters);

        assertThat(committed).containsExactly(List.of("a", "b", "c"));
        assertThat(deadLettered).containsExactly("bad");
    }

    @Test
    void aPollOfRejectedRecordsIsOneSegmentAndItsDeadLettersOneSendInRecordOrder() {
        PolledBatch.apply(poll("bad1", "bad2", "bad3", "bad4", "bad5"), segment, deadLetters);

        assertThat(committed).containsExactly(List.of());
        assertThat(sends).containsExactly(5);
        assertThat(deadLettered).containsExactly("bad1", "bad2", "bad3", "bad4", "bad5");
    }

    @Test
    void rejectedAndUnreadableRecordsAmongGoodOnesAreDeadLetteredTogetherInRecordOrder() {
        PolledBatch.apply(poll(null, "a", "bad1", null, "b", "bad2", "c", null), segment, deadLetters);

        assertThat(committed).containsExactly(List.of("a", "b", "c"));
        assertThat(sends).containsExactly(5);
        assertThat(deadLettered).containsExactly("unreadable@0", "bad1", "unreadable@3", "bad2", "unreadable@7");
    }

    @Test
    void aPollOfUnreadableRecordsCallsNoSegment() {
        PolledBatch.apply(poll(null, null), segment, deadLetters);

        assertThat(committed).isEmpty();
        assertThat(deadLettered).containsExactly("unreadable@0", "unreadable@1");
    }

    @Test
    void aDeadLetterNotConfirmedFailsThePollAtItsRecordForRedelivery() {
        unconfirmedFrom = 2; // the third dead letter of the send: bad3, record 4

        assertThatThrownBy(() -> PolledBatch.apply(poll("bad1", "a", "bad2", "b", "bad3", "c", "bad4"), segment,
                deadLetters))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getIndex()).isEqualTo(4);
                    assertThat(e.getCause()).isInstanceOf(InvalidField.class);
                });

        // committed once; redelivered from record 4, "c" is a duplicate the inbox drops, bad3 and bad4 are rejected again
        assertThat(committed).containsExactly(List.of("a", "b", "c"));
        assertThat(sends).containsExactly(4);
    }

    @Test
    void aFaultIsPinnedToItsRecordAfterWhatCameBeforeItIsCommittedOneByOne() {
        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "b", "faulty", "c"), segment, deadLetters))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isEqualTo(2));

        assertThat(committed).containsExactly(List.of("a"), List.of("b"));
        assertThat(deadLettered).isEmpty();
    }

    @Test
    void anInfrastructureFailureFailsThePollAtItsFirstRecordWithoutTryingThemOneByOne() {
        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "down", "c"), segment, deadLetters))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isZero());

        assertThat(committed).isEmpty();
    }

    @Test
    void anInfrastructureFailureAfterUnreadableRecordsDeadLettersThemAndFailsAtTheFirstReadableOne() {
        assertThatThrownBy(() -> PolledBatch.apply(poll(null, "a", "down", null), segment, deadLetters))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isEqualTo(1));

        assertThat(committed).isEmpty();
        assertThat(deadLettered).containsExactly("unreadable@0"); // record 3 is redelivered
    }

    @Test
    void aFaultAfterBadRecordsIsPinnedToItsIndexInTheWholePollAfterTheirDeadLetters() {
        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "bad1", null, "b", "faulty", "bad2"), segment,
                deadLetters))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isEqualTo(4));

        assertThat(committed).containsExactly(List.of("a"), List.of(), List.of("b"));
        assertThat(deadLettered).containsExactly("bad1", "unreadable@2"); // bad2 comes after the fault: redelivered
    }

    @Test
    void aDeadLetterNotConfirmedBeforeAFaultFailsThePollAtTheDeadLettersRecord() {
        unconfirmedFrom = 0;

        assertThatThrownBy(() -> PolledBatch.apply(poll("a", "bad1", "b", "faulty"), segment, deadLetters))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> assertThat(e.getIndex()).isEqualTo(1));

        assertThat(committed).containsExactly(List.of("a"), List.of(), List.of("b"));
    }

    private static List<ConsumerRecord<String, String>> poll(String... values) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            records.add(new ConsumerRecord<>("t", 0, i, "k", values[i]));
        }
        return records;
    }
}
