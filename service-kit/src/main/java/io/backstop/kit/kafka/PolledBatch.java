package io.backstop.kit.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;

/**
 * How a batch listener applies a poll ({@link #apply}): its readable records in one transaction that skips
 * the records the contract rejects, then every dead letter of the poll sent together, and a failure pinned
 * to the record it comes from. With the kit's error-handling deserializer, a record that could not be read
 * arrives with no value and its error in the headers.
 */
public final class PolledBatch {

    private static final LogAccessor LOG = new LogAccessor(PolledBatch.class);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PolledBatch.class);

    private PolledBatch() {
    }

    /**
     * Applies records in one transaction, skipping those the contract rejects (not applied, and not recorded
     * as processed, so that a redelivery rejects them again) and applying the others, after a rejected one as
     * before it; commits, and returns the rejections in record order (empty when none). Throws for any other
     * failure, nothing of the records applied.
     */
    @FunctionalInterface
    public interface Segment<R> {
        List<Rejection> apply(List<R> records);
    }

    /** A record the contract rejected (its index in the records given), and why. */
    public record Rejection(int index, RuntimeException reason) {
    }

    /** A record to send to its dead-letter topic, and why. */
    public record DeadLetter(ConsumerRecord<?, ?> record, RuntimeException reason) {
    }

    /** Where a poll's dead letters go ({@link DeadLetterPublisher#sendAll}). */
    @FunctionalInterface
    public interface DeadLetters {
        /**
         * Sends the dead letters in order without waiting for each, then waits for them all; returns how many
         * of the first ones were confirmed ({@code letters.size()} when all were).
         */
        int sendAll(List<DeadLetter> letters);
    }

    /**
     * Applies a poll: its readable records in one segment (one transaction) that skips the rejected ones, then
     * the dead letters of the rejected and unreadable records sent together, in record order, once the
     * transaction has committed (a rejection handed to the container's error handler would cost a seek and a
     * new fetch per record; a transaction and a synchronous send per rejected record, a few hundred records a
     * second). If a dead letter is not confirmed, the poll fails at its record ({@link BatchListenerFailedException}
     * with its index): the error handler redelivers from there, the inbox drops what after it was committed,
     * and the record is rejected and dead-lettered again. When the segment fails for any other reason, and not
     * because the infrastructure is down, it is applied again one record per transaction, so that what comes
     * before the faulty record is committed (and its dead letters sent) and the failure is reported at that
     * record: the error handler's retries, and the dead letter when they run out ({@link RetryPolicy}), are then
     * about that record and never about an innocent one that happened to open the poll.
     */
    public static <R extends ConsumerRecord<?, ?>> void apply(List<R> records, Segment<R> segment,
                                                              DeadLetters deadLetters) {
        List<Integer> positions = new ArrayList<>(records.size());
        List<R> readable = new ArrayList<>(records.size());
        List<Indexed> letters = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).value() == null) {
                letters.add(new Indexed(i, unreadable(records.get(i))));
            } else {
                positions.add(i);
                readable.add(records.get(i));
            }
        }
        BatchListenerFailedException failure = null;
        List<Rejection> rejections;
        try {
            rejections = applySegment(readable, segment);
        } catch (Failed failed) {
            int at = positions.get(failed.index);
            failure = new BatchListenerFailedException(failed.getMessage(), failed.getCause(), at);
            rejections = failed.rejectedBefore;
            letters.removeIf(letter -> letter.index > at); // redelivered from the failure on
        }
        for (Rejection rejection : rejections) {
            letters.add(new Indexed(positions.get(rejection.index()), rejection.reason()));
        }
        letters.sort(Comparator.comparingInt(Indexed::index));
        if (!letters.isEmpty()) {
            int confirmed = deadLetters.sendAll(letters.stream()
                    .map(letter -> new DeadLetter(records.get(letter.index), letter.reason)).toList());
            if (confirmed < letters.size()) {
                Indexed lost = letters.get(confirmed);
                throw new BatchListenerFailedException(lost.reason.getMessage(), lost.reason, lost.index);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** A dead letter and its record's index in the poll. */
    private record Indexed(int index, RuntimeException reason) {
    }

    /** The segment failed at {@code index} (of the readable records); the rejections committed before it. */
    private static final class Failed extends RuntimeException {
        final int index;
        final List<Rejection> rejectedBefore;

        Failed(String message, RuntimeException cause, int index, List<Rejection> rejectedBefore) {
            super(message, cause);
            this.index = index;
            this.rejectedBefore = rejectedBefore;
        }
    }

    private static <R> List<Rejection> applySegment(List<R> records, Segment<R> segment) {
        if (records.isEmpty()) {
            return List.of();
        }
        try {
            return segment.apply(records);
        } catch (RuntimeException failure) {
            if (records.size() == 1 || RetryPolicy.passing(failure)) {
                throw new Failed("applying a poll failed: " + failure.getMessage(), failure, 0, List.of());
            }
            log.warn("applying {} records failed ({}); applying them one by one to find the record at fault",
                    records.size(), failure.toString());
            List<Rejection> rejections = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                List<Rejection> one;
                try {
                    one = segment.apply(records.subList(i, i + 1));
                } catch (RuntimeException again) {
                    throw new Failed("applying a record failed: " + again.getMessage(), again, i, rejections);
                }
                for (Rejection rejection : one) {
                    rejections.add(new Rejection(i + rejection.index(), rejection.reason()));
                }
            }
            return rejections;
        }
    }

    /** The index of the first record without a value (unreadable), or the size of the poll. */
    public static int readable(List<? extends ConsumerRecord<?, ?>> records) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).value() == null) {
                return i;
            }
        }
        return records.size();
    }

    /** Throws for the record at {@code index} if it is unreadable; does nothing at the end of the poll. */
    public static void failIfUnreadable(List<? extends ConsumerRecord<?, ?>> records, int index) {
        if (index >= records.size()) {
            return;
        }
        RuntimeException cause = unreadable(records.get(index));
        throw new BatchListenerFailedException(cause.getMessage(), cause, index);
    }

    /** Why a record without a value could not be read (the deserializer's error from its headers). */
    public static RuntimeException unreadable(ConsumerRecord<?, ?> record) {
        DeserializationException error = SerializationUtils.getExceptionFromHeader(record,
                SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG);
        return error != null ? error
                : new IllegalStateException("record without a value and without a deserialization error");
    }
}
