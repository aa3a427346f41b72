package io.backstop.margin.engine;

import java.time.Duration;
import java.util.Optional;

/**
 * Whether the account engine is getting its batches committed, for readiness and liveness: a streak of
 * failed rounds (a commit that failed, or accounts that could not be reloaded after one) makes the engine
 * not ready at once, and not alive once the streak has lasted longer than a restart would take to help.
 * Wall-clock (monotonic) time: it measures the process, not the market.
 */
public final class EngineHealth {

    /** The current streak of failed rounds, if the last round failed. */
    public record Failing(long rounds, Duration lasting, String lastError, int accountsToReload) {
    }

    private volatile long failingSinceNanos;
    private volatile long rounds;
    private volatile String lastError;
    private volatile int accountsToReload;

    /** A round committed (or had nothing to commit) with every account reconciled: the streak ends. */
    void committed() {
        rounds = 0;
        lastError = null;
        accountsToReload = 0;
    }

    /** A round failed; {@code accountsToReload} accounts wait to be reloaded from PostgreSQL. */
    void failed(Throwable error, int accountsToReload) {
        if (rounds == 0) {
            failingSinceNanos = System.nanoTime();
        }
        rounds++;
        lastError = String.valueOf(error);
        this.accountsToReload = accountsToReload;
    }

    public Optional<Failing> failing() {
        long n = rounds;
        if (n == 0) {
            return Optional.empty();
        }
        return Optional.of(new Failing(n, Duration.ofNanos(System.nanoTime() - failingSinceNanos), lastError,
                accountsToReload));
    }
}
