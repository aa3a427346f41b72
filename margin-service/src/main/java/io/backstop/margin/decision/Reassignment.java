package io.backstop.margin.decision;

import io.backstop.margin.account.AccountPartitions;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides what a new assignment of the account topics' partitions does to the accounts held in memory: those
 * on partitions no longer owned are dropped, and those stored with another version than the one held (changed
 * by the instance that owned them meanwhile), or not held at all, are loaded.
 */
public final class Reassignment {

    private Reassignment() {
    }

    /** The held accounts whose partition (of {@code partitionCount}) is not in {@code owned}, in the order given. */
    public static List<String> notOwned(Collection<String> held, Set<Integer> owned, int partitionCount) {
        return held.stream().filter(id -> !owned.contains(AccountPartitions.partitionOf(id, partitionCount)))
                .toList();
    }

    /**
     * The stored accounts to load: not held, or held at another version.
     *
     * @param stored      the version stored of each account of the owned partitions
     * @param heldVersion the version held of an account, null if it is not held
     */
    public static List<String> stale(Map<String, Long> stored, Function<String, Long> heldVersion) {
        return stored.entrySet().stream().filter(e -> {
            Long held = heldVersion.apply(e.getKey());
            return held == null || held.longValue() != e.getValue();
        }).map(Map.Entry::getKey).toList();
    }
}
