package io.backstop.margin.account;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.margin.MarginScope;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A trading account: collateral balances per asset, linear perpetual positions per symbol, and the
 * margin status of each margin scope (the cross account, and each isolated position). It owns its
 * state changes: trades, transfers and status transitions go through its methods, which keep the
 * money exact (BigDecimal) and reject what is illegal. Not thread-safe: one owner thread at a time.
 */
public final class Account {

    /** Decimal places of an averaged entry price (rounded half-even; realized PnL uses the rounded entry). */
    public static final int ENTRY_SCALE = 16;

    /** The cross scope's key ({@link MarginScope}, shared with liquidation-service, defines it). */
    public static final String CROSS = MarginScope.CROSS;

    private final String id;
    private final String settlementAsset;
    // Sorted by key, never by arrival: an account reloaded from PostgreSQL (after a restart, a failed commit) must
    // list its collateral, positions and scopes in the order it did before, or its margin calls would read
    // differently (./backstop chaos found collateral listed in deposit order before a restart, by asset after).
    // Immutable maps, replaced on every change: a committed account's maps are handed to readers without a copy.
    private SortedArrayMap<String, BigDecimal> balances = SortedArrayMap.empty();
    private SortedArrayMap<String, Position> positions = SortedArrayMap.empty();
    private SortedArrayMap<String, Scope> scopes = SortedArrayMap.empty();
    /** Shortfalls of this account the waterfall is settling, by shortfallId (see {@link #endLiquidation}). */
    private SortedArrayMap<UUID, Settlement> settlements = SortedArrayMap.empty();
    private long version;

    /**
     * The margin state of one scope. While a call is open ({@link AccountStatus#callOpen()}) the scope is leased to
     * the liquidation of {@code openCallId}: no other call is issued for it, whatever its equity does, until the
     * liquidation's end is applied ({@link #endLiquidation}) and, for a shortfall, the waterfall has settled it
     * ({@code awaitingWaterfall} meanwhile). Then the lease is released and the scope reviewed at once.
     */
    public record Scope(AccountStatus status, UUID openCallId, boolean held, Boolean awaitingWaterfall) {
        static final Scope HEALTHY = new Scope(AccountStatus.HEALTHY, null, false, false);

        /** {@code awaitingWaterfall} is absent (null) from accounts stored before the lease existed: false. */
        public Scope {
            awaitingWaterfall = Boolean.TRUE.equals(awaitingWaterfall);
        }

        /** The scope is leased to an open liquidation, or to its shortfall's waterfall. */
        public boolean leased() {
            return status.callOpen();
        }
    }

    /**
     * What the waterfall must do for one shortfall of this account, and what it has done. The scope, quantity and
     * deficit come with the liquidation's end; the waterfall's outcomes may be applied before it (they travel on
     * other partitions), so both halves accumulate here in either order.
     *
     * @param scope    the scope the shortfall's liquidation leased; null until its end is applied
     * @param quantity base units handed to the fund (null until the end)
     * @param deficit  the deficit the fund covers, settlement asset (null until the end)
     * @param closed   base units taken over or auto-deleveraged from this account so far
     * @param covered  deficit credited so far (settlement asset)
     */
    public record Settlement(String scope, BigDecimal quantity, BigDecimal deficit, BigDecimal closed,
                             BigDecimal covered) {
        static final Settlement NONE = new Settlement(null, null, null, BigDecimal.ZERO, BigDecimal.ZERO);

        boolean settled() {
            return quantity != null && closed.compareTo(quantity) >= 0 && covered.compareTo(deficit) >= 0;
        }
    }

    /** What applying a liquidation's end did to its scope. */
    public enum LeaseEnd {
        /** The lease is over: the scope is free, to be reviewed at once. */
        RELEASED,
        /** The liquidation handed a remainder to the fund: the lease holds until the waterfall has settled it. */
        AWAITING_WATERFALL,
        /** Not the end of the scope's lease (an older call's, or one applied already): nothing changes. */
        NOT_THE_LEASE
    }

    public Account(String id, String settlementAsset) {
        this.id = id;
        this.settlementAsset = settlementAsset;
    }

    public static String isolatedScope(String symbol) {
        return MarginScope.isolated(symbol);
    }

    public String id() {
        return id;
    }

    public String settlementAsset() {
        return settlementAsset;
    }

    /** Increases with every change; persisted, and the sequence of the account's position snapshots. */
    public long version() {
        return version;
    }

    /** The balances as they are now: an immutable map, which later changes replace rather than modify. */
    public Map<String, BigDecimal> balances() {
        return balances;
    }

    public BigDecimal balance(String asset) {
        return balances.getOrDefault(asset, BigDecimal.ZERO);
    }

    /** The positions as they are now (immutable, as {@link #balances()}). */
    public Map<String, Position> positions() {
        return positions;
    }

    public Optional<Position> position(String symbol) {
        return Optional.ofNullable(positions.get(symbol));
    }

    /** The scopes not plainly healthy, as they are now (immutable, as {@link #balances()}). */
    public Map<String, Scope> scopes() {
        return scopes;
    }

    public Scope scope(String key) {
        return scopes.getOrDefault(key, Scope.HEALTHY);
    }

    /** The worst status over all scopes. */
    public AccountStatus status() {
        AccountStatus worst = AccountStatus.HEALTHY;
        for (Scope s : scopes.values()) {
            worst = worst.worse(s.status());
        }
        return worst;
    }

    public void deposit(String asset, BigDecimal amount) {
        requirePositive(amount, "deposit");
        credit(asset, amount);
        version++;
    }

    /** Takes {@code amount} of {@code asset} out; the caller has checked margin (see MarginEngine). */
    public void withdraw(String asset, BigDecimal amount) {
        requirePositive(amount, "withdrawal");
        if (balance(asset).compareTo(amount) < 0) {
            throw new IllegalArgumentException("withdrawal of " + amount + " " + asset + " exceeds the balance "
                    + balance(asset));
        }
        credit(asset, amount.negate());
        version++;
    }

    /** A debit no one can refuse (a socialized loss): the balance may go negative. */
    public void debit(String asset, BigDecimal amount) {
        requirePositive(amount, "debit");
        credit(asset, amount.negate());
        version++;
    }

    /**
     * Applies a trade to the symbol's position: adds at the weighted average entry, reduces with
     * realized PnL = closed x (price - entry) x direction credited to the settlement asset, and opens
     * the rest at the price when it crosses zero. The fee is debited from its asset; an isolated
     * position's margin moves between the settlement balance and the position.
     *
     * @return the realized PnL of the reducing part (zero for a pure increase), settlement asset
     */
    public BigDecimal trade(String symbol, Side side, BigDecimal quantity, BigDecimal price, MarginMode mode,
                            BigDecimal fee, String feeAsset, BigDecimal isolatedMarginDelta) {
        requirePositive(quantity, "quantity");
        requirePositive(price, "price");
        Position current = positions.getOrDefault(symbol,
                new Position(symbol, BigDecimal.ZERO, price, mode, BigDecimal.ZERO));
        if (!current.flat() && current.mode() != mode) {
            throw new IllegalArgumentException("position " + symbol + " is " + current.mode() + ", the trade is " + mode);
        }
        BigDecimal signed = side == Side.BUY ? quantity : quantity.negate();
        BigDecimal size = current.size();
        BigDecimal entry = current.entryPrice();
        BigDecimal realized = BigDecimal.ZERO;
        BigDecimal newSize = size.add(signed);
        if (size.signum() == 0 || size.signum() == signed.signum()) {
            entry = size.signum() == 0 ? price
                    : size.abs().multiply(entry).add(quantity.multiply(price))
                    .divide(newSize.abs(), ENTRY_SCALE, RoundingMode.HALF_EVEN).stripTrailingZeros();
        } else {
            BigDecimal closed = quantity.min(size.abs());
            realized = closed.multiply(price.subtract(entry)).multiply(BigDecimal.valueOf(size.signum()));
            if (newSize.signum() != 0 && newSize.signum() != size.signum()) {
                entry = price; // crossed zero: the remainder opens at the trade price
            }
        }
        credit(settlementAsset, realized);
        if (fee != null && fee.signum() != 0) {
            credit(feeAsset, fee.negate());
        }
        BigDecimal isolated = current.isolatedMargin();
        if (isolatedMarginDelta != null && isolatedMarginDelta.signum() != 0) {
            credit(settlementAsset, isolatedMarginDelta.negate());
            isolated = isolated.add(isolatedMarginDelta);
        }
        if (newSize.signum() == 0) {
            if (isolated.signum() != 0) {
                credit(settlementAsset, isolated); // a closed isolated position returns what margin it has left
            }
            positions = positions.without(symbol);
            if (!scope(isolatedScope(symbol)).leased()) {
                scopes = scopes.without(isolatedScope(symbol)); // a leased one stays until its liquidation's end
            }
        } else {
            positions = positions.with(symbol, new Position(symbol, newSize, entry, mode, isolated));
        }
        version++;
        return realized;
    }

    /** Moves a scope to {@code next}, with the call it opens (issued) or closes; rejects illegal moves. */
    public void transition(String scopeKey, AccountStatus next, UUID openCallId, boolean held) {
        Scope current = scope(scopeKey);
        if (!current.status().canBecome(next)) {
            throw new IllegalTransition(id, scopeKey, current.status(), next);
        }
        // a lease keeps waiting for the waterfall through LIQUIDATING <-> BANKRUPT
        boolean awaiting = next.callOpen() && current.awaitingWaterfall()
                && java.util.Objects.equals(openCallId, current.openCallId());
        Scope updated = new Scope(next, openCallId, held, awaiting);
        if (!updated.equals(current)) {
            if (next == AccountStatus.HEALTHY && openCallId == null && !held && !CROSS.equals(scopeKey)) {
                scopes = scopes.without(scopeKey);
            } else {
                scopes = scopes.with(scopeKey, updated);
            }
            version++;
        }
    }

    /**
     * Applies the end of the liquidation of {@code marginCallId} to its scope. When the liquidation handed nothing
     * to the fund, or the waterfall has already settled all it handed over, the lease is released: the scope
     * becomes MARGIN_CALL without a call, for the caller to review at once (it issues the next call if the scope is
     * still below maintenance). Otherwise the lease holds, awaiting the waterfall.
     *
     * @param shortfalls what the liquidation handed to the fund
     */
    public LeaseEnd endLiquidation(String scopeKey, UUID marginCallId, List<ShortfallHandedOver> shortfalls) {
        Scope current = scope(scopeKey);
        if (!current.leased() || !marginCallId.equals(current.openCallId()) || current.awaitingWaterfall()) {
            return LeaseEnd.NOT_THE_LEASE;
        }
        for (ShortfallHandedOver h : shortfalls) {
            settlements = settlements.merged(h.shortfallId(), new Settlement(scopeKey, h.quantity(), h.deficit(),
                    BigDecimal.ZERO, BigDecimal.ZERO), (had, end) -> new Settlement(scopeKey, h.quantity(), h.deficit(),
                    had.closed(), had.covered()));
        }
        scopes = scopes.with(scopeKey, new Scope(current.status(), current.openCallId(), false, true));
        version++;
        return releaseIfSettled(scopeKey) ? LeaseEnd.RELEASED : LeaseEnd.AWAITING_WATERFALL;
    }

    /**
     * Records what the waterfall closed of a shortfall (a takeover, or an ADL of this account's side); returns the
     * scope it released, if it was the last outcome the lease waited for.
     */
    public Optional<String> shortfallClosed(UUID shortfallId, BigDecimal quantity) {
        return settle(shortfallId, quantity, BigDecimal.ZERO);
    }

    /** Records the deficit of a shortfall the waterfall covered; returns the scope it released, if any. */
    public Optional<String> deficitCovered(UUID shortfallId, BigDecimal amount) {
        return settle(shortfallId, BigDecimal.ZERO, amount);
    }

    /** The shortfalls of this account the waterfall has not finished settling. */
    public Map<UUID, Settlement> settlements() {
        return settlements;
    }

    private Optional<String> settle(UUID shortfallId, BigDecimal closed, BigDecimal covered) {
        settlements = settlements.merged(shortfallId, new Settlement(null, null, null, closed, covered),
                (had, add) -> new Settlement(had.scope(), had.quantity(), had.deficit(), had.closed().add(closed),
                        had.covered().add(covered)));
        Settlement s = settlements.get(shortfallId);
        version++;
        return s.scope() != null && releaseIfSettled(s.scope()) ? Optional.of(s.scope()) : Optional.empty();
    }

    /** Releases the scope's lease once its liquidation has ended and every shortfall it raised is settled. */
    private boolean releaseIfSettled(String scopeKey) {
        if (!scope(scopeKey).awaitingWaterfall()
                || settlements.values().stream().anyMatch(s -> scopeKey.equals(s.scope()) && !s.settled())) {
            return false;
        }
        for (Map.Entry<UUID, Settlement> settled : settlements.entrySet()) {
            if (scopeKey.equals(settled.getValue().scope())) {
                settlements = settlements.without(settled.getKey()); // iterating the map as it was: it is immutable
            }
        }
        transition(scopeKey, AccountStatus.MARGIN_CALL, null, false);
        return true;
    }

    /** Restores persisted state (on partition assignment or restart). */
    public void restore(Map<String, BigDecimal> savedBalances, Map<String, Position> savedPositions,
                        Map<String, Scope> savedScopes, Map<UUID, Settlement> savedSettlements, long savedVersion) {
        settlements = SortedArrayMap.copyOf(savedSettlements);
        balances = SortedArrayMap.copyOf(savedBalances);
        positions = SortedArrayMap.copyOf(savedPositions);
        scopes = SortedArrayMap.copyOf(savedScopes);
        version = savedVersion;
    }

    private void credit(String asset, BigDecimal amount) {
        if (amount.signum() != 0) {
            balances = balances.merged(asset, amount, BigDecimal::add);
        }
    }

    private static void requirePositive(BigDecimal amount, String what) {
        if (amount == null || amount.signum() <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + amount);
        }
    }
}
