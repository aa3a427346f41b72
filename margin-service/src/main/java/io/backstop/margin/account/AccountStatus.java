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
    /** Equity below maintenance; the margin call is not issued yet (held while its prices are untrusted). */
    MARGIN_CALL,
    /** Margin call issued; awaiting liquidation fills. */
    LIQUIDATING,
    /** Equity below zero while liquidating: the waterfall decides who pays. */
    BANKRUPT;

    private static final Map<AccountStatus, Set<AccountStatus>> ALLOWED = Map.of(
            HEALTHY, EnumSet.of(AT_RISK, MARGIN_CALL),
            AT_RISK, EnumSet.of(HEALTHY, MARGIN_CALL),
            MARGIN_CALL, EnumSet.of(LIQUIDATING, HEALTHY, AT_RISK),
            LIQUIDATING, EnumSet.of(HEALTHY, AT_RISK, BANKRUPT),
            BANKRUPT, EnumSet.of(HEALTHY, AT_RISK, LIQUIDATING));

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
