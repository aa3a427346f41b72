package io.backstop.oracle.pricing;

/** What the oracle did with a venue tick. Everything but ACCEPTED is counted and otherwise ignored. */
public enum TickOutcome {
    ACCEPTED,
    UNKNOWN_SYMBOL,
    UNKNOWN_VENUE,
    /** Venue time further ahead of the oracle's clock than the tolerance. */
    FUTURE_TIMESTAMP,
    /** Older than the venue's last accepted quote for the symbol. */
    OUT_OF_ORDER,
    /** Same venue time and prices as the last accepted quote. */
    DUPLICATE,
    /** Already older than the maximum source age when it arrived. */
    STALE_ON_ARRIVAL
}
