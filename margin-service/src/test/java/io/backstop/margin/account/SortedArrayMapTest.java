package io.backstop.margin.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The account's maps: a TreeMap's answers and order, immutable, a change makes a new map. */
class SortedArrayMapTest {

    @Test
    void answersAsATreeMapDoesThroughAnySequenceOfChanges() {
        Random random = new Random(7);
        TreeMap<String, Integer> expected = new TreeMap<>();
        SortedArrayMap<String, Integer> map = SortedArrayMap.empty();
        for (int i = 0; i < 2_000; i++) {
            String key = "k" + random.nextInt(12);
            switch (random.nextInt(3)) {
                case 0 -> {
                    expected.put(key, i);
                    map = map.with(key, i);
                }
                case 1 -> {
                    expected.remove(key);
                    map = map.without(key);
                }
                default -> {
                    expected.merge(key, i, Integer::sum);
                    map = map.merged(key, i, Integer::sum);
                }
            }
            assertThat(map).isEqualTo(expected);
            assertThat(map.keySet()).containsExactlyElementsOf(expected.keySet());
            assertThat(map.values()).containsExactlyElementsOf(expected.values());
            assertThat(map.containsKey(key)).isEqualTo(expected.containsKey(key));
            assertThat(map.hashCode()).isEqualTo(expected.hashCode());
        }
    }

    @Test
    void aChangeLeavesTheMapItWasMadeFromAsItWas() {
        SortedArrayMap<String, BigDecimal> before = SortedArrayMap.<String, BigDecimal>empty()
                .with("USDT", BigDecimal.TEN).with("BTC", BigDecimal.ONE);

        SortedArrayMap<String, BigDecimal> after = before.merged("USDT", BigDecimal.ONE, BigDecimal::add)
                .without("BTC");

        assertThat(before).containsExactly(Map.entry("BTC", BigDecimal.ONE), Map.entry("USDT", BigDecimal.TEN));
        assertThat(after).containsExactly(Map.entry("USDT", new BigDecimal("11")));
    }

    @Test
    void cannotBeChangedInPlace() {
        SortedArrayMap<String, Integer> map = SortedArrayMap.<String, Integer>empty().with("a", 1);

        assertThatThrownBy(() -> map.put("b", 2)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        Iterator<String> keys = map.keySet().iterator();
        keys.next();
        assertThatThrownBy(keys::remove).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.entrySet().iterator().next().setValue(3))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(map).containsExactly(Map.entry("a", 1));
    }

    @Test
    void copiesSortByKeyRefuseNullsAndShareTheEmptyMap() {
        Map<String, Integer> arrival = new LinkedHashMap<>();
        arrival.put("WBETH", 3);
        arrival.put("BTC", 1);
        arrival.put("ETH", 2);

        assertThat(SortedArrayMap.copyOf(arrival).keySet()).containsExactly("BTC", "ETH", "WBETH");
        assertThat(SortedArrayMap.copyOf(Map.<String, Integer>of())).isSameAs(SortedArrayMap.empty());
        assertThat(SortedArrayMap.<String, Integer>empty().with("a", 1).without("a")).isSameAs(SortedArrayMap.empty());
        Map<String, Integer> withNull = new LinkedHashMap<>();
        withNull.put("a", null);
        assertThatThrownBy(() -> SortedArrayMap.copyOf(withNull)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SortedArrayMap.<String, Integer>empty().with("a", null))
                .isInstanceOf(NullPointerException.class);
        assertThat(SortedArrayMap.<String, Integer>empty().get(null)).isNull();
    }
}
