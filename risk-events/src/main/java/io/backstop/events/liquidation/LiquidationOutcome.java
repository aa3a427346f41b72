package io.backstop.events.liquidation;

/** How a margin call's liquidation ended (liquidation-service's final statuses). */
public enum LiquidationOutcome {
    /** Restored to maintenance plus the buffer, or every position closed in the market. */
    COMPLETED,
    /** Equity back above maintenance before any order, or nothing left to close when the call arrived. */
    CANCELLED_RECOVERED,
    /** What the market could not take was handed to the insurance fund (see {@link LiquidationEnded#shortfalls}). */
    SHORTFALL,
    /** The call arrived while another liquidation of the scope was open: this one did nothing. */
    SKIPPED_IN_PROGRESS
}
