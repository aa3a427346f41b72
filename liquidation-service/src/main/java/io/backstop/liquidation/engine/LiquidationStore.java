package io.backstop.liquidation.engine;

import io.backstop.events.Side;
import io.backstop.events.json.EventJson;
import io.backstop.liquidation.lifecycle.Fill;
import io.backstop.liquidation.lifecycle.Liquidation;
import io.backstop.liquidation.lifecycle.LiquidationStatus;
import io.backstop.liquidation.lifecycle.Order;
import io.backstop.liquidation.lifecycle.OrderStatus;
import io.backstop.liquidation.plan.CallPriority;
import io.backstop.liquidation.plan.PositionState;
import io.backstop.liquidation.plan.ScopeState;
import io.backstop.markets.Market;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/** Liquidations, their orders and fills in PostgreSQL; every write runs in its caller's transaction. */
public class LiquidationStore {

    /** The stored form of a scope: brackets and scales come back from the market catalogue. */
    record StoredScope(BigDecimal equity, List<StoredPosition> positions, Map<String, ScopeState.Collateral> collateral) {
    }

    record StoredPosition(String symbol, BigDecimal size, BigDecimal entryPrice, BigDecimal mark) {
    }

    private final JdbcTemplate jdbc;
    private final EventJson json;
    private final Map<String, Market> markets;

    public LiquidationStore(JdbcTemplate jdbc, EventJson json, Map<String, Market> markets) {
        this.jdbc = jdbc;
        this.json = json;
        this.markets = markets;
    }

    private static final String INSERT_LIQUIDATION = "INSERT INTO liquidation (id, margin_call_id, account_id, scope,"
            + " status, round, health, notional, state, outcome, created_at, updated_at, price_time)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)";

    /** The open (queued or active) scopes of these accounts, as "account|scope". */
    public java.util.Set<String> openScopes(java.util.Collection<String> accountIds) {
        java.util.Set<String> open = new java.util.HashSet<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT account_id, scope FROM liquidation WHERE account_id = ANY (?)"
                    + " AND open");
            ps.setArray(1, con.createArrayOf("text", accountIds.toArray()));
            return ps;
        }, rs -> {
            open.add(rs.getString(1) + "|" + rs.getString(2));
        });
        return open;
    }

    /**
     * The tradeIds of each liquidation's fills, in the order they were recorded: what its {@code LiquidationEnded}
     * lists. Liquidations without fills are absent.
     */
    public Map<UUID, List<String>> fillsOf(java.util.Collection<UUID> liquidationIds) {
        Map<UUID, List<String>> fills = new java.util.HashMap<>();
        if (liquidationIds.isEmpty()) {
            return fills;
        }
        jdbc.query(con -> {
            // seq (V4) outlived the fills-in-flight correction for this order, through the V6 index (liquidation_id, seq)
            var ps = con.prepareStatement("SELECT liquidation_id, trade_id FROM liquidation_fill"
                    + " WHERE liquidation_id = ANY (?) ORDER BY seq");
            ps.setArray(1, con.createArrayOf("uuid", liquidationIds.toArray()));
            return ps;
        }, rs -> {
            fills.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>()).add(rs.getString(2));
        });
        return fills;
    }

    /** Locks the liquidation for this transaction. */
    public Optional<Liquidation> lock(UUID id) {
        return jdbc.query("SELECT id, margin_call_id, account_id, scope, status, round, state, created_at, price_time"
                + " FROM liquidation WHERE id = ? FOR UPDATE", this::liquidation, id).stream().findFirst();
    }

    /** Locks several liquidations for this transaction, in id order (one statement). */
    public Map<UUID, Liquidation> lockAll(List<UUID> ids) {
        Map<UUID, Liquidation> locked = new LinkedHashMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT id, margin_call_id, account_id, scope, status, round, state,"
                    + " created_at, price_time FROM liquidation WHERE id = ANY (?) ORDER BY id FOR UPDATE");
            ps.setArray(1, con.createArrayOf("uuid", ids.toArray()));
            return ps;
        }, rs -> {
            Liquidation l = liquidation(rs, 0);
            locked.put(l.id(), l);
        });
        return locked;
    }

    /**
     * Writes collected during a transaction and sent at its end, a statement per kind: for steps that never
     * read back what they wrote (one round of each of many liquidations). Inserts go as JDBC batches, which the
     * driver rewrites into multi-row inserts; updates go as one {@code UPDATE ... FROM unnest(...)} each, since a
     * batch of updates is still one statement a row for PostgreSQL (three a drained call, measured). Several updates
     * of one row within a flush become one: the last state, the last outcome given, an order's quantities added up.
     * Every row updated must exist: the caller locked it earlier in the transaction.
     */
    public final class Writes {
        private final Map<UUID, LiquidationUpdate> updates = new LinkedHashMap<>();
        private final List<Object[]> orders = new ArrayList<>();
        private final List<Object[]> fills = new ArrayList<>();
        private final Map<UUID, OrderUpdate> orderStatuses = new LinkedHashMap<>();
        private final List<Object[]> liquidations = new ArrayList<>();

        /** A new liquidation, created when its call was taken in ({@code l.createdAt()}), as it stands {@code now}. */
        public void insert(Liquidation l, Instant now, Map<String, Object> outcome) {
            liquidations.add(new Object[] {l.id(), l.marginCallId(), l.accountId(), l.scope(), l.status().name(),
                    l.round(), l.state().health(), l.state().notional(), write(l.state()),
                    outcome == null ? null : json.mapper().writeValueAsString(outcome), Timestamp.from(l.createdAt()),
                    Timestamp.from(now), l.priceTime() == null ? null : Timestamp.from(l.priceTime())});
        }

        public void insertFill(Fill f) {
            fills.add(new Object[] {f.tradeId(), f.liquidationId(), f.orderId(), f.accountId(), f.symbol(),
                    f.side().name(), f.quantity(), f.price(), f.realizedPnl(), f.fee(), f.remainder(),
                    f.bankruptcyPrice(), Timestamp.from(f.executedAt())});
        }

        public void insertOrder(Order o, Instant now) {
            orders.add(new Object[] {o.id(), o.liquidationId(), o.symbol(), o.side().name(), o.quantity(),
                    o.limitPrice(), o.slice(), o.round(), o.status().name(), Timestamp.from(o.notBefore()),
                    Timestamp.from(now)});
        }

        /** The order's new status, {@code filled} and {@code cancelled} added to what it had. */
        public void orderStatus(UUID id, OrderStatus status, BigDecimal filled, BigDecimal cancelled, Instant now) {
            orderStatuses.merge(id, new OrderUpdate(status.name(), filled, cancelled, Timestamp.from(now)),
                    OrderUpdate::then);
        }

        /** The liquidation as it now stands; {@code outcome} null keeps the stored one. */
        public void update(Liquidation l, Map<String, Object> outcome, Instant now) {
            ScopeState state = l.state();
            updates.merge(l.id(), new LiquidationUpdate(l.status().name(), l.round(), state.health(),
                    state.notional(), write(state), outcome == null ? null : json.mapper().writeValueAsString(outcome),
                    Timestamp.from(now)), LiquidationUpdate::then);
        }

        public void flush() {
            if (!liquidations.isEmpty()) {
                jdbc.batchUpdate(INSERT_LIQUIDATION, liquidations);
                liquidations.clear();
            }
            if (!fills.isEmpty()) {
                jdbc.batchUpdate(INSERT_FILL, fills);
                fills.clear();
            }
            if (!orderStatuses.isEmpty()) {
                updateAll("liquidation_order", ORDER_STATUSES, orderStatuses, List.of(
                        new Column<>("text", OrderUpdate::status), new Column<>("numeric", OrderUpdate::filled),
                        new Column<>("numeric", OrderUpdate::cancelled), new Column<>("timestamptz", OrderUpdate::at)));
                orderStatuses.clear();
            }
            if (!orders.isEmpty()) {
                jdbc.batchUpdate(INSERT_ORDER, orders);
                orders.clear();
            }
            if (!updates.isEmpty()) {
                updateAll("liquidation", UPDATES, updates, List.of(new Column<>("text", LiquidationUpdate::status),
                        new Column<>("integer", LiquidationUpdate::round),
                        new Column<>("numeric", LiquidationUpdate::health),
                        new Column<>("numeric", LiquidationUpdate::notional),
                        new Column<>("text", LiquidationUpdate::state), new Column<>("text", LiquidationUpdate::outcome),
                        new Column<>("timestamptz", LiquidationUpdate::at)));
                updates.clear();
            }
        }

        /** One statement for {@code rows}: the ids as its first array parameter, then each column's. */
        private <R> void updateAll(String table, String sql, Map<UUID, R> rows, List<Column<R>> columns) {
            int updated = jdbc.update(con -> {
                var ps = con.prepareStatement(sql);
                ps.setArray(1, con.createArrayOf("uuid", rows.keySet().toArray()));
                for (int i = 0; i < columns.size(); i++) {
                    Column<R> column = columns.get(i);
                    ps.setArray(i + 2, con.createArrayOf(column.type(), rows.values().stream().map(column.value())
                            .toArray()));
                }
                return ps;
            });
            if (updated != rows.size()) {
                throw new IllegalStateException("updated " + updated + " of " + rows.size() + " rows of " + table
                        + ": a row written in this transaction is missing");
            }
        }
    }

    /** A column of a flush's update: its SQL array type and its value in each row. */
    private record Column<R>(String type, java.util.function.Function<R, Object> value) {
    }

    /** An order's status written at a flush; a later one for the same order adds its quantities. */
    record OrderUpdate(String status, BigDecimal filled, BigDecimal cancelled, Timestamp at) {
        OrderUpdate then(OrderUpdate next) {
            return new OrderUpdate(next.status, filled.add(next.filled), cancelled.add(next.cancelled), next.at);
        }
    }

    /** A liquidation's state written at a flush; a later one for the same liquidation replaces it, outcome kept. */
    record LiquidationUpdate(String status, int round, BigDecimal health, BigDecimal notional, String state,
                             String outcome, Timestamp at) {
        LiquidationUpdate then(LiquidationUpdate next) {
            return next.outcome != null ? next
                    : new LiquidationUpdate(next.status, next.round, next.health, next.notional, next.state, outcome,
                            next.at);
        }
    }

    public Writes writes() {
        return new Writes();
    }

    private static final String INSERT_FILL = "INSERT INTO liquidation_fill (trade_id, liquidation_id, order_id,"
            + " account_id, symbol, side, quantity, price, realized_pnl, fee, remainder, bankruptcy_price, executed_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String ORDER_STATUSES = "UPDATE liquidation_order o SET status = v.status,"
            + " filled_quantity = o.filled_quantity + v.filled,"
            + " cancelled_quantity = o.cancelled_quantity + v.cancelled, updated_at = v.updated_at FROM unnest(?::uuid[], ?::text[], ?::numeric[], ?::numeric[],"
            + " ?::timestamptz[]) AS v (id, status, filled, cancelled, updated_at) WHERE o.id = v.id";

    /**
     * Locks several orders for this transaction, in id order (one statement); {@code sentAt} gets when each of
     * them still open was sent to the exchange (or placed, for a slice), the start of its wait for an answer.
     */
    public Map<UUID, Order> lockOrders(java.util.Collection<UUID> ids, Map<UUID, Instant> sentAt) {
        Map<UUID, Order> locked = new LinkedHashMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT " + ORDER_COLUMNS + ", updated_at FROM liquidation_order"
                    + " WHERE id = ANY (?) ORDER BY id FOR UPDATE");
            ps.setArray(1, con.createArrayOf("uuid", ids.toArray()));
            return ps;
        }, rs -> {
            Order o = order(rs, 0);
            locked.put(o.id(), o);
            if (o.status() == OrderStatus.OPEN) {
                sentAt.put(o.id(), rs.getTimestamp(11).toInstant());
            }
        });
        return locked;
    }

    /** Orders still open or scheduled, per liquidation (absent: none). */
    public Map<UUID, Integer> pendingOrders(java.util.Collection<UUID> liquidationIds) {
        Map<UUID, Integer> pending = new java.util.HashMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT liquidation_id, count(*) FROM liquidation_order"
                    + " WHERE liquidation_id = ANY (?) AND status <> 'DONE' GROUP BY liquidation_id");
            ps.setArray(1, con.createArrayOf("uuid", liquidationIds.toArray()));
            return ps;
        }, rs -> {
            pending.put(rs.getObject(1, UUID.class), rs.getInt(2));
        });
        return pending;
    }

    private static final String UPDATES = "UPDATE liquidation l SET status = v.status, round = v.round,"
            + " health = v.health, notional = v.notional, state = v.state::jsonb,"
            + " outcome = coalesce(v.outcome::jsonb, l.outcome), updated_at = v.updated_at"
            + " FROM unnest(?::uuid[], ?::text[], ?::integer[], ?::numeric[], ?::numeric[], ?::text[], ?::text[],"
            + " ?::timestamptz[]) AS v (id, status, round, health, notional, state, outcome, updated_at)"
            + " WHERE l.id = v.id";
    private static final String INSERT_ORDER = "INSERT INTO liquidation_order (id, liquidation_id, symbol, side,"
            + " quantity, limit_price, slice, round, status, not_before, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /**
     * Queued liquidations with what orders them: id, health, notional, margin call id. Read from the open ones
     * (V10: no index names {@code status}, so that a round's update of it is HOT).
     */
    public List<Queued> queued() {
        return jdbc.query("SELECT id, health, notional, margin_call_id FROM liquidation WHERE open"
                + " AND status = 'QUEUED'",
                (rs, i) -> new Queued(rs.getObject(1, UUID.class), rs.getBigDecimal(2), rs.getBigDecimal(3),
                        rs.getObject(4, UUID.class), null));
    }

    /** A liquidation to take a round on, with the trace its round continues (null when restored from the table). */
    public record Queued(UUID id, BigDecimal health, BigDecimal notional, UUID marginCallId, String traceParent) {
        /** Its place in the liquidator's order. */
        public CallPriority priority() {
            return new CallPriority(health, notional, marginCallId);
        }
    }


    /** When the next scheduled slice is due, if any slice is scheduled. */
    public Optional<Instant> nextScheduledSlice() {
        Timestamp next = jdbc.queryForObject("SELECT min(not_before) FROM liquidation_order WHERE status = 'SCHEDULED'",
                Timestamp.class);
        return Optional.ofNullable(next).map(Timestamp::toInstant);
    }

    /** Scheduled slices whose time has come, locked (skipping any another transaction holds). */
    public List<Order> dueSlices(Instant now, int limit) {
        return jdbc.query("SELECT " + ORDER_COLUMNS + " FROM liquidation_order WHERE status = 'SCHEDULED'"
                + " AND not_before <= ? ORDER BY not_before LIMIT ? FOR UPDATE SKIP LOCKED", this::order,
                Timestamp.from(now), limit);
    }

    public void orderStatus(UUID id, OrderStatus status, BigDecimal filled, BigDecimal cancelled, Instant now) {
        jdbc.update("UPDATE liquidation_order SET status = ?, filled_quantity = filled_quantity + ?,"
                + " cancelled_quantity = cancelled_quantity + ?, updated_at = ? WHERE id = ?",
                status.name(), filled, cancelled, Timestamp.from(now), id);
    }

    /** An order sent to the exchange and not answered yet, and how often it was asked about already. */
    public record Unanswered(UUID id, UUID liquidationId, String symbol, Side side, BigDecimal quantity,
                             int statusRequests, Instant askedAt) {
    }

    /**
     * Open orders sent, or last asked about, at or before {@code asOf}, oldest first, with when that was, locked
     * (skipping any another transaction holds).
     */
    public List<Unanswered> unansweredSince(Instant asOf, int limit) {
        return jdbc.query("SELECT id, liquidation_id, symbol, side, quantity, status_requests,"
                + " coalesce(status_requested_at, updated_at) AS asked_at FROM liquidation_order"
                + " WHERE status = 'OPEN' AND coalesce(status_requested_at, updated_at) <= ?"
                + " ORDER BY coalesce(status_requested_at, updated_at), id LIMIT ? FOR UPDATE SKIP LOCKED",
                (rs, i) -> new Unanswered(rs.getObject("id", UUID.class), rs.getObject("liquidation_id", UUID.class),
                        rs.getString("symbol"), Side.valueOf(rs.getString("side")), rs.getBigDecimal("quantity"),
                        rs.getInt("status_requests"), rs.getTimestamp("asked_at").toInstant()),
                Timestamp.from(asOf), limit);
    }

    public void statusRequested(UUID orderId, Instant now) {
        jdbc.update("UPDATE liquidation_order SET status_requested_at = ?, status_requests = status_requests + 1"
                + " WHERE id = ?", Timestamp.from(now), orderId);
    }

    /** Orders of the liquidation still open or scheduled. */
    public int pendingOrders(UUID liquidationId) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM liquidation_order WHERE liquidation_id = ?"
                + " AND status <> 'DONE'", Integer.class, liquidationId);
        return n == null ? 0 : n;
    }

    /** Seconds since the oldest order still waiting for the exchange's answer was sent (0 if none). */
    public double oldestOpenOrderSeconds() {
        Double seconds = jdbc.queryForObject("SELECT extract(epoch FROM now() - min(updated_at))::float8"
                + " FROM liquidation_order WHERE status = 'OPEN'", Double.class);
        return seconds == null ? 0 : seconds;
    }

    /** Liquidations by status, for metrics and tests. */
    public Map<String, Integer> countByStatus() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        jdbc.query("SELECT status, count(*) FROM liquidation GROUP BY status", rs -> {
            counts.put(rs.getString(1), rs.getInt(2));
        });
        return counts;
    }

    private static final String ORDER_COLUMNS =
            "id, liquidation_id, symbol, side, quantity, limit_price, slice, round, status, not_before";

    private Order order(ResultSet rs, int i) throws SQLException {
        return new Order(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                Side.valueOf(rs.getString(4)), rs.getBigDecimal(5), rs.getBigDecimal(6), rs.getInt(7), rs.getInt(8),
                OrderStatus.valueOf(rs.getString(9)), rs.getTimestamp(10).toInstant());
    }

    private Liquidation liquidation(ResultSet rs, int i) throws SQLException {
        return new Liquidation(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                rs.getString(4), LiquidationStatus.valueOf(rs.getString(5)), rs.getInt(6), read(rs.getString(7)),
                rs.getTimestamp(8).toInstant(), rs.getTimestamp(9) == null ? null : rs.getTimestamp(9).toInstant());
    }

    private String write(ScopeState state) {
        List<StoredPosition> positions = state.positions().stream()
                .map(p -> new StoredPosition(p.symbol(), p.size(), p.entryPrice(), p.mark())).toList();
        return json.mapper().writeValueAsString(new StoredScope(state.equity(), positions, state.collateral()));
    }

    private ScopeState read(String document) {
        StoredScope stored = json.mapper().readValue(document, StoredScope.class);
        List<PositionState> positions = stored.positions().stream().map(p -> {
            Market market = markets.get(p.symbol());
            if (market == null) {
                throw new IllegalStateException("stored position on " + p.symbol() + ", which the market catalogue"
                        + " no longer has");
            }
            return new PositionState(p.symbol(), p.size(), p.entryPrice(), p.mark(), market.brackets(),
                    market.priceScale());
        }).toList();
        return new ScopeState(stored.equity(), positions, stored.collateral());
    }
}
