package io.backstop.oracle.pricing;

/** Why a configured source did not count in an index. Published in each price's {@code sources}. */
public enum Exclusion {
    /** Nothing received from the venue yet. */
    NO_DATA,
    /** Its last quote is older than the symbol's maximum source age. */
    STALE,
    /** Its best bid is above its best ask. */
    CROSSED_BOOK,
    /** Its price is not a positive number. */
    NON_POSITIVE,
    /** Farther than the outlier band from the median of the fresh sources. */
    OUTLIER,
    /** A wrapped asset's own spot pair: shown as its market price, never used for its price. */
    WRAPPED_MARKET_PAIR,
    /** Naive mode reads one venue only (it exists to show what robust mode prevents). */
    NAIVE_MODE
}
