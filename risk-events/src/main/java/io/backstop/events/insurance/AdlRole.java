package io.backstop.events.insurance;

/** Which side of an auto-deleveraging match an {@link PositionAutoDeleveraged} event applies to. */
public enum AdlRole {
    /** The bankrupt account whose remainder is closed. */
    BANKRUPT,
    /** A ranked opposite position closed against it. */
    COUNTERPARTY
}
