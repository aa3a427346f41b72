package io.backstop.kit.kafka;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;

/**
 * How a batch listener applies a poll ({@link #apply}): in as few transactions as it can, each bad record
 * dead-lettered at once and the rest applied, and a failure pinned to the record it comes from. With the
 * kit's error-handling deserializer, a record that could not be read arrives with no value and its error
 * in the headers.
 */
public final class PolledBatch {

    private static final LogAccessor LOG = new LogAccessor(PolledBatch.class);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PolledBatch.class);

    private PolledBatch() {
    }

    /**
     * Applies records in one transaction up to the first one the contract rejects, and commits those before
     * it; throws for any other failure, nothing of the records applied.
     */
    @FunctionalInterface
    public interface Segment<R> {
        Optional<Rejection> apply(List<R> records);
    }

    /** The record of a segment the contract rejected (its index in the segment), and why. */
    public record Rejection(int index, RuntimeException reason) {
    }

    /**
     * Applies a poll by segments: the readable records up to the first rejected one in one transaction, the
     * rejected or unreadable record dead-lettered here and now (a rejection handed to the container's error
     * handler would cost a seek and a new fetch per record), then the rest likewise. When a segment fails for
     * any other reason, and not because the infrastructure is down, it is applied again one record per
     * transaction, so that what comes before the faulty record is committed and the failure is reported at
     * that record ({@link BatchListenerFailedException} with its index): the error handler's retries, and the
     * dead letter when they run out ({@link RetryPolicy}), are then about that record and never about an
     * innocent one that happened to open the poll. If the dead-letter topic cannot be written, the poll fails
     * at the record and the error handler retries it.
     */
    public static <R extends ConsumerRecord<?, ?>> void apply(List<R> records, Segment<R> segment,
                                                              ConsumerAwareRecordRecoverer deadLetters) {
        int start = 0;
        while (start < records.size()) {
            List<R> rest = records.subList(start, records.size());
            int readable = readable(rest);
            Optional<Rejection> rejection = applySegment(rest.subList(0, readable), segment, start);
            int bad;
            RuntimeException cause;
            if (rejection.isPresent()) {
                bad = rejection.get().index();
                cause = rejection.get().reason();
            } else if (readable < rest.size()) {
                bad = readable;
                cause = unreadable(rest.get(readable));
            } else {
                return;
            }
            try {
                deadLetters.accept(rest.get(bad), null, cause);
            } catch (RuntimeException e) {
                throw new BatchListenerFailedException(cause.getMessage(), cause, start + bad);
            }
            start += bad + 1;
        }
    }

    private static <R> Optional<Rejection> applySegment(List<R> records, Segment<R> segment, int start) {
        if (records.isEmpty()) {
            return Optional.empty();
        }
        try {
            return segment.apply(records);
        } catch (RuntimeException failure) {
            if (records.size() == 1 || RetryPolicy.passing(failure)) {
                throw new BatchListenerFailedException("applying a poll failed: " + failure.getMessage(), failure,
                        start);
            }
            log.warn("applying {} records failed ({}); applying them one by one to find the record at fault",
                    records.size(), failure.toString());
            for (int i = 0; i < records.size(); i++) {
                Optional<Rejection> one;
                try {
                    one = segment.apply(records.subList(i, i + 1));
                } catch (RuntimeException again) {
                    throw new BatchListenerFailedException("applying a record failed: " + again.getMessage(), again,
                            start + i);
                }
                if (one.isPresent()) {
                    return Optional.of(new Rejection(i, one.get().reason()));
                }
            }
            return Optional.empty();
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
