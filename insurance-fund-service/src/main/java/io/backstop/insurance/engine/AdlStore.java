package io.backstop.insurance.engine;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.PositionMark;
import io.backstop.insurance.fund.SentAdlRequest;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.AdlHead;
import io.backstop.insurance.waterfall.AdlQueue;
import io.backstop.insurance.waterfall.AdlRanking;
import io.backstop.insurance.waterfall.AdlSide;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The positions margin-service publishes ({@code account.positions}), as the latest snapshot of each account, in
 * PostgreSQL: the ADL queue the fund plans from, the base of a socialized loss, the open interest. A read model
 * only: the fund never changes a position here (margin, their owner, settles every ADL leg it asks for, and its
 * next snapshot shows the result). Also the ADL requests the fund sent and the legs margin settled. Every write runs in its caller's transaction.
 */
public class AdlStore {

    private final JdbcTemplate jdbc;

    public AdlStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A snapshot and its per-account sequence. */
    public record Snapshot(AccountPositionsSnapshotted positions, long sequence) {
    }

    /**
     * Replaces the stored positions of each account with its snapshot when the snapshot is newer than
     * what is stored (older or repeated ones change nothing); returns how many accounts changed.
     */
    public int applySnapshots(List<Snapshot> snapshots) {
        Map<String, Snapshot> latest = new LinkedHashMap<>();
        for (Snapshot s : snapshots) {
            latest.merge(s.positions().accountId(), s, (a, b) -> b.sequence() > a.sequence() ? b : a);
        }
        List<String> changed = new ArrayList<>();
        for (Snapshot s : latest.values()) {
            AccountPositionsSnapshotted p = s.positions();
            List<String> updated = jdbc.query("INSERT INTO adl_account (account_id, sequence, wallet_balance, equity,"
                            + " margin_ratio) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET"
                            + " sequence = EXCLUDED.sequence, wallet_balance = EXCLUDED.wallet_balance,"
                            + " equity = EXCLUDED.equity, margin_ratio = EXCLUDED.margin_ratio"
                            + " WHERE adl_account.sequence < EXCLUDED.sequence RETURNING account_id",
                    (rs, i) -> rs.getString(1), p.accountId(), s.sequence(), p.walletBalance(), p.equity(),
                    p.marginRatio());
            changed.addAll(updated);
        }
        if (changed.isEmpty()) {
            return 0;
        }
        // a newer snapshot of an account says what it holds: what margin answered of an older one no longer counts
        jdbc.update(con -> {
            var ps = con.prepareStatement("DELETE FROM adl_exhausted WHERE account_id = ANY (?)");
            ps.setArray(1, con.createArrayOf("text", changed.toArray()));
            return ps;
        });
        // the open interest moves by what the changed accounts' longs are now less what they were
        Map<String, BigDecimal> longs = new TreeMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("DELETE FROM adl_position WHERE account_id = ANY (?) RETURNING symbol, size");
            ps.setArray(1, con.createArrayOf("text", changed.toArray()));
            return ps;
        }, rs -> {
            BigDecimal size = rs.getBigDecimal(2);
            if (size.signum() > 0) {
                longs.merge(rs.getString(1), size.negate(), BigDecimal::add);
            }
        });
        List<Object[]> rows = new ArrayList<>();
        for (String account : changed) {
            AccountPositionsSnapshotted p = latest.get(account).positions();
            for (PositionMark m : p.positions()) {
                rows.add(new Object[] {account, m.symbol(), m.size(), m.entryPrice(), p.walletBalance(), p.equity(),
                        p.marginRatio()});
                if (m.size().signum() > 0) {
                    longs.merge(m.symbol(), m.size(), BigDecimal::add);
                }
            }
        }
        // in symbol order, so that two transactions applying snapshots never wait for each other in a cycle
        jdbc.batchUpdate("INSERT INTO adl_open_interest (symbol, long_size) VALUES (?, ?) ON CONFLICT (symbol)"
                + " DO UPDATE SET long_size = adl_open_interest.long_size + EXCLUDED.long_size",
                longs.entrySet().stream().filter(e -> e.getValue().signum() != 0)
                        .map(e -> new Object[] {e.getKey(), e.getValue()}).toList());
        // the account's figures beside each position (V6): a side of the queue is read without a join
        jdbc.batchUpdate("INSERT INTO adl_position (account_id, symbol, size, entry_price, wallet_balance, equity,"
                + " margin_ratio) VALUES (?, ?, ?, ?, ?, ?, ?)", rows);
        jdbc.update(con -> {
            var ps = con.prepareStatement("DELETE FROM adl_position WHERE account_id = ANY (?) AND size = 0");
            ps.setArray(1, con.createArrayOf("text", changed.toArray()));
            return ps;
        });
        return changed.size();
    }

    /** Records the ADL requests among {@code events}, which the fund is sending: only these can be answered. */
    public void recordRequestsSent(List<EventEnvelope<?>> events, Instant now) {
        List<Object[]> rows = new ArrayList<>();
        for (EventEnvelope<?> e : events) {
            SentAdlRequest.of(e).ifPresent(r -> rows.add(new Object[] {r.requestId(), r.shortfallId(), r.accountId(),
                    r.bankruptAccountId(), r.symbol(), r.bankruptSide().name(), r.quantity(), r.price(),
                    Timestamp.from(now)}));
        }
        if (!rows.isEmpty()) {
            jdbc.batchUpdate("INSERT INTO adl_request (request_id, shortfall_id, account_id, bankrupt_account_id, symbol,"
                    + " bankrupt_side, quantity, price, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows);
        }
    }

    /** The ADL request {@code requestId} as the fund sent it, if it sent it. */
    public Optional<SentAdlRequest> requestSent(UUID requestId) {
        return jdbc.query("SELECT request_id, shortfall_id, account_id, bankrupt_account_id, symbol, bankrupt_side,"
                        + " quantity, price FROM adl_request WHERE request_id = ?",
                (rs, i) -> new SentAdlRequest(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getString(4), rs.getString(5), Side.valueOf(rs.getString(6)), rs.getBigDecimal(7),
                        rs.getBigDecimal(8)), requestId).stream().findFirst();
    }

    /** Records an ADL leg margin-service settled, in answer to request {@code requestId}. */
    public void recordSettlement(UUID eventId, UUID requestId, UUID shortfallId, String accountId, BigDecimal requested,
                                 BigDecimal applied, Instant now) {
        jdbc.update("INSERT INTO adl_settlement (event_id, request_id, shortfall_id, account_id, requested, applied,"
                + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", eventId, requestId, shortfallId, accountId, requested,
                applied, Timestamp.from(now));
        jdbc.update("UPDATE adl_request SET answered = true WHERE request_id = ?", requestId);
    }

    /**
     * What the fund has asked of each account's position on {@code symbol} and margin-service has not answered yet:
     * the quantities of its unanswered requests, by account.
     */
    public Map<String, BigDecimal> unanswered(String symbol) {
        Map<String, BigDecimal> asked = new TreeMap<>();
        jdbc.query("SELECT account_id, sum(quantity) FROM adl_request WHERE symbol = ? AND NOT answered"
                + " GROUP BY account_id", rs -> {
            asked.put(rs.getString(1), rs.getBigDecimal(2));
        }, symbol);
        return asked;
    }

    /** The answer already settled for ADL request {@code requestId}, if any. */
    public Optional<UUID> settlementOf(UUID requestId) {
        return jdbc.queryForList("SELECT event_id FROM adl_settlement WHERE request_id = ?", UUID.class, requestId)
                .stream().findFirst();
    }

    /** The accounts that closed less than asked on a leg of the shortfall: not asked again for it. */
    public Set<String> refusedFor(UUID shortfallId) {
        return new TreeSet<>(jdbc.queryForList("SELECT DISTINCT account_id FROM adl_settlement WHERE shortfall_id = ?"
                + " AND applied < requested", String.class, shortfallId));
    }

    /**
     * margin-service answered a leg on {@code accountId}'s position on {@code symbol} with less than was asked: it
     * closed all the position held on that side. Until a snapshot of the account newer than the one stored now
     * arrives, the account is {@link #exhausted} on the symbol.
     */
    public void recordExhausted(String accountId, String symbol) {
        jdbc.update("INSERT INTO adl_exhausted (account_id, symbol, sequence) SELECT ?, ?, coalesce((SELECT sequence"
                + " FROM adl_account WHERE account_id = ?), 0) ON CONFLICT (symbol, account_id) DO UPDATE SET"
                + " sequence = greatest(adl_exhausted.sequence, EXCLUDED.sequence)", accountId, symbol, accountId);
    }

    /**
     * The accounts margin answered hold nothing more to deleverage on {@code symbol} ({@link #recordExhausted}) and
     * whose stored snapshot is not newer than that answer: the ADL step passes over their positions.
     */
    public Set<String> exhausted(String symbol) {
        return new TreeSet<>(jdbc.queryForList("SELECT e.account_id FROM adl_exhausted e LEFT JOIN adl_account a"
                + " ON a.account_id = e.account_id WHERE e.symbol = ? AND " + IN_FORCE, String.class, symbol));
    }

    /**
     * How many positions one side of a symbol holds in the queue (its length, whose fifths are the indicators): the
     * {@link #exhausted} ones passed over, as the ADL step passes over them.
     */
    public int sideSize(String symbol, boolean longs) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM adl_position p WHERE symbol = ? AND " + sideOf(longs)
                + NOT_EXHAUSTED, Integer.class, symbol);
        return n == null ? 0 : n;
    }

    /**
     * One side of a symbol as the ADL queue ranks it at {@code mark}, read from its head ({@link #head}) as far as
     * it is walked. Each page is a statement of its own: the caller's transaction sees the side as of each.
     */
    public AdlSide queue(String symbol, boolean longs, BigDecimal mark, AdlRanking ranking) {
        return k -> head(symbol, longs, mark, ranking, k);
    }

    /**
     * The first {@code k} positions of one side of a symbol in exactly {@link AdlQueue#rank} order at {@code mark},
     * without reading the side: PostgreSQL orders the side by an approximation of the score and returns its first
     * rows, and {@link AdlHead} ranks exactly every position down to a relative {@link AdlHead#TOLERANCE} below the
     * k-th of them, reading further when near or exact ties reach past the first rows. When the k-th scores exactly
     * 0 (fewer than k positions of the side profit, for Binance), the zero scores that come first are read by
     * quantity ({@link AdlHead#missingZeros}), not all of them. The SQL score only chooses what to rank; the order and
     * the scores are {@link AdlRanking#score}'s (ADR 15).
     */
    public List<AdlCandidate> head(String symbol, boolean longs, BigDecimal mark, AdlRanking ranking, int k) {
        return head(side(longs), longs, symbol, mark, ranking, k);
    }

    /**
     * {@link #head} without the positions margin answered closed ({@link #exhausted}): the first {@code k} positions
     * the ADL step would ask, in its order, as the queue page shows them. The waterfall reads {@link #head} and passes
     * over them itself ({@code PlannedQueue}), together with what its decision learns of further answers.
     */
    public List<AdlCandidate> headWithoutExhausted(String symbol, boolean longs, BigDecimal mark, AdlRanking ranking,
                                                   int k) {
        return head(queued(longs), longs, symbol, mark, ranking, k);
    }

    /** {@link #head} of {@code side}: {@link #side} or {@link #queued} of the {@code longs}, with their parameters. */
    private List<AdlCandidate> head(String side, boolean longs, String symbol, BigDecimal mark, AdlRanking ranking,
                                    int k) {
        if (k < 1) {
            throw new IllegalArgumentException("the head of a queue holds at least one position, asked for " + k);
        }
        int limit = k + HEAD_MARGIN;
        List<AdlHead.Approximate> first = jdbc.query("SELECT " + CANDIDATE + ", " + approximate(ranking) + " AS approx"
                        + " FROM " + side + " ORDER BY approx DESC LIMIT ?",
                (rs, i) -> new AdlHead.Approximate(candidate(rs, mark), rs.getDouble("approx")),
                mark, symbol, limit);
        OptionalDouble floor = AdlHead.missing(first, k, limit);
        if (floor.isEmpty()) {
            return AdlHead.exact(first.stream().map(AdlHead.Approximate::candidate).toList(), k, ranking);
        }
        if (floor.getAsDouble() == 0) {
            // the k-th scores exactly 0, like every position after it that is not negative: the band would be all of
            // them (most of a side of losing positions); the first of them by quantity are the ones that come first,
            // read in the index's order of size from the largest quantity down, until enough of them score 0
            List<AdlCandidate> above = first.stream().filter(a -> a.score() > 0).map(AdlHead.Approximate::candidate)
                    .toList();
            int need = k - above.size();
            int zeroLimit = need + HEAD_MARGIN;
            List<AdlCandidate> zeros = jdbc.query(zeroScores(side, longs, ranking) + " LIMIT ?",
                    (rs, i) -> candidate(rs, mark), mark, symbol, zeroLimit);
            Optional<BigDecimal> quantity = AdlHead.missingZeros(zeros, need, zeroLimit);
            if (quantity.isPresent()) {
                zeros = jdbc.query("SELECT " + CANDIDATE + " FROM " + side + " WHERE " + approximate(ranking) + " = 0"
                        + " AND " + (longs ? "size >= ?" : "size <= ?"), (rs, i) -> candidate(rs, mark), mark, symbol,
                        signed(quantity.get(), longs));
            }
            List<AdlCandidate> band = new ArrayList<>(above);
            band.addAll(zeros);
            return AdlHead.exact(band, k, ranking);
        }
        List<AdlCandidate> band = jdbc.query("SELECT " + CANDIDATE + " FROM " + side + " WHERE "
                        + approximate(ranking) + " >= ?",
                (rs, i) -> candidate(rs, mark), mark, symbol, floor.getAsDouble());
        return AdlHead.exact(band, k, ranking);
    }

    /** A position's place on its side of the queue: {@code rank} 1 is deleveraged first, of {@code sideSize}. */
    public record Standing(AdlCandidate candidate, int rank, int sideSize) {
    }

    /**
     * Where {@code accountId}'s position on one side of a symbol stands in the queue at {@code mark}, exactly as
     * {@link AdlQueue#rank} would rank the whole side, without reading it: PostgreSQL counts the positions whose
     * approximate score is clearly above the account's (for a score of exactly 0, also the zero scores of larger
     * quantity), and {@link AdlHead#rank} ranks exactly those near it (of a zero score, those of its quantity). The
     * queue is the one the ADL step walks: the {@link #exhausted} positions are passed over, neither counted ahead of
     * the account nor in the side's size. Empty when the account holds no position on that side, when margin answered
     * it closed (exhausted), or when its position changed between the statements.
     */
    public Optional<Standing> standing(String symbol, boolean longs, BigDecimal mark, AdlRanking ranking,
                                       String accountId) {
        String queued = queued(longs);
        Optional<AdlHead.Approximate> own = jdbc.query("SELECT " + CANDIDATE + ", " + approximate(ranking)
                        + " AS approx FROM " + queued + " WHERE account_id = ?",
                (rs, i) -> new AdlHead.Approximate(candidate(rs, mark), rs.getDouble("approx")),
                mark, symbol, accountId).stream().findFirst();
        if (own.isEmpty()) {
            return Optional.empty();
        }
        double score = own.get().score();
        double ceiling = AdlHead.ceiling(score);
        // a zero score ties exactly with every other (most of a side of losing positions, for Binance): the larger
        // quantities come before it, the smaller after, and only its own quantity's are ranked
        BigDecimal quantity = score == 0 ? own.get().candidate().quantity() : null;
        long[] counts = jdbc.queryForObject("SELECT count(*) FILTER (WHERE approx > ? OR (approx = 0"
                        + " AND abs(size) > ?::numeric)), count(*) FROM (SELECT size, " + approximate(ranking)
                        + " AS approx FROM " + queued + ") scored",
                (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)}, ceiling, quantity, mark, symbol);
        List<AdlCandidate> band = quantity == null
                ? jdbc.query("SELECT " + CANDIDATE + " FROM " + queued + " WHERE " + approximate(ranking)
                        + " BETWEEN ? AND ?", (rs, i) -> candidate(rs, mark), mark, symbol,
                        AdlHead.floor(score), ceiling)
                : jdbc.query("SELECT " + CANDIDATE + " FROM " + queued + " WHERE " + approximate(ranking) + " = 0"
                        + " AND size = ?", (rs, i) -> candidate(rs, mark), mark, symbol, signed(quantity, longs));
        return AdlHead.rank(accountId, counts[0], band, ranking).stream().boxed().findFirst()
                .flatMap(rank -> band.stream().filter(c -> c.accountId().equals(accountId)).findFirst()
                        .map(c -> new Standing(c, rank, Math.toIntExact(Math.max(counts[1], rank)))));
    }

    /** Rows read past the k asked, so that the usual band of near ties below the k-th needs no second read. */
    private static final int HEAD_MARGIN = 32;

    /**
     * Of a row {@code e} of {@code adl_exhausted} and its account's stored snapshot {@code a} (left joined): the answer
     * still holds, no snapshot of the account newer than it has arrived.
     */
    private static final String IN_FORCE = "coalesce(a.sequence, 0) <= e.sequence";

    /** Of a position {@code p} of {@code adl_position}: not {@link #exhausted} on its symbol. */
    private static final String NOT_EXHAUSTED = " AND NOT EXISTS (SELECT 1 FROM adl_exhausted e LEFT JOIN adl_account a"
            + " ON a.account_id = e.account_id WHERE e.symbol = p.symbol AND e.account_id = p.account_id AND "
            + IN_FORCE + ")";

    /**
     * One side of a symbol valued at the mark, the longs or the shorts; parameters: the mark, the symbol. The side is a
     * range of the index {@code adl_position_side} (V10: {@code size > 0} or {@code size < 0} within the symbol), which
     * holds every column read here, so PostgreSQL reads the side from the index alone.
     */
    static String side(boolean longs) {
        return side(longs, "");
    }

    /** {@link #side} less its {@link #exhausted} positions: the queue the ADL step walks; the same parameters. */
    static String queued(boolean longs) {
        return side(longs, NOT_EXHAUSTED);
    }

    /**
     * The order of the largest quantity first on one side, as the index {@code adl_position_side} holds it: the longs'
     * sizes descending, the shorts' ascending (the most negative first). The same as {@code abs(size) DESC}, which
     * PostgreSQL can only have by sorting every position of the side.
     */
    private static String largestFirst(boolean longs) {
        return longs ? "size DESC" : "size";
    }

    /**
     * The positions of {@code side} ({@link #side} or {@link #queued} of the {@code longs}, with their parameters) that
     * score exactly 0, the largest quantity first ({@link #largestFirst}): PostgreSQL walks the side's range of the
     * index from its largest size and stops at the limit the caller appends, where ordering by {@code abs(size)} had it
     * score and sort every position of the side (3.6-7 s for a side of 790,000 losing longs, docs/capacity.md).
     */
    static String zeroScores(String side, boolean longs, AdlRanking ranking) {
        return "SELECT " + CANDIDATE + " FROM " + side + " WHERE " + approximate(ranking) + " = 0 ORDER BY "
                + largestFirst(longs);
    }

    /** A position's size on the longs' or the shorts' side, of {@code quantity} (not negative). */
    private static BigDecimal signed(BigDecimal quantity, boolean longs) {
        return longs ? quantity : quantity.negate();
    }

    /** Of a position of {@code adl_position}: on the longs' side or on the shorts'. */
    private static String sideOf(boolean longs) {
        return longs ? "size > 0" : "size < 0";
    }

    private static String side(boolean longs, String condition) {
        return "(SELECT account_id, size, entry_price, size * (m.mark - entry_price) AS pnl, m.mark, wallet_balance,"
                + " equity, margin_ratio FROM adl_position p, (SELECT ?::numeric AS mark) m"
                + " WHERE symbol = ? AND " + sideOf(longs) + condition + ") side";
    }

    /** The columns of a position of {@link #side} that {@link #candidate} reads. */
    static final String CANDIDATE = "account_id, size, entry_price, pnl, wallet_balance, equity, margin_ratio";

    static AdlCandidate candidate(ResultSet rs, BigDecimal mark) throws SQLException {
        return new AdlCandidate(rs.getString("account_id"), rs.getBigDecimal("size"), rs.getBigDecimal("entry_price"),
                mark, rs.getBigDecimal("pnl"), rs.getBigDecimal("wallet_balance"), rs.getBigDecimal("equity"),
                rs.getBigDecimal("margin_ratio"));
    }

    /**
     * {@link AdlRanking#score} in {@code float8}, of a position of {@link #side}: only to choose which positions to
     * rank ({@link AdlHead}). Each operand is exact {@code numeric} converted once (the unrealized PnL too), so the
     * result is within a few roundings of a {@code double} of the exact score, and has its sign: 0 where it is 0.
     */
    static String approximate(AdlRanking ranking) {
        return switch (ranking) {
            // max(0, uPnL) / max(1, wallet) x margin ratio; 0 without a margin ratio
            case BINANCE -> "(CASE WHEN margin_ratio IS NULL OR pnl <= 0 THEN 0::float8"
                    + " ELSE pnl::float8 / greatest(wallet_balance, 1)::float8 * margin_ratio::float8 END)";
            // uPnL / cost, times the leverage (notional / max(1, equity)) when profitable, divided by it when not
            case BITMEX -> "(pnl::float8 / (abs(size) * entry_price)::float8 * CASE WHEN pnl >= 0"
                    + " THEN (abs(size) * mark)::float8 / greatest(equity, 1)::float8"
                    + " ELSE greatest(equity, 1)::float8 / (abs(size) * mark)::float8 END)";
        };
    }

    /**
     * The positions the fund knows of {@code accountId} (from its latest snapshot): signed size by symbol, in symbol
     * order; empty when it knows none. An account holds one net position per symbol.
     */
    public Map<String, BigDecimal> positionsOf(String accountId) {
        Map<String, BigDecimal> held = new LinkedHashMap<>();
        jdbc.query("SELECT p.symbol, p.size FROM adl_position p JOIN adl_account a ON a.account_id = p.account_id"
                + " WHERE p.account_id = ? ORDER BY p.symbol", rs -> {
            held.put(rs.getString(1), rs.getBigDecimal(2));
        }, accountId);
        return held;
    }

    /** Positive unrealized PnL on {@code symbol} at {@code mark} by account, the bankrupt account excluded. */
    public Map<String, BigDecimal> profitable(String symbol, BigDecimal mark, String exclude) {
        Map<String, BigDecimal> base = new LinkedHashMap<>();
        jdbc.query("SELECT account_id, size * (?::numeric - entry_price) FROM adl_position WHERE symbol = ?"
                + " AND size * (?::numeric - entry_price) > 0 AND account_id <> ? ORDER BY account_id", rs -> {
            base.put(rs.getString(1), rs.getBigDecimal(2));
        }, mark, symbol, mark, exclude);
        return base;
    }

    /**
     * Sum of the long sizes per symbol (open interest in base units), as {@link #applySnapshots} keeps it: a row per
     * symbol, not a sum over the positions.
     */
    public Map<String, BigDecimal> openInterest() {
        Map<String, BigDecimal> oi = new HashMap<>();
        jdbc.query("SELECT symbol, long_size FROM adl_open_interest WHERE long_size > 0",
                rs -> {
                    oi.put(rs.getString(1), rs.getBigDecimal(2));
                });
        return oi;
    }
}
