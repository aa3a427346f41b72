package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.ContractViolation;
import io.backstop.events.InvalidField;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.util.backoff.BackOffExecution;

class RetryPolicyTest {

    private final AtomicBoolean databaseAnswers = new AtomicBoolean(true);
    private final RetryPolicy policy = new RetryPolicy(4, Duration.ofSeconds(1), databaseAnswers::get);

    @Test
    void theContractsVerdictIsNeverRetried() {
        assertThat(policy.attempts().next(new InvalidField("size", "must be positive"))).isEqualTo(BackOffExecution.STOP);
        assertThat(policy.attempts().next(new ListenerExecutionFailedException("wrapped",
                new ContractViolation("t", "payload.x", ContractViolation.Reason.INVALID_VALUE, "bad"))))
                .isEqualTo(BackOffExecution.STOP);
    }

    @Test
    void aFaultIsTriedMaxAttemptsTimesWithDoublingPausesCappedAtTheInterval() {
        RetryPolicy.Attempts attempts = policy.attempts();
        RuntimeException fault = new IllegalStateException("a bug");

        assertThat(attempts.next(fault)).isEqualTo(200);
        assertThat(attempts.next(fault)).isEqualTo(400);
        assertThat(attempts.next(fault)).isEqualTo(800);
        assertThat(attempts.next(fault)).as("the fourth failure of four attempts").isEqualTo(BackOffExecution.STOP);
        assertThat(policy.maxAttemptsTime()).isEqualTo(Duration.ofMillis(1400));
    }

    @Test
    void aFailureOfTheInfrastructureIsRetriedForeverAndUsesNoAttempt() {
        RetryPolicy.Attempts attempts = policy.attempts();
        RuntimeException outage = new ListenerExecutionFailedException("wrapped",
                new DataAccessResourceFailureException("connection refused"));
        long last = 0;
        for (int i = 0; i < 50; i++) {
            last = attempts.next(outage);
            assertThat(last).isNotEqualTo(BackOffExecution.STOP);
        }
        assertThat(last).as("capped").isEqualTo(1000);
        assertThat(attempts.counted()).isZero();
        assertThat(RetryPolicy.passing(new TransientDataAccessResourceException("x"))).isTrue();
        assertThat(RetryPolicy.passing(new RuntimeException(new SQLException("gone", "08006")))).isTrue();
        assertThat(RetryPolicy.passing(new RuntimeException(new SQLException("deadlock", "40P01")))).isTrue();
        assertThat(RetryPolicy.passing(new RuntimeException(new SQLException("unique", "23505")))).isFalse();
        assertThat(RetryPolicy.passing(new NullPointerException())).isFalse();
        // PostgreSQL killed mid-transaction: the rollback fails on a connection the pool has closed
        org.springframework.transaction.TransactionSystemException rollback =
                new org.springframework.transaction.TransactionSystemException("JDBC rollback failed",
                        new SQLException("Connection is closed"));
        assertThat(RetryPolicy.passing(rollback)).isTrue();
        org.springframework.transaction.TransactionSystemException afterOutage =
                new org.springframework.transaction.TransactionSystemException("JDBC rollback failed",
                        new SQLException("unique", "23505"));
        assertThat(RetryPolicy.passing(afterOutage)).as("a commit refused by a constraint").isFalse();
        afterOutage.initApplicationException(new DataAccessResourceFailureException("postmaster exit"));
        assertThat(RetryPolicy.passing(afterOutage)).as("the work itself failed for the infrastructure").isTrue();
    }

    @Test
    void attemptsMadeWhileTheDatabaseDoesNotAnswerAreNotCounted() {
        RetryPolicy.Attempts attempts = policy.attempts();
        RuntimeException odd = new IllegalStateException("engine not ready");
        databaseAnswers.set(false);
        for (int i = 0; i < 20; i++) {
            assertThat(attempts.next(odd)).isNotEqualTo(BackOffExecution.STOP);
        }
        databaseAnswers.set(true);
        assertThat(attempts.next(odd)).isNotEqualTo(BackOffExecution.STOP);
        assertThat(attempts.next(odd)).isNotEqualTo(BackOffExecution.STOP);
        assertThat(attempts.next(odd)).isNotEqualTo(BackOffExecution.STOP);
        assertThat(attempts.next(odd)).isEqualTo(BackOffExecution.STOP);
    }

    @Test
    void theContainersBackOffJudgesLikeTheAttempts() {
        BackOffExecution fault = policy.backOff(new IllegalStateException("a bug")).start();
        assertThat(fault.nextBackOff()).isEqualTo(200);
        fault.nextBackOff();
        fault.nextBackOff();
        assertThat(fault.nextBackOff()).isEqualTo(BackOffExecution.STOP);
        BackOffExecution outage = policy.backOff(new DataAccessResourceFailureException("down")).start();
        for (int i = 0; i < 10; i++) {
            assertThat(outage.nextBackOff()).isNotEqualTo(BackOffExecution.STOP);
        }
    }

    @Test
    void atLeastOneAttempt() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ofSeconds(1), () -> true))
                .hasMessageContaining("backstop.kafka.max-attempts");
        assertThat(new RetryPolicy(1, Duration.ofSeconds(1), () -> true).attempts().next(new IllegalStateException()))
                .isEqualTo(BackOffExecution.STOP);
    }
}
