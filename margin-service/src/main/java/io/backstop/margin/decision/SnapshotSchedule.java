package io.backstop.margin.decision;

import io.backstop.events.EventEnvelope;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.AccountRisk;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides when an account's positions snapshot is published: after its balances or positions changed, at
 * most once per interval per account, only when it can be priced, and in rounds at most one interval apart.
 * Written by one thread; {@link #due()} may be read by another.
 */
public final class SnapshotSchedule {

    private final Duration interval;
    private final Set<String> due = new LinkedHashSet<>();
    private final Map<String, Instant> last = new HashMap<>();
    /** When the last round that published snapshots ran. */
    private volatile Instant lastRound;

    public SnapshotSchedule(Duration interval) {
        this.interval = interval;
    }

    /**
     * The snapshots taken in one round.
     *
     * @param events      the {@code AccountPositionsSnapshotted} events to publish
     * @param snapshotted the accounts they are of
     */
    public record Round(List<EventEnvelope<?>> events, Set<String> snapshotted) {
    }

    /** Whether a round is due at {@code now}: more than an interval after the last (the first call starts the count). */
    public boolean roundDue(Instant now) {
        if (lastRound == null) {
            lastRound = now;
        }
        return Duration.between(lastRound, now).compareTo(interval) > 0;
    }

    /** A round ran at {@code now}. */
    public void roundRan(Instant now) {
        lastRound = now;
    }

    /** Simulated time: when snapshots to publish are due, an interval after the last round, if any are waiting. */
    public Optional<Instant> due() {
        Instant lastRoundAt = lastRound;
        return due.isEmpty() || lastRoundAt == null ? Optional.empty()
                : Optional.of(lastRoundAt.plus(interval).plusNanos(1));
    }

    /** The account's balances or positions changed (committed): it is due a snapshot. */
    public void changed(String accountId) {
        due.add(accountId);
    }

    /**
     * Takes the snapshots due at {@code now}: of each account due whose last snapshot is an interval old and that
     * can be priced now. They count as published from now on.
     */
    public Round take(Instant now, Function<String, Account> accounts, Function<Account, AccountRisk> assess) {
        List<EventEnvelope<?>> events = new ArrayList<>();
        Set<String> snapshotted = new LinkedHashSet<>();
        for (var it = due.iterator(); it.hasNext(); ) {
            String id = it.next();
            Instant lastAt = last.get(id);
            if (lastAt != null && Duration.between(lastAt, now).compareTo(interval) < 0) {
                continue;
            }
            Account account = accounts.apply(id);
            AccountRisk risk = assess.apply(account);
            if (risk.priced()) {
                events.add(MarginEvents.snapshot(risk, account.version(), now));
                snapshotted.add(id);
                last.put(id, now);
                it.remove();
            }
        }
        return new Round(events, snapshotted);
    }

    /** The account is no longer held here. */
    public void forget(String accountId) {
        due.remove(accountId);
        last.remove(accountId);
    }
}
