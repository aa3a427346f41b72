package io.backstop.insurance.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the shell hands a decider is read from the store only if the decider reads it, and then once. */
class OnFirstUseTest {

    @Test
    void aListNobodyReadsIsNeverLoadedAndOneReadIsLoadedOnceInItsOrder() {
        AtomicInteger loads = new AtomicInteger();
        List<String> unread = OnFirstUse.list(() -> {
            loads.incrementAndGet();
            return List.of("a");
        });
        assertThat(loads).hasValue(0);
        assertThat(unread).isNotNull();

        List<String> read = OnFirstUse.list(() -> {
            loads.incrementAndGet();
            return List.of("c", "a", "b");
        });
        assertThat(read.stream().filter(s -> !s.equals("a")).toList()).containsExactly("c", "b");
        assertThat(read).hasSize(3).containsExactly("c", "a", "b");
        assertThat(loads).hasValue(1);
    }

    @Test
    void aMapIsLoadedOnceOnFirstReadKeepingItsOrder() {
        AtomicInteger loads = new AtomicInteger();
        Map<String, Integer> stored = new LinkedHashMap<>();
        stored.put("z", 1);
        stored.put("a", 2);
        Map<String, Integer> lazy = OnFirstUse.map(() -> {
            loads.incrementAndGet();
            return stored;
        });
        assertThat(loads).hasValue(0);

        assertThat(lazy.get("a")).isEqualTo(2);
        assertThat(lazy.keySet()).containsExactly("z", "a");
        assertThat(lazy).hasSize(2).containsEntry("z", 1);
        assertThat(loads).hasValue(1);
    }
}
