package io.backstop.liquidation.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which of the rounds a poll makes due (the first rounds of the liquidations its margin calls queued, the next
 * rounds of those whose round its executions ended) are taken in the poll's own transaction, and which wait for the
 * liquidator. Taking a round there writes the liquidation once instead of twice and saves the hand-over to the
 * liquidator's thread and its transaction; but the liquidator takes the most urgent first across everything queued
 * ({@link CallPriority}), and a poll knows only its own. So the rule: the poll's liquidations that come before the
 * most urgent one waiting for the liquidator (all of them when none waits), most urgent first and at most a round's
 * batch of them, take their round now; the others are queued, and the liquidator takes them in their turn. No round
 * is then taken before a more urgent one that waits. Pure: the caller says what waits.
 */
public final class IntakeRounds {

    /** The poll's liquidations in priority order, split: rounds taken now, and queued for the liquidator. */
    public record Split<T>(List<T> now, List<T> queued) {
    }

    private IntakeRounds() {
    }

    /**
     * @param due      the liquidations whose round the poll made due, in any order
     * @param priority each one's priority
     * @param waiting  the most urgent liquidation waiting for the liquidator; empty when none waits
     * @param limit    at most this many take their round now (the liquidator's batch size), at least 1
     */
    public static <T> Split<T> split(List<T> due, Function<T, CallPriority> priority,
                                     Optional<CallPriority> waiting, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a round takes at least one liquidation, got a limit of " + limit);
        }
        List<T> ordered = new ArrayList<>(due);
        ordered.sort(Comparator.comparing(priority));
        int now = 0;
        while (now < Math.min(limit, ordered.size()) && beforeWaiting(priority.apply(ordered.get(now)), waiting)) {
            now++;
        }
        return new Split<>(List.copyOf(ordered.subList(0, now)), List.copyOf(ordered.subList(now, ordered.size())));
    }

    private static boolean beforeWaiting(CallPriority fresh, Optional<CallPriority> waiting) {
        return waiting.isEmpty() || fresh.compareTo(waiting.get()) < 0;
    }
}
