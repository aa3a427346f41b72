package io.backstop.liquidation.lifecycle;

import io.backstop.liquidation.plan.ScopeState;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One margin call's liquidation, and the only place its status changes. Each move returns the liquidation
 * after it, with the scope as it then stands; a move the lifecycle does not have throws
 * {@link IllegalLiquidationTransition}. The lifecycle (docs/architecture.md draws it):
 * <pre>
 *   (call) -> QUEUED | SKIPPED_IN_PROGRESS | CANCELLED_RECOVERED
 *   QUEUED -> ACTIVE (a round's orders placed) | COMPLETED | CANCELLED_RECOVERED (round 0 only) | SHORTFALL
 *   ACTIVE -> ACTIVE (a fill) | QUEUED (the round's orders all executed) | COMPLETED (nothing left)
 * </pre>
 *
 * @param round     rounds of orders placed so far (0 until the first)
 * @param state     the scope as the call stated it, re-marked and moved by fills since
 * @param createdAt when the call was taken in: the max-duration runs from here
 * @param priceTime the call's {@code priceTime}: the oracle time of the tick that took the scope below maintenance,
 *                  what the first order's latency is measured from; null for a call without one
 */
public record Liquidation(UUID id, UUID marginCallId, String accountId, String scope, LiquidationStatus status,
                          int round, ScopeState state, Instant createdAt, Instant priceTime) {

    public Liquidation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(marginCallId, "marginCallId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        if (round < 0) {
            throw new IllegalArgumentException("round must be 0 or more, got " + round);
        }
    }

    /** A call taken in: its first round is due. */
    public static Liquidation queued(UUID id, UUID marginCallId, String accountId, String scope, ScopeState state,
                                     Instant now, Instant priceTime) {
        return new Liquidation(id, marginCallId, accountId, scope, LiquidationStatus.QUEUED, 0, state, now, priceTime);
    }

    /** A call for a scope that is already being liquidated. */
    public static Liquidation skipped(UUID id, UUID marginCallId, String accountId, String scope, ScopeState state,
                                      Instant now, Instant priceTime) {
        return new Liquidation(id, marginCallId, accountId, scope, LiquidationStatus.SKIPPED_IN_PROGRESS, 0, state,
                now, priceTime);
    }

    /** A round placed its orders: QUEUED to ACTIVE, one round more. */
    public Liquidation placeRound(ScopeState after) {
        require(status == LiquidationStatus.QUEUED, "place a round");
        return with(LiquidationStatus.ACTIVE, round + 1, after);
    }

    /** A fill of one of the round's orders moved the scope: it stays ACTIVE. */
    public Liquidation filled(ScopeState after) {
        require(status == LiquidationStatus.ACTIVE, "take a fill");
        return with(LiquidationStatus.ACTIVE, round, after);
    }

    /** The round's last order was executed and something is left: ACTIVE to QUEUED for the next round. */
    public Liquidation endRound(ScopeState after) {
        require(status == LiquidationStatus.ACTIVE, "end a round");
        return with(LiquidationStatus.QUEUED, round, after);
    }

    /** Restored (a round found the buffer met), or nothing is left: from QUEUED, or ACTIVE after its last fill. */
    public Liquidation complete(ScopeState after) {
        require(status.open(), "complete");
        return with(LiquidationStatus.COMPLETED, round, after);
    }

    /**
     * Equity is back above maintenance before any order was placed. Once orders were placed the liquidation
     * completes instead: its fills are part of the outcome.
     */
    public Liquidation cancelRecovered(ScopeState after) {
        require(status == LiquidationStatus.QUEUED && round == 0, "be cancelled as recovered");
        return with(LiquidationStatus.CANCELLED_RECOVERED, round, after);
    }

    /** Bankrupt, out of rounds or out of time between rounds: what is left goes to the fund. */
    public Liquidation shortfall(ScopeState after) {
        require(status == LiquidationStatus.QUEUED, "raise a shortfall");
        return with(LiquidationStatus.SHORTFALL, round, after);
    }

    private Liquidation with(LiquidationStatus next, int nextRound, ScopeState after) {
        return new Liquidation(id, marginCallId, accountId, scope, next, nextRound, after, createdAt, priceTime);
    }

    private void require(boolean legal, String move) {
        if (!legal) {
            throw new IllegalLiquidationTransition(this, move);
        }
    }
}
