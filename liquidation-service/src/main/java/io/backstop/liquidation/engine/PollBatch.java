package io.backstop.liquidation.engine;

import io.backstop.liquidation.lifecycle.CallIntake;
import io.backstop.liquidation.lifecycle.Liquidation;
import io.backstop.liquidation.lifecycle.Order;
import java.time.Instant;
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
    final Map<UUID, Liquidation> liquidations = new HashMap<>();
    final Map<UUID, Integer> pending = new HashMap<>();
    /** Orders executed in this transaction. */
    final Set<UUID> done = new HashSet<>();
    /** "account|scope" of open liquidations, and of shortfalls awaiting the waterfall. */
    final Set<String> openScopes = new HashSet<>();
    final Set<String> awaitingWaterfall = new HashSet<>();
    /** Accounts whose open scopes and awaited shortfalls are read. */
    final Set<String> scopesKnown = new HashSet<>();
    final LiquidationStore.Writes writes;

    private final LiquidationStore store;

    PollBatch(LiquidationStore store) {
        this.store = store;
        this.writes = store.writes();
    }

    /** Reads the open and awaiting scopes of these accounts. */
    void readScopes(List<String> accountIds, Instant awaitedSince) {
        openScopes.addAll(store.openScopes(accountIds));
        awaitingWaterfall.addAll(store.awaitingWaterfall(accountIds, awaitedSince));
        scopesKnown.addAll(accountIds);
    }

    /** Whether the scope is free, being liquidated, or awaiting the waterfall's outcome of its shortfall. */
    CallIntake.ScopeLock lock(String accountId, String scope, Instant awaitedSince) {
        if (!scopesKnown.contains(accountId)) {
            readScopes(List.of(accountId), awaitedSince);
        }
        String key = accountId + "|" + scope;
        return awaitingWaterfall.contains(key) ? CallIntake.ScopeLock.AWAITING_WATERFALL
                : openScopes.contains(key) ? CallIntake.ScopeLock.IN_PROGRESS : CallIntake.ScopeLock.FREE;
    }

    /** Locks the orders and their liquidations, and counts the liquidations' pending orders. */
    void lockOrders(List<UUID> orderIds) {
        orders.putAll(store.lockOrders(orderIds));
        List<UUID> liquidationIds = orders.values().stream().map(Order::liquidationId).distinct()
                .filter(id -> !liquidations.containsKey(id)).toList();
        if (!liquidationIds.isEmpty()) {
            liquidations.putAll(store.lockAll(liquidationIds));
            Map<UUID, Integer> counts = store.pendingOrders(liquidationIds);
            liquidationIds.forEach(id -> pending.putIfAbsent(id, counts.getOrDefault(id, 0)));
        }
    }

    Order order(UUID id) {
        return orders.computeIfAbsent(id, k -> store.lockOrder(k).orElse(null));
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
