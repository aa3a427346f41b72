package io.backstop.events.liquidation;

/** Whose position a liquidation order closes. */
public enum OrderOwner {
    /** A trader's account being liquidated. */
    ACCOUNT,
    /** The insurance fund unwinding a position it took over. */
    INSURANCE_FUND
}
