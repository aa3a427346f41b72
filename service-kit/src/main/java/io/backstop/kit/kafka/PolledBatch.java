package io.backstop.kit.kafka;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;

/**
 * Helpers for batch listeners: with the kit's error-handling deserializer, a record that could not be
 * read arrives with no value and its error in the headers. A listener applies the readable prefix of
 * its poll, then fails the poll at the first unreadable record: the error handler dead-letters it with
 * the reason and delivers the rest again.
 */
public final class PolledBatch {

    private static final LogAccessor LOG = new LogAccessor(PolledBatch.class);

    private PolledBatch() {
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
