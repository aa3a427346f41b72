package io.backstop.margin.account;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * An immutable map sorted by key, held as two arrays: what an {@link Account} keeps its balances, positions, scopes
 * and settlements in. A change makes a new map ({@link #with}, {@link #without}), so a committed account's maps
 * can be handed to readers as they are, without a copy. Written here rather than taken from a library because its
 * point is size: with 1.6 million accounts held, a {@code TreeMap} (48 bytes, plus 40 an entry) and an immutable
 * copy of it for readers cost ~450 bytes an account, these arrays ~150, and every empty map is one shared instance
 * (docs/capacity.md). Lookups are binary searches over a handful of keys; iteration is in key order, as a
 * {@code TreeMap}'s. Null keys and values are refused.
 */
public final class SortedArrayMap<K extends Comparable<? super K>, V> extends AbstractMap<K, V> {

    private static final Object[] NONE = {};
    @SuppressWarnings("rawtypes")
    private static final SortedArrayMap EMPTY = new SortedArrayMap<>(NONE, NONE);

    private final Object[] keys;
    private final Object[] values;

    private SortedArrayMap(Object[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    public static <K extends Comparable<? super K>, V> SortedArrayMap<K, V> empty() {
        return EMPTY;
    }

    /** The same entries, sorted by key; {@code map} itself when it is one already. */
    @SuppressWarnings("unchecked")
    public static <K extends Comparable<? super K>, V> SortedArrayMap<K, V> copyOf(Map<K, ? extends V> map) {
        if (map instanceof SortedArrayMap<?, ?> sorted) {
            return (SortedArrayMap<K, V>) sorted;
        }
        if (map == null || map.isEmpty()) {
            return empty();
        }
        Object[] k = new Object[map.size()];
        int i = 0;
        for (K key : map.keySet()) {
            k[i++] = Objects.requireNonNull(key, "null key");
        }
        Arrays.sort(k);
        Object[] v = new Object[k.length];
        for (i = 0; i < k.length; i++) {
            v[i] = Objects.requireNonNull(map.get(k[i]), () -> "null value");
            if (i > 0 && compare(k[i - 1], k[i]) == 0) {
                throw new IllegalArgumentException("duplicate key " + k[i]);
            }
        }
        return new SortedArrayMap<>(k, v);
    }

    /** This map with {@code key} mapped to {@code value}. */
    public SortedArrayMap<K, V> with(K key, V value) {
        Objects.requireNonNull(value, "null value");
        int at = indexOf(Objects.requireNonNull(key, "null key"));
        if (at >= 0) {
            if (values[at] == value) {
                return this;
            }
            Object[] v = values.clone();
            v[at] = value;
            return new SortedArrayMap<>(keys, v);
        }
        int insert = -at - 1;
        Object[] k = new Object[keys.length + 1];
        Object[] v = new Object[keys.length + 1];
        System.arraycopy(keys, 0, k, 0, insert);
        System.arraycopy(values, 0, v, 0, insert);
        k[insert] = key;
        v[insert] = value;
        System.arraycopy(keys, insert, k, insert + 1, keys.length - insert);
        System.arraycopy(values, insert, v, insert + 1, keys.length - insert);
        return new SortedArrayMap<>(k, v);
    }

    /** This map with {@code key} mapped to {@code remap(old, value)}, or to {@code value} if it had none. */
    @SuppressWarnings("unchecked")
    public SortedArrayMap<K, V> merged(K key, V value, BiFunction<? super V, ? super V, ? extends V> remap) {
        int at = indexOf(key);
        return with(key, at < 0 ? value : remap.apply((V) values[at], value));
    }

    /** This map without {@code key}. */
    public SortedArrayMap<K, V> without(Object key) {
        int at = indexOf(key);
        if (at < 0) {
            return this;
        }
        if (keys.length == 1) {
            return empty();
        }
        Object[] k = new Object[keys.length - 1];
        Object[] v = new Object[keys.length - 1];
        System.arraycopy(keys, 0, k, 0, at);
        System.arraycopy(values, 0, v, 0, at);
        System.arraycopy(keys, at + 1, k, at, keys.length - at - 1);
        System.arraycopy(values, at + 1, v, at, keys.length - at - 1);
        return new SortedArrayMap<>(k, v);
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean isEmpty() {
        return keys.length == 0;
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        int at = indexOf(key);
        return at < 0 ? null : (V) values[at];
    }

    @Override
    public Set<K> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<K> iterator() {
                return new Cursor<>(keys);
            }

            @Override
            public int size() {
                return keys.length;
            }

            @Override
            public boolean contains(Object o) {
                return containsKey(o);
            }
        };
    }

    @Override
    public Collection<V> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<V> iterator() {
                return new Cursor<>(values);
            }

            @Override
            public int size() {
                return values.length;
            }
        };
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            @SuppressWarnings("unchecked")
            public Iterator<Entry<K, V>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Entry<K, V> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        int at = next++;
                        return new SimpleImmutableEntry<>((K) keys[at], (V) values[at]);
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }

    private int indexOf(Object key) {
        if (key == null) {
            return -1;
        }
        int low = 0;
        int high = keys.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = compare(keys[mid], key);
            if (c < 0) {
                low = mid + 1;
            } else if (c > 0) {
                high = mid - 1;
            } else {
                return mid;
            }
        }
        return -(low + 1);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
        return ((Comparable) a).compareTo(b);
    }

    /** Reads an array in order; removing is not supported (the map is immutable). */
    private static final class Cursor<T> implements Iterator<T> {
        private final Object[] items;
        private int next;

        Cursor(Object[] items) {
            this.items = items;
        }

        @Override
        public boolean hasNext() {
            return next < items.length;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T next() {
            if (next >= items.length) {
                throw new NoSuchElementException();
            }
            return (T) items[next++];
        }
    }
}
