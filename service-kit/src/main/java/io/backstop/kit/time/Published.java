package io.backstop.kit.time;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a service published to Kafka at a step: how many events, and where they end — per topic (full name) and
 * partition, the offset after the last one. A Kafka transaction's records become readable (to read-committed
 * consumers) only once the broker has written its commit markers, which it does after the producer's commit
 * returns; so the lab takes these ends, not the end offsets it can read at once, as what the next step must
 * take in: every consumer waits until it can read that far.
 */
public record Published(int events, Map<String, Map<Integer, Long>> ends) {

    public static final Published NONE = new Published(0, Map.of());

    public Published {
        ends = Map.copyOf(ends);
    }

    /** This and {@code other} together: the counts added, the further end of each partition. */
    public Published plus(Published other) {
        if (other.events == 0) {
            return this;
        }
        Map<String, Map<Integer, Long>> merged = new TreeMap<>();
        for (Published p : new Published[] {this, other}) {
            p.ends.forEach((topic, partitions) -> partitions.forEach((partition, end) -> merged
                    .computeIfAbsent(topic, t -> new TreeMap<>()).merge(partition, end, Math::max)));
        }
        return new Published(events + other.events, merged);
    }
}
