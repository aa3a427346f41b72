package io.backstop.events.oracle;

/**
 * How far a published price can be trusted. Margin calls that depend on a DEGRADED or STALE price
 * are held until it is OK again (the liquidation circuit breaker).
 */
public enum PriceStatus {
    /** A quorum of fresh, consistent sources. */
    OK,
    /** Fresh sources, but fewer than the quorum: the last trusted price is kept. */
    DEGRADED,
    /** No fresh source: the last trusted price is kept, with its age. */
    STALE;

    public boolean trusted() {
        return this == OK;
    }
}
