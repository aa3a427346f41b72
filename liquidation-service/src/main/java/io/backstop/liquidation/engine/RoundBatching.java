package io.backstop.liquidation.engine;

import java.time.Duration;

/**
 * Whether the liquidator waits a moment for more liquidations before a round. A round is one transaction
 * whatever its size, so in a burst a round of a few liquidations pays the transaction's fixed cost (its
 * statements, commit, outbox row and relay batch) for only a few: waiting up to {@code linger} for the next
 * poll's calls makes fewer, fuller rounds. It waits only while a burst is under way (the last round took more
 * than one liquidation) and the round is not full; a lone call at a moderate rate is taken at once, so the
 * wait never adds to call → order there.
 */
record RoundBatching(int batchSize, Duration linger) {

    RoundBatching {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must not be negative, got " + linger);
        }
    }

    /** A round of {@code taken} liquidations, after a round of {@code lastTaken}: wait for more first? */
    boolean waits(int taken, int lastTaken) {
        return !linger.isZero() && taken > 0 && taken < batchSize && lastTaken > 1;
    }
}
