package io.backstop.lab.runtime;

import io.backstop.events.auth.LocalIssuer;
import io.backstop.events.auth.Role;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lab's credentials on the platform's API, minted by the local issuer ({@link RuntimeSettings#securityDir()}): the
 * lab plays the systems around the platform (the feed, the exchange, an operator, the administrator who steps a
 * simulation), and the traders whose risk the load queries, each with its own account's token. Values are whole
 * {@code Authorization} header values. Thread-safe.
 */
public final class LabTokens {

    /** Who the lab is, in the services' audit and logs. */
    public static final String SUBJECT = "backstop-lab";
    /** Long enough for the longest run; a token is minted per lab process. */
    static final Duration TTL = Duration.ofHours(24);

    private final LocalIssuer issuer;
    private final String system;
    private final String exchange;
    private final Map<String, String> traders = new ConcurrentHashMap<>();

    private LabTokens(LocalIssuer issuer) {
        this.issuer = issuer;
        this.system = bearer(issuer.mint(SUBJECT, List.of(Role.FEED, Role.EXCHANGE, Role.OPERATOR, Role.ADMIN), TTL));
        this.exchange = bearer(issuer.mint(SUBJECT + "-exchange", List.of(Role.EXCHANGE), TTL));
    }

    /** The tokens of the platform {@code settings} describe; a clear error when its issuer's keys are not there. */
    public static LabTokens of(RuntimeSettings settings) {
        return new LabTokens(LocalIssuer.load(settings.securityDir(), LocalIssuer.LOCAL_ISSUER));
    }

    /** The systems around the platform: feed, exchange, operator and administrator at once. */
    public String system() {
        return system;
    }

    /** The exchange's trading system only: accounts, deposits, fills. */
    public String exchange() {
        return exchange;
    }

    /** A trader's token, for its own account only. */
    public String trader(String account) {
        return traders.computeIfAbsent(account, a -> bearer(issuer.mint("trader-" + a, List.of(Role.TRADER), a, TTL)));
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }
}
