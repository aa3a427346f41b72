package io.backstop.insurance.engine;

import io.backstop.events.margin.AccountPositionsSnapshotted;
import io.backstop.events.margin.PositionMark;
import io.backstop.insurance.waterfall.AdlCandidate;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The fund's copy of every account's positions in PostgreSQL (from margin-service's {@code account.positions},
 * reduced by the takeovers and ADL the waterfall sends until a snapshot confirms them): the ADL queue, the base of
 * a socialized loss, the open interest. Every write runs in its caller's transaction.
 */
public class AdlStore {

    private final JdbcTemplate jdbc;

    public AdlStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A snapshot, its per-account sequence, and the last waterfall event margin-service had applied to
     * the account when it took it (null when none since its previous snapshot).
     */
    public record Snapshot(AccountPositionsSnapshotted positions, long sequence, UUID causation) {
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
        // what the snapshots confirm is no longer pending; what they do not is applied on top of them
        List<Object[]> confirmed = new ArrayList<>();
        for (String account : changed) {
            UUID causation = latest.get(account).causation();
            if (causation != null) {
                confirmed.add(new Object[] {account, causation});
            }
        }
        jdbc.batchUpdate("DELETE FROM adl_pending WHERE account_id = ? AND seq <= (SELECT seq FROM adl_pending"
                + " WHERE event_id = ?)", confirmed);
        jdbc.update(con -> {
            var ps = con.prepareStatement("UPDATE adl_position p SET size = CASE WHEN sign(p.size + d.delta) = sign(p.size)"
                    + " THEN p.size + d.delta ELSE 0 END FROM (SELECT account_id, symbol, sum(delta) AS delta FROM adl_pending"
                    + " WHERE account_id = ANY (?) GROUP BY account_id, symbol) d"
                    + " WHERE p.account_id = d.account_id AND p.symbol = d.symbol");
            ps.setArray(1, con.createArrayOf("text", changed.toArray()));
            return ps;
        });
        jdbc.update(con -> {
            var ps = con.prepareStatement("DELETE FROM adl_position WHERE account_id = ANY (?) AND size = 0");
            ps.setArray(1, con.createArrayOf("text", changed.toArray()));
            return ps;
        });
        return changed.size();
    }

    /** A position change sent to margin-service by event {@code eventId}, until a snapshot confirms it. */
    public void addPending(UUID eventId, String accountId, String symbol, BigDecimal delta, Instant now) {
        jdbc.update("INSERT INTO adl_pending (event_id, account_id, symbol, delta, created_at) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (event_id) DO NOTHING", eventId, accountId, symbol, delta, Timestamp.from(now));
    }

    /** Forgets unconfirmed changes older than {@code before}; returns how many. */
    public int expirePending(Instant before) {
        return jdbc.update("DELETE FROM adl_pending WHERE created_at < ?", Timestamp.from(before));
    }

    /** Takes {@code delta} (signed) off a stored position (an ADL or a takeover it suffered), removing it when flat. */
    public void adjustPosition(String accountId, String symbol, BigDecimal delta) {
        jdbc.update("UPDATE adl_position SET size = size + ? WHERE account_id = ? AND symbol = ?", delta, accountId, symbol);
        jdbc.update("DELETE FROM adl_position WHERE account_id = ? AND symbol = ? AND size = 0", accountId, symbol);
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
