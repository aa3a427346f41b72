package io.backstop.insurance.engine;

import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.PositionMark;
import io.backstop.insurance.fund.SentAdlRequest;
import io.backstop.insurance.waterfall.AdlCandidate;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        jdbc.update(con -> {
            var ps = con.prepareStatement("DELETE FROM adl_position WHERE account_id = ANY (?)");
            ps.setArray(1, con.createArrayOf("text", changed.toArray()));
            return ps;
        });
        List<Object[]> rows = new ArrayList<>();
        for (String account : changed) {
            for (PositionMark m : latest.get(account).positions().positions()) {
                rows.add(new Object[] {account, m.symbol(), m.size(), m.entryPrice()});
            }
        }
        jdbc.batchUpdate("INSERT INTO adl_position (account_id, symbol, size, entry_price) VALUES (?, ?, ?, ?)", rows);
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
     * Every position of one side of a symbol, valued at {@code mark}, in no particular order: the ADL queue is
     * ranked in Java ({@code AdlQueue}), where its score is defined; this only reads (ADR 15).
     */
    public List<AdlCandidate> side(String symbol, boolean longs, BigDecimal mark) {
        return jdbc.query("SELECT p.account_id, p.size, p.entry_price, p.size * (?::numeric - p.entry_price),"
                        + " a.wallet_balance, a.equity, a.margin_ratio FROM adl_position p"
                        + " JOIN adl_account a ON a.account_id = p.account_id WHERE p.symbol = ? AND (p.size > 0) = ?",
                (rs, i) -> new AdlCandidate(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3), mark,
                        rs.getBigDecimal(4), rs.getBigDecimal(5), rs.getBigDecimal(6), rs.getBigDecimal(7)),
                mark, symbol, longs);
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

    /** Sum of the long sizes per symbol (open interest in base units). */
    public Map<String, BigDecimal> openInterest() {
        Map<String, BigDecimal> oi = new HashMap<>();
        jdbc.query("SELECT symbol, sum(size) FROM adl_position WHERE size > 0 GROUP BY symbol",
                rs -> {
                    oi.put(rs.getString(1), rs.getBigDecimal(2));
                });
        return oi;
    }
}
