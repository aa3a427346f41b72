package io.backstop.liquidation.lifecycle;

/**
 * Where a margin call's liquidation stands. {@code QUEUED} and {@code ACTIVE} are open (at most one open
 * liquidation per account scope); the other four are final. Which moves are legal is
 * {@link Liquidation}'s to say.
 */
public enum LiquidationStatus {
    /** Waiting for its next round (re-verify at the latest prices, then place orders or end). */
    QUEUED,
    /** A round's orders are at the exchange or scheduled as slices. */
    ACTIVE,
    /** Restored to maintenance plus the buffer, or every position closed. */
    COMPLETED,
    /** Equity back above maintenance before any order. */
    CANCELLED_RECOVERED,
    /** What is left was handed to the insurance fund's waterfall. */
    SHORTFALL,
    /** The call arrived while the scope was being liquidated. */
    SKIPPED_IN_PROGRESS;

    public boolean open() {
        return this == QUEUED || this == ACTIVE;
    }
}
