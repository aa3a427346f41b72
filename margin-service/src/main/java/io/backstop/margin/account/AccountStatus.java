package io.backstop.margin.account;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where an account (or one isolated position of it) stands. Transitions are explicit; an illegal one
 * is a bug and is rejected, never ignored.
 */
public enum AccountStatus {
    /** Equity comfortably above maintenance. */
    HEALTHY,
    /** Margin ratio (maintenance / equity) at or above the alert level. */
    AT_RISK,
    /**
     * Equity below maintenance; the margin call is not issued yet (held while its prices are untrusted), or a
     * lease was just released and the scope is about to be reviewed.
     */
    MARGIN_CALL,
    /**
     * Margin call issued: the scope is leased to its liquidation until margin-service has applied the
     * liquidation's end (and, for a shortfall, the waterfall's outcome), whatever its equity does meanwhile.
     */
    LIQUIDATING,
    /** Equity below zero while leased: the waterfall decides who pays. */
    BANKRUPT;

    private static final Map<AccountStatus, Set<AccountStatus>> ALLOWED = Map.of(
            HEALTHY, EnumSet.of(AT_RISK, MARGIN_CALL),
            AT_RISK, EnumSet.of(HEALTHY, MARGIN_CALL),
            MARGIN_CALL, EnumSet.of(LIQUIDATING, HEALTHY, AT_RISK),
            // a lease ends only by its release (MARGIN_CALL without a call), which is reviewed at once
            LIQUIDATING, EnumSet.of(BANKRUPT, MARGIN_CALL),
            BANKRUPT, EnumSet.of(LIQUIDATING, MARGIN_CALL));

    public boolean canBecome(AccountStatus next) {
        return next == this || ALLOWED.get(this).contains(next);
    }

    /** The worse of two statuses, for an account with several margin scopes. */
    public AccountStatus worse(AccountStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }

    /** A margin call is open in this status. */
    public boolean callOpen() {
        return this == LIQUIDATING || this == BANKRUPT;
    }
}
