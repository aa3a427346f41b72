package io.backstop.liquidation.engine;

import io.backstop.liquidation.lifecycle.Liquidation;
import io.backstop.liquidation.lifecycle.Order;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the margin calls and executions of one transaction read and changed: open scopes, orders and
 * liquidations locked once (the liquidations as fills move them), pending order counts, and the writes,
 * sent as batches just before commit. What {@code LiquidationDesk.prepare} did not read is looked up alone.
 */
final class PollBatch {

    final Map<UUID, Order> orders = new HashMap<>();
    /** When each open order locked here was sent to the exchange. */
    final Map<UUID, Instant> sentAt = new HashMap<>();
    final Map<UUID, Liquidation> liquidations = new HashMap<>();
    final Map<UUID, Integer> pending = new HashMap<>();
    /** The trace of the execution last applied to each liquidation: its next round or its end continues it. */
    final Map<UUID, String> traceParents = new HashMap<>();
    /** Orders executed in this transaction. */
    final Set<UUID> done = new HashSet<>();
    /** "account|scope" of open liquidations. */
    final Set<String> openScopes = new HashSet<>();
    /** Accounts whose open scopes are read. */
    final Set<String> scopesKnown = new HashSet<>();
    /** The liquidations this poll's margin calls queued, not yet written: their first round may be taken here. */
    final List<Due> fresh = new ArrayList<>();
    final LiquidationStore.Writes writes;

    private final LiquidationStore store;

    /**
     * A liquidation whose next round the poll made due, and how the liquidator would queue it: new ({@code fresh},
     * queued by one of the poll's margin calls and not written yet) or one whose round the poll's executions ended.
     */
    record Due(Liquidation liquidation, LiquidationStore.Queued queued, boolean fresh) {
    }

    PollBatch(LiquidationStore store) {
        this.store = store;
        this.writes = store.writes();
    }

    /** Reads the open scopes of these accounts. */
    void readScopes(List<String> accountIds) {
        openScopes.addAll(store.openScopes(accountIds));
        scopesKnown.addAll(accountIds);
    }

    /** Whether a liquidation of the scope is QUEUED or ACTIVE. */
    boolean inProgress(String accountId, String scope) {
        if (!scopesKnown.contains(accountId)) {
            readScopes(List.of(accountId));
        }
        return openScopes.contains(accountId + "|" + scope);
    }

    /** Locks the orders and their liquidations, and counts the liquidations' pending orders. */
    void lockOrders(List<UUID> orderIds) {
        orders.putAll(store.lockOrders(orderIds, sentAt));
        List<UUID> liquidationIds = orders.values().stream().map(Order::liquidationId).distinct()
                .filter(id -> !liquidations.containsKey(id)).toList();
        if (!liquidationIds.isEmpty()) {
            liquidations.putAll(store.lockAll(liquidationIds));
            Map<UUID, Integer> counts = store.pendingOrders(liquidationIds);
            liquidationIds.forEach(id -> pending.putIfAbsent(id, counts.getOrDefault(id, 0)));
        }
    }

    Order order(UUID id) {
        return orders.computeIfAbsent(id, k -> store.lockOrders(List.of(k), sentAt).get(k));
    }

    Liquidation liquidation(UUID id) {
        Liquidation l = liquidations.get(id);
        if (l == null) {
            l = store.lock(id).orElseThrow();
            liquidations.put(id, l);
            pending.putIfAbsent(id, store.pendingOrders(id));
        }
        return l;
    }

    /** The liquidations whose orders were executed in this transaction, each once. */
    List<UUID> executed() {
        return done.stream().map(o -> orders.get(o).liquidationId()).distinct().toList();
    }
}
