package io.backstop.liquidation.lifecycle;

/** An order at the exchange (OPEN until its execution arrives), a slice waiting for its turn, or done. */
public enum OrderStatus { SCHEDULED, OPEN, DONE }
