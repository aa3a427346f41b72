package io.backstop.margin.engine;

import io.backstop.margin.account.Account;
import io.backstop.margin.persistence.AccountRepository;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed batch leaves behind: accounts whose memory may be ahead of PostgreSQL. They are reloaded
 * as stored before the engine runs anything else; while PostgreSQL cannot answer they stay held as they
 * are (no account goes missing from memory, no snapshot or review finds one gone) and the engine waits.
 */
final class FailedBatches {

    private static final Logger log = LoggerFactory.getLogger(FailedBatches.class);

    private final AccountRepository repository;
    private final HeldAccounts held;
    private final EngineHealth health;
    private final Set<String> toReload = new HashSet<>();
    private final Set<String> createdToReload = new HashSet<>();

    FailedBatches(AccountRepository repository, HeldAccounts held, EngineHealth health) {
        this.repository = repository;
        this.held = held;
        this.health = health;
    }

    /** A batch failed with these accounts changed (and these created): reloads them now if it can. */
    Optional<Set<String>> failed(Set<String> ids, Set<String> created, Throwable failure) {
        toReload.addAll(ids);
        createdToReload.addAll(created);
        Optional<Set<String>> reloaded = reload();
        if (reloaded.isPresent()) {
            health.failed(failure, 0); // reloaded at once; a failed reload has counted itself
        }
        return reloaded;
    }

    /**
     * Reloads what failed batches left: the ids reloaded (none when nothing was pending), or empty while
     * PostgreSQL cannot answer.
     */
    Optional<Set<String>> reload() {
        if (toReload.isEmpty()) {
            return Optional.of(Set.of());
        }
        Set<String> ids = new HashSet<>(toReload);
        List<Account> stored;
        try {
            stored = repository.load(ids);
        } catch (RuntimeException e) {
            log.warn("reloading {} account(s) after a failed commit failed; retrying before anything else runs: {}",
                    ids.size(), e.toString());
            health.failed(e, ids.size());
            return Optional.empty();
        }
        held.forget(ids);
        held.reloaded(stored, createdToReload);
        toReload.clear();
        createdToReload.clear();
        return Optional.of(ids);
    }

    int pending() {
        return toReload.size();
    }
}
