package io.backstop.margin.engine;

import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.decision.AccountReviewer;
import io.backstop.margin.decision.SnapshotSchedule;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.screen.RiskScreen;
import io.backstop.margin.screen.ScreenFeed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts this instance holds in memory and what is kept beside them: which accounts each price
 * symbol touches, the risk screen, the snapshot schedule. Engine thread only (through a {@link Batch});
 * what readers see is published to {@link AccountReads}.
 */
final class HeldAccounts {

    private static final Logger log = LoggerFactory.getLogger(HeldAccounts.class);

    private final AccountReads reads;
    private final RiskCalculator calculator;
    private final AccountReviewer reviewer;
    private final ScreenFeed screen;
    private final SnapshotSchedule snapshots;
    /** Insertion-ordered, so that scanning them for a symbol's exposure is in the same order on every run. */
    private final Map<String, Account> accounts = new LinkedHashMap<>();
    private final Map<String, PriceStatus> statusBySymbol = new HashMap<>();
    /**
     * Accounts to review in full, oldest first: those a symbol's first price or changed status touches, and those
     * loaded by a takeover. Reviewed a slice per round ({@link #reviewBacklog}), so that after a takeover of a
     * million accounts the engine still commits commands and fills between slices, and an account touched by
     * several first prices is reviewed once, at all of them.
     */
    private final Set<String> backlog = new LinkedHashSet<>(); // only accounts held: forget and drop take theirs out
    /**
     * Accounts a price's screen named (a scope's band moved) that a live round had no time left to review: reviewed
     * first in the next rounds, oldest first, before any of the backlog. A cascade's price names hundreds of
     * thousands at once, and reviewing them all in one round kept commands waiting for tens of seconds and every call
     * of the price uncommitted until the last was decided; in slices, the first calls commit within a round.
     */
    private final Set<String> due = new LinkedHashSet<>();
    private volatile int backlogSize;
    /**
     * Accounts held that were not valued at every price they need: valued while one was missing, or not valued since
     * they were created here; an account leaves once a review values it at every price it needs. Only they can need a
     * symbol's first price: an account valued at all its prices had that symbol's already, and a takeover's accounts
     * wait in the backlog. So a first price looks at them, in the order they were recorded, not at every account held:
     * a takeover of 1.6M accounts meets its first prices a few symbols a round, and a pass over every account for each
     * cost the engine about half a second of CPU a symbol (docs/capacity.md, <i>Commands answered while a shocked base
     * is marked</i>).
     */
    private final Set<String> unvalued = new LinkedHashSet<>();
    /**
     * Accounts with a call held by the breaker (a scope below maintenance on prices not trusted), by id: the only ones
     * a symbol's return to trusted prices can change. Kept sorted as reviews decide, so that a flapping feed costs the
     * held calls, not a sort of every flagged account (a cascade flags hundreds of thousands).
     */
    private final Set<String> heldCalls = new TreeSet<>();
    private final Counter callsIssued;
    private final Counter callsHeld;
    private final Counter screened;
    private final Counter named;
    private final Counter namedWaiting;
    private final Timer screenPass;

    HeldAccounts(MarginEngine margin, AccountReads reads, SnapshotSchedule snapshots, Clock clock,
                 MeterRegistry meters) {
        this.reads = reads;
        this.calculator = margin.calculator();
        this.reviewer = new AccountReviewer(margin, clock);
        this.snapshots = snapshots;
        this.screenPass = Timer.builder("backstop.margin.screen.pass")
                .description("The risk screen's pass over a new price's exposures (every position and collateral on"
                        + " its symbol), naming the scopes whose band moved; their reviews not included")
                .register(meters);
        RiskScreen riskScreen = new RiskScreen(margin.alertRatio().doubleValue());
        this.screen = new ScreenFeed(riskScreen, calculator, calculator.instruments());
        Gauge.builder("backstop.margin.screen.entries", riskScreen, RiskScreen::entries)
                .description("Entries of the risk screen's tables, vacant ones included: a scope's position or"
                        + " collateral on a price symbol each").register(meters);
        Gauge.builder("backstop.margin.screen.entries.vacant", riskScreen, RiskScreen::vacant)
                .description("Entries of the risk screen left vacant by a scope cleared and not registered again"
                        + " (dropped once a quarter of their table)").register(meters);
        Gauge.builder("backstop.margin.screen.entries.descents", riskScreen, RiskScreen::descents)
                .description("Entries of the risk screen out of their scopes' slot order (each price's pass is"
                        + " fastest in that order; 0 after a first load)").register(meters);
        this.callsIssued = Counter.builder("backstop.margin.calls.issued").description("Margin calls issued")
                .register(meters);
        this.callsHeld = Counter.builder("backstop.margin.calls.held")
                .description("Reviews that held a due margin call because its prices were not trusted")
                .register(meters);
        this.screened = Counter.builder("backstop.margin.reviews.screened")
                .description("Backlogged accounts the risk screen found clearly healthy, registered without an exact"
                        + " review").register(meters);
        this.named = Counter.builder("backstop.margin.screen.named")
                .description("Scopes the risk screen named on a price (their band changed): their accounts are"
                        + " reviewed")
                .register(meters);
        this.namedWaiting = Counter.builder("backstop.margin.screen.named.waiting")
                .description("Of the scopes the risk screen named, those whose account was waiting for a review"
                        + " already (named before and not reviewed yet, or another of its scopes)").register(meters);
    }

    /** The account held under this id, null for none. */
    Account get(String accountId) {
        return accounts.get(accountId);
    }

    boolean holds(String accountId) {
        return accounts.containsKey(accountId);
    }

    /** The ids held now (a copy). */
    List<String> ids() {
        return new ArrayList<>(accounts.keySet());
    }

    int size() {
        return accounts.size();
    }

    /** A new account, held from now on (its batch publishes it once committed). */
    void create(Account account) {
        accounts.put(account.id(), account);
        unvalued.add(account.id());
    }

    /** Whether any price has been applied yet (before one, a review decides nothing). */
    boolean priced() {
        return !statusBySymbol.isEmpty();
    }

    SnapshotSchedule snapshots() {
        return snapshots;
    }

    /** Re-evaluates the account's margin at the latest prices; the batch saves it and emits any call issued. */
    void review(Batch batch, Account account) {
        reviewed(batch, reviewer.review(account, reads.prices()));
    }

    /** Keeps the screen, the flags and the batch in step with a review decided. */
    void reviewed(Batch batch, AccountReviewer.Reviewed reviewed) {
        Account account = reviewed.account();
        AccountRisk risk = reviewed.review().risk();
        valued(account.id(), risk);
        reads.flag(account, screen.register(account, risk, reads.prices()), risk);
        if (reviewed.changedAccount()) {
            batch.changed(account, false);
        }
        batch.events.addAll(reviewed.calls());
        callsIssued.increment(reviewed.calls().size());
        if (!reviewed.review().held().isEmpty()) {
            callsHeld.increment(reviewed.review().held().size());
            heldCalls.add(account.id());
        } else if (!heldCalls.isEmpty()) {
            heldCalls.remove(account.id());
        }
    }

    /**
     * Re-marks what a new price touches. The screen updates every exposed scope in doubles and names
     * those whose band moved; only they are reviewed exactly, at once (here: all of them; on live time, as many as the
     * round has time for, the rest first in the next rounds). A symbol seen for the first time puts all
     * its accounts in the backlog. A symbol trusted again puts there only the accounts exposed to it whose call is
     * held, in id order: they may now be called. Nothing else waits on a status change. A scope at or above
     * maintenance is decided by its equity alone, a leased one by the sign of its equity, and a scope that fell
     * below maintenance was reviewed when the screen saw it fall, called on trusted prices or held on others; so a
     * price turning untrusted, or from one untrusted status to another, changes no review's outcome. A flapping
     * feed therefore costs the calls it holds, not the accounts at risk.
     */
    void remark(Quote quote, Batch batch) {
        remark(quote, batch, ReviewTime.unbounded());
    }

    /**
     * As {@link #remark(Quote, Batch)}, but the accounts the screen names are reviewed only while {@code time} says
     * the round has time; the others wait in {@link #due}. The round's prices share one {@code time}, so they take one
     * slice of {@link #TAKEN_PER_LOOK} between them before it is first looked at, not one each.
     */
    void remark(Quote quote, Batch batch, ReviewTime time) {
        PriceStatus previous = statusBySymbol.put(quote.symbol(), quote.status());
        int dueBefore = due.size();
        int[] named = {0};
        long passStart = System.nanoTime();
        screen.price(quote, id -> {
            named[0]++;
            due.add(id);
        });
        screenPass.record(System.nanoTime() - passStart, TimeUnit.NANOSECONDS);
        this.named.increment(named[0]);
        namedWaiting.increment(named[0] - (due.size() - dueBefore));
        if (previous == null) {
            // a takeover's accounts wait already; of the others, only those not valued at every price can need it.
            // They stay recorded until a review values them, so they keep the order they were first recorded in: for
            // accounts created here, the order of the accounts held, which a replay's decisions follow
            for (Iterator<String> ids = unvalued.iterator(); ids.hasNext(); ) {
                Account account = accounts.get(ids.next());
                if (account == null) {
                    ids.remove();
                } else if (exposed(account, quote.symbol())) {
                    backlog.add(account.id());
                }
            }
        } else if (!previous.trusted() && quote.status().trusted()) {
            for (String id : heldCalls) {
                Account account = accounts.get(id);
                if (account != null && exposed(account, quote.symbol())) {
                    backlog.add(id);
                }
            }
        }
        log.debug("price {} {} {} seq {} -> {} named by the screen, due", quote.symbol(), quote.mark(), quote.status(),
                quote.sequence(), due.size());
        reviewDue(batch, time);
        counted();
    }

    /** Reviews the accounts {@link #due}, oldest first, while {@code time} says the round has time. */
    private void reviewDue(Batch batch, ReviewTime time) {
        for (Iterator<String> ids = due.iterator(); ids.hasNext() && !time.upAtNextAccount(); ) {
            Account account = accounts.get(ids.next());
            ids.remove();
            if (account != null) {
                review(batch, account);
            }
        }
    }

    /**
     * How many accounts a round may take from the backlog for each exact review it may run: an account the screen
     * finds clearly healthy costs a fraction of an exact review, so a takeover's healthy majority goes through the
     * backlog this many times as fast.
     */
    static final int SCREENED_PER_REVIEW = 10;

    /**
     * Works off the oldest accounts of the backlog: at most {@code limit} exact reviews and
     * {@code limit x SCREENED_PER_REVIEW} accounts a round; none before any price has been applied (a review would
     * decide nothing). An account stored {@code HEALTHY} in every scope (no call open or held) that the screen's
     * valuation finds clearly healthy at the latest prices is registered in the screen without an exact review, which
     * would decide nothing for it; every other account is reviewed exactly. The rest wait for the next round.
     */
    void reviewBacklog(Batch batch, int limit) {
        reviewBacklog(batch, limit, ReviewTime.unbounded());
    }

    /** How many backlogged accounts a round takes between two looks at its time: at least these, whatever the time. */
    static final int TAKEN_PER_LOOK = 256;

    /**
     * As {@link #reviewBacklog(Batch, int)}, and stops early once {@code time} says the round has had its time: on a
     * machine short of CPU a slice of the limit's size takes seconds, and commands wait for the round to commit. Which
     * accounts a round takes changes no decision, only when each is made; on simulated time nothing stops a round
     * early.
     */
    void reviewBacklog(Batch batch, int limit, ReviewTime time) {
        if (!due.isEmpty()) {
            reviewDue(batch, time);
            if (!due.isEmpty()) {
                counted();
                return;
            }
        }
        if (backlog.isEmpty() || !priced()) {
            counted();
            return;
        }
        long taken = (long) limit * SCREENED_PER_REVIEW;
        var ids = backlog.iterator();
        for (int reviewed = 0; reviewed < limit && taken > 0 && ids.hasNext() && !time.upAtNextAccount(); taken--) {
            Account account = accounts.get(ids.next());
            ids.remove();
            if (account == null) {
                continue;
            }
            if (storedHealthy(account) && screen.registerIfClearlyHealthy(account, reads.prices())) {
                unvalued.remove(account.id()); // registered only when every price it needs is known
                reads.unflag(account.id());
                screened.increment();
            } else {
                review(batch, account);
                reviewed++;
            }
        }
        counted();
    }

    /**
     * The time a live round's reviews have, looked at every {@link #TAKEN_PER_LOOK} accounts taken: at least that
     * many, whatever the time, so that every round moves on. Once up, it stays up: the reviews that share it (the
     * round's prices, or its backlog after them) take no more slices.
     */
    static final class ReviewTime {
        private final BooleanSupplier outOfTime;
        private int sinceLook;
        private boolean up;

        ReviewTime(BooleanSupplier outOfTime) {
            this.outOfTime = outOfTime;
        }

        /** A time never up: simulated time, where a round reviews everything. */
        static ReviewTime unbounded() {
            return new ReviewTime(() -> false);
        }

        /** Whether the round is out of time before it takes one more account: asked only at every look's turn. */
        boolean upAtNextAccount() {
            if (up) {
                return true;
            }
            if (++sinceLook <= TAKEN_PER_LOOK) {
                return false;
            }
            sinceLook = 1;
            up = outOfTime.getAsBoolean();
            return up;
        }
    }

    /** Records whether the account was valued at every price it needs (see {@link #unvalued}). */
    private void valued(String accountId, AccountRisk risk) {
        if (!risk.priced()) {
            unvalued.add(accountId);
        } else if (!unvalued.isEmpty()) {
            unvalued.remove(accountId);
        }
    }

    /** How many accounts held were not valued at every price they need: what a symbol's first price looks at. */
    int unvaluedSize() {
        return unvalued.size();
    }

    /** The accounts waiting in the backlog, oldest first (a copy; for tests). */
    List<String> backlogIds() {
        return new ArrayList<>(backlog);
    }

    /** Every scope of the account is stored {@code HEALTHY}: no call open, held or waiting for the waterfall. */
    private static boolean storedHealthy(Account account) {
        for (Account.Scope scope : account.scopes().values()) {
            if (scope.status() != AccountStatus.HEALTHY || scope.held() || scope.awaitingWaterfall()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Accounts waiting for a full review, in the backlog or {@link #due} after a price named them, as of the engine's
     * last round (any thread).
     */
    int backlogSize() {
        return backlogSize;
    }

    private void counted() {
        backlogSize = backlog.size() + due.size();
    }

    /** Whether the backlog holds accounts a round could review now. */
    boolean reviewsDue() {
        return !due.isEmpty() || !backlog.isEmpty() && priced();
    }

    /** Whether a collateral (other than the settlement asset) or a position of the account is priced by {@code symbol}. */
    private boolean exposed(Account account, String symbol) {
        for (String asset : account.balances().keySet()) {
            var spec = calculator.asset(asset);
            if (spec.isPresent() && !spec.get().settlement() && spec.get().priceSymbol().equals(symbol)) {
                return true;
            }
        }
        for (String instrument : account.positions().keySet()) {
            var spec = calculator.instrument(instrument);
            if (spec.isPresent() && spec.get().priceSymbol().equals(symbol)) {
                return true;
            }
        }
        return false;
    }

    /** A batch committed the account: readers see it; a change to its balances or positions is due a snapshot. */
    void committed(Account account, boolean structural) {
        reads.publish(account);
        if (structural) {
            snapshots.changed(account.id());
        }
    }

    /**
     * Holds {@code account} as stored, in place of whatever was held under its id (partition assignment), and
     * puts it in the backlog: its stored status may be behind the prices.
     */
    void loaded(Account account) {
        drop(account.id());
        accounts.put(account.id(), account);
        reads.publish(account);
        backlog.add(account.id());
        counted();
    }

    /** A batch failed: its accounts are no longer held, until {@link #reloaded} holds them as stored. */
    void forget(Set<String> ids) {
        for (String id : ids) {
            accounts.remove(id);
            reads.unpublish(id);
            screen.forget(id);
            heldCalls.remove(id);
            unvalued.remove(id);
            due.remove(id);
            backlog.remove(id); // reloaded, it is reviewed in a round of its own (AccountEngine.reviewed)
        }
        counted();
    }

    /** Holds the accounts reloaded after a failed batch; the accounts it created that were not stored are gone. */
    void reloaded(List<Account> stored, Set<String> created) {
        for (Account account : stored) {
            accounts.put(account.id(), account);
            reads.publish(account);
            AccountRisk risk = calculator.assess(account, reads.prices());
            valued(account.id(), risk);
            reads.flag(account, screen.register(account, risk, reads.prices()), risk);
        }
        created.forEach(id -> {
            if (!accounts.containsKey(id)) {
                snapshots.forget(id); // its snapshot was due: an account that was never stored has none
            }
        });
    }

    /** Stops holding the account (its partition went elsewhere, or it is to be replaced). */
    void drop(String accountId) {
        if (accounts.remove(accountId) == null) {
            return;
        }
        reads.unpublish(accountId);
        screen.forget(accountId);
        heldCalls.remove(accountId);
        unvalued.remove(accountId);
        due.remove(accountId);
        backlog.remove(accountId);
        counted();
        snapshots.forget(accountId);
    }
}
