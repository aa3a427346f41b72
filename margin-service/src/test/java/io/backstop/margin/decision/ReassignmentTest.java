package io.backstop.margin.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.margin.account.AccountPartitions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a new assignment of partitions does to the accounts held. */
class ReassignmentTest {

    private static final int COUNT = 4;

    @Test
    void theAccountsOfPartitionsNoLongerOwnedAreDropped() {
        List<String> held = IntStream.range(0, 40).mapToObj(i -> "acct-" + i).toList();
        Set<Integer> owned = Set.of(0, 2);

        List<String> dropped = Reassignment.notOwned(held, owned, COUNT);

        assertThat(dropped).isNotEmpty().allSatisfy(id ->
                assertThat(owned).doesNotContain(AccountPartitions.partitionOf(id, COUNT)));
        assertThat(held).filteredOn(id -> !dropped.contains(id)).isNotEmpty().allSatisfy(id ->
                assertThat(owned).contains(AccountPartitions.partitionOf(id, COUNT)));
    }

    @Test
    void accountsNotHeldOrHeldAtAnotherVersionAreLoaded() {
        Map<String, Long> stored = Map.of("current", 7L, "changedElsewhere", 9L, "new", 1L);
        Map<String, Long> held = Map.of("current", 7L, "changedElsewhere", 8L);

        assertThat(Reassignment.stale(stored, held::get)).containsExactlyInAnyOrder("changedElsewhere", "new");
    }
}
