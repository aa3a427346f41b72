package io.backstop.kit.kafka;

import io.backstop.events.ContractViolation;
import io.backstop.events.InvalidField;
import java.net.ConnectException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.errors.RetriableException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * How a consumer treats a record it failed on. Three kinds of failure, three answers:
 * <ul>
 *   <li><b>the contract's verdict</b> on the record ({@link ContractViolation}, {@link InvalidField}, unreadable):
 *       never retried, dead-lettered at once with the reason and the field;</li>
 *   <li><b>the infrastructure not answering</b> (the database or the broker down, a connection lost, a
 *       serialization failure or deadlock): retried with back-off for as long as it takes, because every record
 *       would fail alike and skipping them would lose them;</li>
 *   <li><b>anything else</b> (a fault in the service's own code, or an event it cannot handle): retried
 *       {@code maxAttempts} times, counting only the attempts made while the database answers (an outage that
 *       surfaces as some other exception never uses them up), then dead-lettered with reason
 *       {@code processing_failed} and the exception in its headers. One event the service cannot apply then
 *       costs its partition about {@link #maxAttemptsTime()}, not every account behind it for good; the event
 *       is kept on the dead-letter topic, alerted on, and republished once the service is fixed
 *       ({@code ./backstop dead-letters}).</li>
 * </ul>
 * The back-off doubles from 200 ms up to {@code maxInterval}. Used by the Kafka containers' error handler
 * (through {@link #backOff}) and by the simulated-time driver (through {@link #attempts}), so a replay treats
 * failures as the live platform does.
 */
public final class RetryPolicy {

    static final long FIRST_PAUSE_MS = 200;

    private final int maxAttempts;
    private final long maxIntervalMs;
    private final BooleanSupplier infrastructureAnswers;

    /**
     * @param maxAttempts           attempts at a record that fails for no infrastructure reason before it is
     *                              dead-lettered (at least 1)
     * @param maxInterval           the longest pause between two attempts
     * @param infrastructureAnswers whether the service's database answers now (asked after each such failure)
     */
    public RetryPolicy(int maxAttempts, Duration maxInterval, BooleanSupplier infrastructureAnswers) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("backstop.kafka.max-attempts must be at least 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.maxIntervalMs = Math.max(FIRST_PAUSE_MS, maxInterval.toMillis());
        this.infrastructureAnswers = infrastructureAnswers;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** The longest pause between two attempts at a record: one still failing fails again within it. */
    public Duration maxInterval() {
        return Duration.ofMillis(maxIntervalMs);
    }

    /** Whether the service's database answers now. */
    public boolean infrastructureAnswers() {
        return infrastructureAnswers.getAsBoolean();
    }

    /** The longest a record that keeps failing holds its partition while the infrastructure answers. */
    public Duration maxAttemptsTime() {
        long total = 0;
        long pause = FIRST_PAUSE_MS;
        for (int i = 1; i < maxAttempts; i++) {
            total += pause;
            pause = Math.min(pause * 2, maxIntervalMs);
        }
        return Duration.ofMillis(total);
    }

    /** Whether the failure is the contract's verdict on the record: dead-lettered at once. */
    public static boolean rejects(Throwable failure) {
        return find(failure, ContractViolation.class) != null || find(failure, InvalidField.class) != null
                || find(failure, DeserializationException.class) != null;
    }

    /** Whether the failure says the infrastructure did not answer, not that the record is at fault. */
    public static boolean passing(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TransientDataAccessException || t instanceof RecoverableDataAccessException
                    || t instanceof DataAccessResourceFailureException || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException || t instanceof RetriableException
                    || t instanceof ConnectException || t instanceof SocketException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && passingState(sql.getSQLState())) {
                return true;
            }
            if (t instanceof TransactionSystemException tx && (tx.getApplicationException() != null
                    && passing(tx.getApplicationException()) || tx.getCause() instanceof SQLException sql
                    && sql.getSQLState() == null)) {
                // a commit or rollback that could not reach the database (the pool's "Connection is closed" has
                // no SQLState), or one that failed after the work failed for the infrastructure
                return true;
            }
        }
        return false;
    }

    /** Connection lost (08), server shutting down (57P), out of resources (53), serialization or deadlock (40). */
    private static boolean passingState(String state) {
        return state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.startsWith("40");
    }

    /** The back-off for the containers' error handler, chosen on a record's first failure (and on a new kind). */
    public BackOff backOff(Throwable failure) {
        return () -> {
            Attempts attempts = new Attempts();
            return () -> attempts.next(failure);
        };
    }

    /** A fresh count of one record's attempts, for a caller that retries it itself. */
    public Attempts attempts() {
        return new Attempts();
    }

    /** One record's failed attempts so far. */
    public final class Attempts {

        private long pause = FIRST_PAUSE_MS;
        private int counted;

        /**
         * After a failed attempt: how long to pause before the next one, or {@link BackOffExecution#STOP} when
         * the record is to be dead-lettered — at once for the contract's verdict, never for a passing failure,
         * after {@code maxAttempts} attempts made while the database answered for anything else.
         */
        public long next(Throwable failure) {
            if (rejects(failure)) {
                return BackOffExecution.STOP;
            }
            if (!passing(failure) && infrastructureAnswers.getAsBoolean() && ++counted >= maxAttempts) {
                return BackOffExecution.STOP;
            }
            long now = pause;
            pause = Math.min(pause * 2, maxIntervalMs);
            return now;
        }

        /** Attempts counted against the limit so far. */
        public int counted() {
            return counted;
        }
    }

    public static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
