package io.backstop.events.auth;

import java.util.Locale;

/**
 * Who may call Backstop's APIs, least privilege first. A token carries its roles in the {@value LocalIssuer#ROLES}
 * claim by their {@link #claim()} names; a {@link #TRADER} token also names its account ({@value LocalIssuer#ACCOUNT}).
 * The services' access rules are in docs/security.md.
 */
public enum Role {
    /** A trader's app: reads its own account's risk, its own liquidations. */
    TRADER,
    /** A market-data feed: posts venue ticks and conversion rates. */
    FEED,
    /** The exchange's trading system: opens accounts, posts fills, deposits and withdrawals on their behalf. */
    EXCHANGE,
    /** An operator: reads everything (at-risk accounts, the fund, the waterfall, the ledger check, metrics). */
    OPERATOR,
    /** An administrator: pays into the insurance fund, drives a simulation's clock. */
    ADMIN;

    /** The role's name in a token's roles claim: {@code trader}, {@code feed}, ... */
    public String claim() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code claim} in a token or on a command line; an unknown name is refused, naming the known ones. */
    public static Role fromClaim(String claim) {
        for (Role role : values()) {
            if (role.claim().equals(claim)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role '" + claim + "': one of trader, feed, exchange, operator, admin");
    }
}
