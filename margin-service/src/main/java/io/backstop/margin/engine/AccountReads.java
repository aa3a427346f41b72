package io.backstop.margin.engine;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountPartitions;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.screen.RiskScreen;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What readers on any thread see of the accounts (the risk API, readiness, the at-risk list): immutable
 * {@link AccountView}s as last committed, the latest prices applied, which accounts are flagged and which
 * partitions this instance owns. Written by the account engine's thread only.
 */
public class AccountReads {

    private final MarginEngine margin;
    private final String settlementAsset;
    private final Map<String, Quote> prices = new ConcurrentHashMap<>();
    private final Map<String, AccountView> views = new ConcurrentHashMap<>();
    private final AtomicInteger heldScopes = new AtomicInteger();
    private final Map<String, Integer> heldByAccount = new ConcurrentHashMap<>();
    private final AtomicInteger awaitingScopes = new AtomicInteger();
    private final Map<String, Integer> awaitingByAccount = new ConcurrentHashMap<>();
    /**
     * Accounts with a scope at or beyond the alert ratio, or not HEALTHY: the at-risk list's candidates, each with its
     * margin ratio at its last review (infinite without positive equity, negative infinity unpriced).
     */
    private final Map<String, Double> flagged = new ConcurrentHashMap<>();
    /** The partitions of the account-keyed topics this instance is assigned; it holds their accounts. */
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private volatile int partitionCount;
    private volatile boolean assignedOnce;
    /** How many times partitions were taken away from this instance (rebalances that cost it accounts). */
    private final AtomicInteger revocations = new AtomicInteger();

    public AccountReads(MarginEngine margin, String settlementAsset, MeterRegistry meters) {
        this.margin = margin;
        this.settlementAsset = settlementAsset;
        Gauge.builder("backstop.margin.accounts", views, Map::size).description("Accounts held in memory")
                .register(meters);
        Gauge.builder("backstop.margin.accounts.at.risk", flagged, Map::size)
                .description("Accounts at or beyond the alert ratio in a scope, or not HEALTHY, at their last review:"
                        + " the at-risk list's candidates").register(meters);
        Gauge.builder("backstop.margin.calls.held.open", heldScopes, AtomicInteger::get)
                .description("Margin scopes whose due call is held by the circuit breaker now").register(meters);
        Gauge.builder("backstop.margin.scopes.awaiting.waterfall", awaitingScopes, AtomicInteger::get)
                .description("Margin scopes leased to a liquidation that handed a remainder to the insurance fund,"
                        + " until margin has applied the waterfall's whole outcome").register(meters);
    }

    public Optional<AccountView> view(String accountId) {
        return Optional.ofNullable(views.get(accountId));
    }

    public Collection<AccountView> views() {
        return views.values();
    }

    /** True if this instance holds the account's partition now (its accounts are in memory and current). */
    public boolean owns(String accountId) {
        int count = partitionCount;
        return count > 0 && owned.contains(AccountPartitions.partitionOf(accountId, count));
    }

    /**
     * What this instance owns: for readiness, the risk API's misdirected answers and operators. {@code revocations}
     * counts the times partitions were taken away from it since it started: a replica that crashes and comes back
     * under its name takes its own partitions back without taking any from the others (docs/capacity.md).
     */
    public record Ownership(boolean assigned, int partitionCount, Set<Integer> partitions, int accounts,
                            int revocations) {
    }

    public Ownership ownership() {
        return new Ownership(assignedOnce, partitionCount, Set.copyOf(new TreeSet<>(owned)), views.size(),
                revocations.get());
    }

    /** Throws {@link NotOwned} unless this instance holds the account's partition. */
    public void requireOwned(String accountId) {
        if (!owns(accountId)) {
            int count = partitionCount;
            throw new NotOwned(accountId, count > 0 ? AccountPartitions.partitionOf(accountId, count) : -1);
        }
    }

    /**
     * Accounts whose margin ratio reached the alert ratio in a scope at their last review, or whose
     * status is not HEALTHY: what the at-risk list ranks, instead of every account.
     */
    public Collection<String> flaggedAccounts() {
        return Collections.unmodifiableSet(flagged.keySet());
    }

    /**
     * A flagged account's place among the at-risk list's candidates: its margin ratio at its last review (infinite
     * without positive equity, negative infinity unpriced) and its id, which breaks ties.
     */
    public record Rank(double ratio, String accountId) {
        /** Least headroom first: the highest ratio, ties by id. */
        public static final Comparator<Rank> LEAST_HEADROOM_FIRST = Comparator.comparingDouble(Rank::ratio).reversed()
                .thenComparing(Rank::accountId);
    }

    /**
     * The {@code n} flagged accounts with the least headroom at their last review: highest margin ratio first, those
     * without positive equity before all, ties by id. A bounded heap over the flagged accounts, so the cost is a pass
     * over them, not a valuation of each (the engine reviews an account whenever a price moves it across a band of its
     * screen, so its last review's ratio is a close rank; the at-risk list values the ones it returns now).
     */
    public List<String> mostAtRisk(int n) {
        return rankedAfter(null, n).stream().map(Rank::accountId).toList();
    }

    /**
     * The {@code n} flagged accounts that come after {@code after} in the order of {@link #mostAtRisk} (from the
     * first when null), with their ranks: one page of every flagged account, the last rank the next page's start.
     * One pass over the flagged accounts. An account reviewed again between two pages is where its new review puts
     * it: before the cursor it is not listed again, after it, it is.
     */
    public List<Rank> rankedAfter(Rank after, int n) {
        // a max-heap in list order: its head is the last of the n kept so far, the first to go
        PriorityQueue<Rank> kept = new PriorityQueue<>(Rank.LEAST_HEADROOM_FIRST.reversed());
        for (Map.Entry<String, Double> entry : flagged.entrySet()) {
            Rank rank = new Rank(entry.getValue(), entry.getKey());
            if (n < 1 || after != null && Rank.LEAST_HEADROOM_FIRST.compare(rank, after) <= 0) {
                continue;
            }
            if (kept.size() < n) {
                kept.add(rank);
            } else if (Rank.LEAST_HEADROOM_FIRST.compare(rank, kept.peek()) < 0) {
                kept.poll();
                kept.add(rank);
            }
        }
        List<Rank> ranked = new ArrayList<>(kept);
        ranked.sort(Rank.LEAST_HEADROOM_FIRST);
        return ranked;
    }

    public PriceBook prices() {
        return symbol -> Optional.ofNullable(prices.get(symbol));
    }

    /** Values a committed account at the latest prices, without touching the engine. */
    public Optional<AccountRisk> risk(String accountId) {
        return view(accountId).map(v -> margin.calculator().assess(v.detached(settlementAsset), prices()));
    }

    public MarginEngine margin() {
        return margin;
    }

    public String settlementAsset() {
        return settlementAsset;
    }

    // --- written by the engine's thread ----------------------------------------------------------

    /** Takes {@code quote} as its symbol's price if it is newer than the one held; true if it did. */
    boolean price(Quote quote) {
        Quote current = prices.get(quote.symbol());
        if (current == null || current.sequence() < quote.sequence()) {
            prices.put(quote.symbol(), quote);
            return true;
        }
        return false;
    }

    /** Makes the committed account visible to readers; keeps the held-calls and awaiting-waterfall gauges in step. */
    void publish(Account account) {
        AccountView view = AccountView.of(account);
        views.put(account.id(), view);
        count(heldScopes, heldByAccount, account.id(), view.heldScopes().size());
        count(awaitingScopes, awaitingByAccount, account.id(), (int) view.scopesAwaitingWaterfall());
    }

    /** Sets the account's share of a gauge's total to {@code n}. */
    private static void count(AtomicInteger total, Map<String, Integer> byAccount, String accountId, int n) {
        Integer before = n == 0 ? byAccount.remove(accountId) : byAccount.put(accountId, n);
        total.addAndGet(n - (before == null ? 0 : before));
    }

    /** The account is no longer served from here: no view, not flagged. */
    void unpublish(String accountId) {
        views.remove(accountId);
        count(heldScopes, heldByAccount, accountId, 0);
        count(awaitingScopes, awaitingByAccount, accountId, 0);
        flagged.remove(accountId);
    }

    /** The account is healthy in every scope, as stored and as screened: not an at-risk candidate. */
    void unflag(String accountId) {
        flagged.remove(accountId);
    }

    void flag(Account account, byte worstBand, AccountRisk risk) {
        if (worstBand != RiskScreen.HEALTHY || account.status() != AccountStatus.HEALTHY) {
            flagged.put(account.id(), !risk.priced() ? Double.NEGATIVE_INFINITY
                    : risk.marginRatio() == null ? Double.POSITIVE_INFINITY : risk.marginRatio().doubleValue());
        } else {
            flagged.remove(account.id());
        }
    }

    int partitionCount() {
        return partitionCount;
    }

    /**
     * Takes {@code partitions} of {@code count}; a new count means every account is re-placed, so the
     * partitions owned of the old count are let go. Returns the partitions owned now.
     */
    Set<Integer> assigned(Set<Integer> partitions, int count) {
        if (partitionCount != count) {
            owned.clear();
            partitionCount = count;
        }
        owned.addAll(partitions);
        return owned;
    }

    void assignedOnce() {
        assignedOnce = true;
    }

    /** Returns the partitions still owned. */
    Set<Integer> revoked(Set<Integer> partitions) {
        if (!partitions.isEmpty()) {
            revocations.incrementAndGet();
        }
        owned.removeAll(partitions);
        return owned;
    }
}
