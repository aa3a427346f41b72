package io.backstop.liquidation.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Which of the liquidations a poll of margin calls queued take their first round in the poll's own transaction,
 * and which wait for the liquidator. Taking the round at intake writes the liquidation once instead of twice and
 * saves the hand-over to the liquidator's thread and its transaction; but the liquidator takes the most urgent first
 * across everything queued ({@link CallPriority}), and a poll knows only its own calls. So the rule: when the
 * liquidator has nothing waiting, the poll's liquidations, most urgent first and at most a round's batch of them,
 * take their first round at intake; the rest, and all of them while anything waits for the liquidator, are queued.
 * Pure: the caller says whether the liquidator is idle.
 */
public final class IntakeRounds {

    /** The poll's liquidations in priority order, split: first rounds taken now, and queued for the liquidator. */
    public record Split<T>(List<T> now, List<T> queued) {
    }

    private IntakeRounds() {
    }

    /**
     * @param fresh          the liquidations the poll queued, in any order
     * @param priority       each one's priority
     * @param liquidatorIdle whether nothing waits for the liquidator (its queue is empty)
     * @param limit          at most this many take their round now (the liquidator's batch size), at least 1
     */
    public static <T> Split<T> split(List<T> fresh, Function<T, CallPriority> priority, boolean liquidatorIdle,
                                     int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a round takes at least one liquidation, got a limit of " + limit);
        }
        List<T> ordered = new ArrayList<>(fresh);
        ordered.sort(Comparator.comparing(priority));
        int now = liquidatorIdle ? Math.min(limit, ordered.size()) : 0;
        return new Split<>(List.copyOf(ordered.subList(0, now)), List.copyOf(ordered.subList(now, ordered.size())));
    }
}
