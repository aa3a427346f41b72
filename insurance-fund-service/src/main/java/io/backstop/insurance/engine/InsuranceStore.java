package io.backstop.insurance.engine;

import io.backstop.insurance.fund.FundBook;
import io.backstop.insurance.fund.FundOrder;
import io.backstop.insurance.fund.Inventory;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.ledger.Posting;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The fund's books in PostgreSQL: funds and their inherited positions, the ledger, waterfall decisions and the
 * fund's orders (the positions margin publishes are {@link AdlStore}'s). Every write runs in its caller's transaction.
 * The ledger is written in batches on {@link JdbcTemplate}; the orders through their Spring Data repository.
 */
public class InsuranceStore {

    /** A line of a fund's history: a ledger transaction and what it moved in or out of the fund, by asset. */
    public record FundMovement(Instant at, String kind, UUID transactionId, UUID causeEventId,
                               Map<String, BigDecimal> amounts, String memo) {
    }

    /** One finding of the ledger check. */
    public record Difference(String what, String account, String asset, BigDecimal expected, BigDecimal actual) {
    }

    private final JdbcTemplate jdbc;
    private final FundOrders orders;
    private final JdbcAggregateOperations data;

    public InsuranceStore(JdbcTemplate jdbc, FundOrders orders, JdbcAggregateOperations data) {
        this.jdbc = jdbc;
        this.orders = orders;
        this.data = data;
    }

    // --- funds ----------------------------------------------------------------------------------

    /** Creates the configured funds that do not exist yet (balance 0). */
    public void ensureFunds(Iterable<String> groups, String asset, Instant now) {
        for (String group : groups) {
            jdbc.update("INSERT INTO fund (group_name, asset, balance, updated_at) VALUES (?, ?, 0, ?)"
                    + " ON CONFLICT (group_name) DO NOTHING", group, asset, Timestamp.from(now));
        }
    }

    /** The group's book, its row locked until the transaction ends. */
    public FundBook lockFund(String group) {
        Map<String, Object> row = jdbc.queryForMap("SELECT asset, balance FROM fund WHERE group_name = ? FOR UPDATE",
                group);
        return new FundBook(group, (String) row.get("asset"), (BigDecimal) row.get("balance"), inventory(group));
    }

    /** The group's book as last committed (no lock). */
    public FundBook readFund(String group) {
        Map<String, Object> row = jdbc.queryForMap("SELECT asset, balance FROM fund WHERE group_name = ?", group);
        return new FundBook(group, (String) row.get("asset"), (BigDecimal) row.get("balance"), inventory(group));
    }

    private Map<String, Inventory> inventory(String group) {
        Map<String, Inventory> inventory = new HashMap<>();
        jdbc.query("SELECT symbol, size, cost FROM fund_inventory WHERE group_name = ?", rs -> {
            inventory.put(rs.getString(1), new Inventory(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3)));
        }, group);
        return inventory;
    }

    /** Stores the book's balance and positions; returns the fund's next event sequence. */
    public long saveFund(FundBook book, Instant now) {
        Long sequence = jdbc.queryForObject("UPDATE fund SET balance = ?, sequence = sequence + 1, updated_at = ?"
                + " WHERE group_name = ? RETURNING sequence", Long.class, book.balance(), Timestamp.from(now), book.group());
        for (Inventory inv : book.inventory().values()) {
            jdbc.update("INSERT INTO fund_inventory (group_name, symbol, size, cost) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (group_name, symbol) DO UPDATE SET size = EXCLUDED.size, cost = EXCLUDED.cost",
                    book.group(), inv.symbol(), inv.size(), inv.cost());
        }
        jdbc.update(con -> {
            var ps = con.prepareStatement("DELETE FROM fund_inventory WHERE group_name = ? AND NOT (symbol = ANY (?))");
            ps.setString(1, book.group());
            ps.setArray(2, con.createArrayOf("text", book.inventory().keySet().toArray()));
            return ps;
        });
        return sequence == null ? 0 : sequence;
    }

    // --- ledger ---------------------------------------------------------------------------------

    public boolean transactionExists(UUID id) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM ledger_transaction WHERE id = ?)",
                Boolean.class, id));
    }

    /** Records transactions, their postings and the balances they move. */
    public void record(List<LedgerTransaction> transactions, Instant now) {
        if (transactions.isEmpty()) {
            return;
        }
        List<Object[]> txs = new ArrayList<>();
        List<Object[]> postings = new ArrayList<>();
        Map<String, BigDecimal> moves = new LinkedHashMap<>();
        for (LedgerTransaction t : transactions) {
            txs.add(new Object[] {t.id(), t.causeEventId(), t.kind(), t.memo(), Timestamp.from(now)});
            int line = 0;
            for (Posting p : t.postings()) {
                postings.add(new Object[] {t.id(), ++line, p.account(), p.asset(), p.amount()});
                moves.merge(p.account() + "\u0000" + p.asset(), p.amount(), BigDecimal::add);
            }
        }
        jdbc.batchUpdate("INSERT INTO ledger_transaction (id, cause_event_id, kind, memo, created_at) VALUES (?, ?, ?, ?, ?)",
                txs);
        jdbc.batchUpdate("INSERT INTO ledger_posting (transaction_id, line, account, asset, amount) VALUES (?, ?, ?, ?, ?)",
                postings);
        List<Object[]> balances = new ArrayList<>();
        // a fixed order of (account, asset) so concurrent transactions lock balance rows in the same order
        moves.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] key = e.getKey().split("\u0000");
            balances.add(new Object[] {key[0], key[1], e.getValue()});
        });
        jdbc.batchUpdate("INSERT INTO ledger_balance (account, asset, balance) VALUES (?, ?, ?) ON CONFLICT (account, asset)"
                + " DO UPDATE SET balance = ledger_balance.balance + EXCLUDED.balance", balances);
    }

    /** The fund's movements (money and inherited positions), newest first. */
    public List<FundMovement> fundHistory(String group, int limit) {
        Map<UUID, FundMovement> movements = new LinkedHashMap<>();
        jdbc.query("SELECT t.created_at, t.kind, t.id, t.cause_event_id, p.asset, sum(p.amount), t.memo"
                        + " FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id"
                        + " WHERE p.account = ? AND t.id IN (SELECT t2.id FROM ledger_transaction t2 WHERE EXISTS"
                        + " (SELECT 1 FROM ledger_posting p2 WHERE p2.transaction_id = t2.id AND p2.account = ?)"
                        + " ORDER BY t2.created_at DESC, t2.id LIMIT ?)"
                        + " GROUP BY t.id, p.asset ORDER BY t.created_at DESC, t.id, p.asset", rs -> {
                    UUID id = rs.getObject(3, UUID.class);
                    movements.computeIfAbsent(id, k -> {
                        try {
                            return new FundMovement(rs.getTimestamp(1).toInstant(), rs.getString(2), id,
                                    rs.getObject(4, UUID.class), new LinkedHashMap<>(), rs.getString(7));
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }).amounts().put(rs.getString(5), rs.getBigDecimal(6));
                }, "fund:" + group, "fund:" + group, limit);
        return new ArrayList<>(movements.values());
    }

    /**
     * Everything the ledger check finds wrong: a transaction not summing to zero in an asset, a stored
     * balance that differs from the sum of its postings, an asset whose balances do not sum to zero, a
     * fund whose money or inherited position differs from its ledger account. Empty when all is well.
     */
    public List<Difference> check() {
        List<Difference> found = new ArrayList<>();
        jdbc.query("SELECT transaction_id, asset, sum(amount) FROM ledger_posting GROUP BY transaction_id, asset"
                + " HAVING sum(amount) <> 0", rs -> {
            found.add(new Difference("unbalanced transaction " + rs.getObject(1), null, rs.getString(2),
                    BigDecimal.ZERO, rs.getBigDecimal(3)));
        });
        jdbc.query("SELECT coalesce(b.account, p.account), coalesce(b.asset, p.asset), coalesce(p.total, 0),"
                + " coalesce(b.balance, 0) FROM ledger_balance b FULL OUTER JOIN"
                + " (SELECT account, asset, sum(amount) AS total FROM ledger_posting GROUP BY account, asset) p"
                + " ON p.account = b.account AND p.asset = b.asset"
                + " WHERE coalesce(p.total, 0) <> coalesce(b.balance, 0)", rs -> {
            found.add(new Difference("stored balance differs from its postings", rs.getString(1), rs.getString(2),
                    rs.getBigDecimal(3), rs.getBigDecimal(4)));
        });
        jdbc.query("SELECT asset, sum(balance) FROM ledger_balance GROUP BY asset HAVING sum(balance) <> 0", rs -> {
            found.add(new Difference("balances of an asset do not sum to zero", null, rs.getString(1), BigDecimal.ZERO,
                    rs.getBigDecimal(2)));
        });
        jdbc.query("SELECT f.group_name, f.asset, f.balance, coalesce(b.balance, 0) FROM fund f LEFT JOIN ledger_balance b"
                + " ON b.account = 'fund:' || f.group_name AND b.asset = f.asset WHERE f.balance <> coalesce(b.balance, 0)",
                rs -> {
                    found.add(new Difference("fund balance differs from its ledger account", "fund:" + rs.getString(1),
                            rs.getString(2), rs.getBigDecimal(4), rs.getBigDecimal(3)));
                });
        jdbc.query("SELECT coalesce(i.group_name, substr(b.account, 6)), coalesce(i.symbol, b.asset), coalesce(b.balance, 0),"
                + " coalesce(i.size, 0) FROM fund_inventory i FULL OUTER JOIN (SELECT lb.account, lb.asset, lb.balance FROM"
                + " ledger_balance lb JOIN fund f ON lb.account = 'fund:' || f.group_name AND lb.asset <> f.asset) b"
                + " ON b.account = 'fund:' || i.group_name AND b.asset = i.symbol"
                + " WHERE coalesce(b.balance, 0) <> coalesce(i.size, 0)", rs -> {
            found.add(new Difference("inherited position differs from its ledger account", "fund:" + rs.getString(1),
                    rs.getString(2), rs.getBigDecimal(3), rs.getBigDecimal(4)));
        });
        return found;
    }

    public Map<String, Long> ledgerCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("transactions", jdbc.queryForObject("SELECT count(*) FROM ledger_transaction", Long.class));
        counts.put("postings", jdbc.queryForObject("SELECT count(*) FROM ledger_posting", Long.class));
        counts.put("balances", jdbc.queryForObject("SELECT count(*) FROM ledger_balance", Long.class));
        return counts;
    }

    // --- waterfall decisions --------------------------------------------------------------------

    public void saveWaterfall(UUID shortfallId, String group, String accountId, String symbol, String decisionJson,
                              Instant now) {
        jdbc.update("INSERT INTO waterfall (shortfall_id, group_name, account_id, symbol, decision, created_at)"
                + " VALUES (?, ?, ?, ?, ?::jsonb, ?)", shortfallId, group, accountId, symbol, decisionJson, Timestamp.from(now));
    }

    /** Adds one settled ADL leg (its JSON object) to the shortfall's decision record, under {@code settlements}. */
    public void appendWaterfallSettlement(UUID shortfallId, String settlementJson) {
        jdbc.update("UPDATE waterfall SET decision = jsonb_set(decision, '{settlements}',"
                + " coalesce(decision->'settlements', '[]'::jsonb) || jsonb_build_array(?::jsonb)) WHERE shortfall_id = ?",
                settlementJson, shortfallId);
    }

    public Optional<String> waterfall(UUID shortfallId) {
        return jdbc.query("SELECT decision::text FROM waterfall WHERE shortfall_id = ?", (rs, i) -> rs.getString(1),
                shortfallId).stream().findFirst();
    }

    // --- the fund's orders ----------------------------------------------------------------------

    /** Which of {@code orderIds} are the fund's orders. */
    public java.util.Set<UUID> fundOrderIds(List<UUID> orderIds) {
        if (orderIds.isEmpty()) {
            return java.util.Set.of();
        }
        java.util.Set<UUID> ours = new java.util.HashSet<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT id FROM fund_order WHERE id = ANY (?)");
            ps.setArray(1, con.createArrayOf("uuid", orderIds.toArray()));
            return ps;
        }, rs -> {
            ours.add(rs.getObject(1, UUID.class));
        });
        return ours;
    }

    public boolean hasOpenOrder(String group, String symbol) {
        return orders.existsByGroupAndSymbolAndStatus(group, symbol, FundOrder.OPEN);
    }

    public void insertOrder(FundOrder order, Instant now) {
        data.insert(FundOrders.Row.placed(order, now));
    }

    /** The order, its row locked, if it is one of the fund's. */
    public Optional<FundOrder> lockOrder(UUID id) {
        return orders.findLockedById(id).map(FundOrders.Row::order);
    }

    /** An unwinding order the exchange has not answered, and how often it was asked about already. */
    public record Unanswered(FundOrder order, int statusRequests) {
    }

    /** Open orders placed, or last asked about, at or before {@code asOf}, oldest first, locked. */
    public List<Unanswered> unansweredSince(Instant asOf, int limit) {
        return orders.findUnansweredSince(asOf, limit).stream()
                .map(r -> new Unanswered(r.order(), r.statusRequests())).toList();
    }

    public void statusRequested(UUID id, Instant now) {
        FundOrders.Row row = orders.findById(id).orElseThrow(() -> new IllegalStateException("no fund order " + id));
        orders.save(row.asked(now));
    }

    public void closeOrder(UUID id, BigDecimal filled, Instant now) {
        FundOrders.Row row = orders.findById(id).orElseThrow(() -> new IllegalStateException("no fund order " + id));
        orders.save(row.closed(filled, now));
    }
}
