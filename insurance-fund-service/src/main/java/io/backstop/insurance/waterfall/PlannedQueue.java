package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The ADL queue as one decision over many shortfalls plans against it (a poll of {@code liquidation.shortfalls} and
 * {@code adl.settlements}, one transaction): each side of a symbol is read from its head once, at the decision's mark,
 * and every later shortfall walks that same ranking, its positions less what the decision's earlier legs already
 * asked of them. Without it each shortfall read the side again (a statement over every position of the side:
 * ~0.8 s on a side of 685,000, docs/capacity.md) and asked the same first positions as the shortfall before it,
 * which margin-service could only refuse.
 *
 * <p>What the decision asked is the fund's own fact, not a copy of a position: margin-service still settles every
 * leg against the position it holds, and refuses what the position no longer has (ADR 17). So are the asks of
 * earlier decisions that margin has not answered yet ({@link #learn}): until margin answers, its snapshots cannot
 * show them, and a poll planned meanwhile asked the same positions again. A position margin answered it closed in
 * full is passed over until a newer snapshot of its account shows it. Pure, not thread-safe: one per transaction.
 */
public final class PlannedQueue {

    private record SideKey(String symbol, boolean longs, BigDecimal mark) {
    }

    private record Position(String symbol, String accountId) {
    }

    private final int readAhead;
    private final Map<SideKey, Read> sides = new HashMap<>();
    private final Map<Position, BigDecimal> asked = new HashMap<>();
    private final Set<Position> exhausted = new HashSet<>();
    private final Set<String> known = new HashSet<>();

    /** A decision whose first read of a side goes {@link #READ_AHEAD} deep. */
    public PlannedQueue() {
        this(READ_AHEAD);
    }

    /** A decision whose first read of a side goes {@code readAhead} deep ({@link #readAhead(int)} for a poll). */
    public PlannedQueue(int readAhead) {
        if (readAhead < 1) {
            throw new IllegalArgumentException("a side is read at least one position deep, asked for " + readAhead);
        }
        this.readAhead = readAhead;
    }

    /**
     * The side of {@code symbol} ({@code longs} or shorts) ranked at {@code mark}: read from {@code source} as far as
     * it is walked, each prefix once however many shortfalls walk it, and each position's {@link AdlSide#available}
     * less what this decision asked of it ({@link #asked}).
     */
    public AdlSide side(String symbol, boolean longs, BigDecimal mark, Supplier<AdlSide> source) {
        Read read = sides.computeIfAbsent(new SideKey(symbol, longs, mark.stripTrailingZeros()),
                key -> new Read(source.get(), readAhead));
        return new AdlSide() {
            @Override
            public List<AdlCandidate> top(int k) {
                return read.top(k);
            }

            @Override
            public BigDecimal available(AdlCandidate candidate) {
                Position position = new Position(symbol, candidate.accountId());
                if (exhausted.contains(position)) {
                    return BigDecimal.ZERO;
                }
                BigDecimal taken = asked.getOrDefault(position, BigDecimal.ZERO);
                return candidate.quantity().subtract(taken).max(BigDecimal.ZERO);
            }
        };
    }

    /**
     * Whether what margin-service has and has not answered on {@code symbol} is known to this decision yet: the caller
     * tells it once per symbol ({@link #learn}) before the first side of it is walked.
     */
    public boolean knows(String symbol) {
        return known.contains(symbol);
    }

    /**
     * What margin-service's answers say of {@code symbol} when the decision starts on it: the accounts that hold
     * nothing more to deleverage on it ({@code exhausted}: a leg settled for less than asked closed all the position
     * held), passed over as if asked in full; and what earlier decisions asked of each position and margin has not
     * answered yet ({@code unanswered}), taken off it like this decision's own legs.
     */
    public void learn(String symbol, Collection<String> exhausted, Map<String, BigDecimal> unanswered) {
        known.add(symbol);
        exhausted.forEach(account -> this.exhausted.add(new Position(symbol, account)));
        unanswered.forEach((account, quantity) -> asked.merge(new Position(symbol, account), quantity, BigDecimal::add));
    }

    /**
     * margin-service answered, in this decision, a request {@link #learn} counted as unanswered: what it asked no
     * longer waits on the position; and when it settled for less than asked ({@code exhausted}), the account holds
     * nothing more on the symbol.
     */
    public void answered(String symbol, String accountId, BigDecimal requested, boolean exhausted) {
        Position position = new Position(symbol, accountId);
        asked.merge(position, requested.negate(), BigDecimal::add);
        if (exhausted) {
            this.exhausted.add(position);
        }
    }

    /** Records the legs a shortfall or a re-plan on {@code symbol} asked: later walks of the side see them taken. */
    public void asked(String symbol, List<WaterfallResult.AdlMatch> legs) {
        for (WaterfallResult.AdlMatch leg : legs) {
            asked.merge(new Position(symbol, leg.accountId()), leg.quantity(), BigDecimal::add);
        }
    }

    /** How many statements each side cost: reads of a longer head than any before (for tests and metrics). */
    public int reads() {
        return sides.values().stream().mapToInt(r -> r.reads).sum();
    }

    /**
     * The shortest head a decision reads of a side: reading a head costs a statement over the whole side however
     * short the head (PostgreSQL orders it by a top-N sort, docs/capacity.md), and a poll of 500 shortfalls walked
     * hundreds of positions deep, so the first read goes as far as the walk's third page ({@link AdlSide#FIRST_PAGE}
     * times 16). A poll of 500 usually reads the side once.
     */
    public static final int READ_AHEAD = AdlSide.FIRST_PAGE * 16;

    /** The polls of at most this many events a first read {@link #READ_AHEAD} deep serves: the kit's poll. */
    public static final int POLL_READ_AHEAD_SERVES = 500;

    /**
     * How deep the first read of a side goes for a decision over {@code events} events: {@link #READ_AHEAD} for up to
     * {@link #POLL_READ_AHEAD_SERVES}, the walk's next page (four times deeper) for a fuller poll. The fund's polls
     * of up to 5,000 (ADR 31) walked past {@link #READ_AHEAD} and read a side a second time, a statement over the
     * whole side again, where reading more rows the first time costs only their transfer and exact ranking.
     */
    public static int readAhead(int events) {
        return events <= POLL_READ_AHEAD_SERVES ? READ_AHEAD : READ_AHEAD * 4;
    }

    /** The longest head of one side read so far; a shorter one is its prefix, a longer one reads again. */
    private static final class Read {
        private final AdlSide source;
        private final int readAhead;
        private List<AdlCandidate> head = List.of();
        private boolean whole;
        private int reads;

        Read(AdlSide source, int readAhead) {
            this.source = Objects.requireNonNull(source, "source");
            this.readAhead = readAhead;
        }

        List<AdlCandidate> top(int k) {
            if (head.size() < k && !whole) {
                int asked = Math.max(k, readAhead);
                head = List.copyOf(source.top(asked));
                whole = head.size() < asked;
                reads++;
            }
            return head.subList(0, Math.min(k, head.size()));
        }
    }
}
