package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One side of a symbol's ADL queue, read from its head: {@link #top} gives the first positions in exactly
 * {@link AdlQueue#rank} order, so the ADL step, which usually needs a handful of candidates, never has to read the
 * ~840,000 positions of a side of BTCUSDT (docs/capacity.md). The store's implementation chooses the head in
 * PostgreSQL and ranks it exactly in Java ({@link AdlHead}); {@link #of} ranks a side given whole.
 */
@FunctionalInterface
public interface AdlSide {

    /**
     * Size of the first page {@link #walk} reads; each further page reads four times as many. Reading a head costs a
     * scan of the side however small it is (docs/capacity.md), so pages are large: one for the usual handful of
     * candidates, two for a thousand.
     */
    int FIRST_PAGE = 256;

    /**
     * The first {@code k} positions of the side in {@link AdlQueue#rank} order: a prefix of the whole ranked side,
     * all of it when the side holds {@code k} or fewer.
     */
    List<AdlCandidate> top(int k);

    /**
     * What the ADL step may still ask of {@code candidate}, a position of this side: all of it, unless earlier legs
     * of the same decision already asked some ({@link PlannedQueue}). Zero when they asked all of it, or when
     * margin-service answered that the account holds nothing more on the symbol.
     */
    default BigDecimal available(AdlCandidate candidate) {
        return candidate.quantity();
    }

    /** The side given whole, in any order: ranked once, when first read (not at all when never read). */
    static AdlSide of(Supplier<List<AdlCandidate>> candidates, AdlRanking ranking) {
        return new AdlSide() {
            private List<AdlCandidate> ranked;

            @Override
            public List<AdlCandidate> top(int k) {
                if (ranked == null) {
                    ranked = AdlQueue.rank(candidates.get(), ranking).stream().map(AdlQueue.Ranked::candidate).toList();
                }
                return ranked.subList(0, Math.min(k, ranked.size()));
            }
        };
    }

    /**
     * This side without the positions of {@code accounts} (the bankrupt account's own, accounts that refused a leg):
     * its head is the head of this side read {@code accounts.size()} further, less those accounts.
     */
    default AdlSide without(Set<String> accounts) {
        if (accounts.isEmpty()) {
            return this;
        }
        AdlSide whole = this;
        return new AdlSide() {
            @Override
            public List<AdlCandidate> top(int k) {
                List<AdlCandidate> head = new ArrayList<>(k);
                for (AdlCandidate c : whole.top(k + accounts.size())) {
                    if (head.size() == k) {
                        break;
                    }
                    if (!accounts.contains(c.accountId())) {
                        head.add(c);
                    }
                }
                return head;
            }

            @Override
            public BigDecimal available(AdlCandidate candidate) {
                return whole.available(candidate);
            }
        };
    }

    /**
     * The side's positions in queue order, read a page at a time as the iteration goes: {@link #top} of
     * {@link #FIRST_PAGE}, then of four times as many (of which the new ones are yielded), and so on until a page comes
     * back short. Each page is a prefix of the next when the side does not change between two reads; when it does
     * (a newer snapshot applied meanwhile), a position already yielded is not yielded again.
     */
    default Iterable<AdlCandidate> walk() {
        return () -> new Iterator<>() {
            private List<AdlCandidate> page = List.of();
            private int next;
            private int asked;
            private final Set<String> yielded = new HashSet<>();

            @Override
            public boolean hasNext() {
                while (true) {
                    while (next < page.size()) {
                        if (!yielded.contains(page.get(next).accountId())) {
                            return true;
                        }
                        next++;
                    }
                    if (asked > 0 && page.size() < asked) {
                        return false;
                    }
                    asked = asked == 0 ? FIRST_PAGE : Math.multiplyExact(asked, 4);
                    page = top(asked);
                    next = 0;
                }
            }

            @Override
            public AdlCandidate next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                AdlCandidate c = page.get(next++);
                yielded.add(c.accountId());
                return c;
            }
        };
    }
}
