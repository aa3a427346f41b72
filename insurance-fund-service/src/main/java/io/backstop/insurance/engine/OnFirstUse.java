package io.backstop.insurance.engine;

import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A list or map the shell hands a decider without reading it from the store until the decider reads it, and then
 * once. A shortfall's waterfall needs the socialization base (every profitable account on the symbol: ~840,000 on
 * a side of BTCUSDT with 1.6 million accounts, seconds to read, docs/capacity.md) only when its money cannot cover
 * the deficit, so a shortfall the fund covers should not read it. (The opposite side of the ADL queue is handed as
 * an {@code AdlSide}, read from its head as far as the ADL step walks it.) The decider stays a function of its
 * inputs: what it reads is what it would have been given.
 * Not thread-safe: read on the thread, and in the transaction, that decides.
 */
final class OnFirstUse {

    private OnFirstUse() {
    }

    static <T> List<T> list(Supplier<List<T>> load) {
        return new AbstractList<>() {
            private List<T> loaded;

            private List<T> loaded() {
                if (loaded == null) {
                    loaded = List.copyOf(load.get());
                }
                return loaded;
            }

            @Override
            public T get(int index) {
                return loaded().get(index);
            }

            @Override
            public int size() {
                return loaded().size();
            }
        };
    }

    static <K, V> Map<K, V> map(Supplier<Map<K, V>> load) {
        return new AbstractMap<>() {
            private Map<K, V> loaded;

            private Map<K, V> loaded() {
                if (loaded == null) {
                    loaded = java.util.Collections.unmodifiableMap(load.get());
                }
                return loaded;
            }

            @Override
            public Set<Entry<K, V>> entrySet() {
                return loaded().entrySet();
            }

            @Override
            public V get(Object key) {
                return loaded().get(key);
            }

            @Override
            public boolean containsKey(Object key) {
                return loaded().containsKey(key);
            }

            @Override
            public int size() {
                return loaded().size();
            }
        };
    }
}
