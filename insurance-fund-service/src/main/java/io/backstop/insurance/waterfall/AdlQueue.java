package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The auto-deleveraging queue of one side of a symbol: positions by score, highest first; ties broken
 * by the larger position, then by account id, so the same positions always give the same order. Each
 * position gets an indicator 0–4 by quintile of the queue (4 = the first fifth, deleveraged first), like
 * Binance's {@code adlQuantile}.
 */
public final class AdlQueue {

    /** A position's place in the queue: {@code rank} 1 is deleveraged first. */
    public record Ranked(int rank, AdlCandidate candidate, BigDecimal score, int indicator) {
    }

    private AdlQueue() {
    }

    public static List<Ranked> rank(List<AdlCandidate> candidates, AdlRanking ranking) {
        record Scored(AdlCandidate candidate, BigDecimal score) {
        }
        List<Scored> scored = new ArrayList<>(candidates.size());
        for (AdlCandidate c : candidates) {
            scored.add(new Scored(c, ranking.score(c)));
        }
        scored.sort(Comparator.comparing(Scored::score).reversed()
                .thenComparing((Scored s) -> s.candidate().quantity(), Comparator.reverseOrder())
                .thenComparing(s -> s.candidate().accountId()));
        List<Ranked> queue = new ArrayList<>(scored.size());
        int n = scored.size();
        for (int i = 0; i < n; i++) {
            queue.add(new Ranked(i + 1, scored.get(i).candidate(), scored.get(i).score(), indicator(i, n)));
        }
        return queue;
    }

    /**
     * The head of a side of {@code sideSize} positions, given in queue order ({@link AdlSide#top}): ranked, scored
     * and indicated as {@link #rank} ranks the whole side, of which it is the first entries.
     */
    public static List<Ranked> head(List<AdlCandidate> head, AdlRanking ranking, int sideSize) {
        if (head.size() > sideSize) {
            throw new IllegalArgumentException("a head of " + head.size() + " positions of a side of " + sideSize);
        }
        List<Ranked> queue = new ArrayList<>(head.size());
        for (int i = 0; i < head.size(); i++) {
            queue.add(new Ranked(i + 1, head.get(i), ranking.score(head.get(i)), indicator(i, sideSize)));
        }
        return queue;
    }

    /** 4 for the first fifth of the queue, ..., 0 for the last fifth. */
    public static int indicator(int index, int size) {
        return 4 - (int) ((5L * index) / size);
    }
}
