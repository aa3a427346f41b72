package io.backstop.events.margin;

import io.backstop.events.MarginMode;

/**
 * The key of a margin scope: the account's cross positions with its collateral ({@code CROSS}), or one
 * isolated position with its own margin ({@code ISOLATED:<symbol>}). The one definition of it: margin-service
 * keeps a status per scope under this key, and liquidation-service keeps at most one open liquidation per
 * account and key, so the two must agree on it (the same call is the same scope in both). It is stored in
 * both services' tables; changing it needs a migration of both.
 */
public final class MarginScope {

    /** The cross scope's key. */
    public static final String CROSS = "CROSS";

    private MarginScope() {
    }

    /** An isolated position's scope key. */
    public static String isolated(String symbol) {
        return "ISOLATED:" + symbol;
    }

    /** The key of the scope a position in this margin mode belongs to. */
    public static String of(MarginMode mode, String symbol) {
        return mode == MarginMode.ISOLATED ? isolated(symbol) : CROSS;
    }
}
