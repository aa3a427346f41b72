package io.backstop.margin.engine;

import java.time.Duration;

/**
 * The account engine could not take a command now: it did not commit the command's batch within the caller's
 * limit (a takeover's load or first re-marks ahead of it in the queue), or it is reloading accounts after a
 * failed commit. Nothing was decided for the caller that it will not see: a command that timed out may still
 * commit later, and asking again is safe (account opening answers "exists", a deposit is the caller's to
 * reconcile by balance). The REST API answers 503 with {@link #retryAfter()}.
 */
public final class EngineBusy extends IllegalStateException {

    private final Duration retryAfter;

    public EngineBusy(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** When asking again is worth it. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
