package io.backstop.events;

/** The direction of an open position. Closing a LONG is a SELL, closing a SHORT a BUY. */
public enum PositionSide {
    LONG,
    SHORT;

    public Side closingSide() {
        return this == LONG ? Side.SELL : Side.BUY;
    }
}
