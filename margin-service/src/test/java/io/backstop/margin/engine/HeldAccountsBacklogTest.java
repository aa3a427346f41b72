package io.backstop.margin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.margin.MarginCallIssued;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.decision.SnapshotSchedule;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.risk.TestSpecs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A takeover's accounts, and those a symbol's first price touches, are reviewed a slice at a time, oldest first,
 * once each however many first prices touched them, and only once a price is known. A live round stops reviewing once
 * its time is up, and what a price named waits before the backlog. A status change sends back only
 * the calls the breaker held, when their prices are trusted again.
 */
class HeldAccountsBacklogTest {

    private static final Instant NOW = Instant.parse("2025-10-10T21:00:00Z");

    private final MarginEngine margin = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"),
            UUID::randomUUID);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AccountReads reads = new AccountReads(margin, "USDT", meters);
    private final HeldAccounts held = new HeldAccounts(margin, reads, new SnapshotSchedule(Duration.ofSeconds(1)),
            Clock.fixed(NOW, ZoneOffset.UTC), meters);
    private long sequence;

    @Test
    void loadedAccountsWaitForAPriceThenAreReviewedASliceARoundOldestFirst() {
        // stored HEALTHY, but a 10 BTC long on 10,000 USDT is below maintenance at 59,000: a call is due for each
        List<Account> stored = List.of(leveragedLong("a"), leveragedLong("b"), leveragedLong("c"));
        stored.forEach(held::loaded);

        Batch beforeAnyPrice = new Batch(held);
        held.reviewBacklog(beforeAnyPrice, 10);
        assertThat(beforeAnyPrice.events).as("a review before any price decides nothing").isEmpty();
        assertThat(held.backlogSize()).isEqualTo(3);
        assertThat(held.reviewsDue()).isFalse();

        price("BTCUSDT", "59000");
        assertThat(held.reviewsDue()).isTrue();
        Batch first = new Batch(held);
        held.reviewBacklog(first, 2);
        assertThat(calledAccounts(first)).containsExactly("a", "b");
        assertThat(held.backlogSize()).isEqualTo(1);

        Batch second = new Batch(held);
        held.reviewBacklog(second, 2);
        assertThat(calledAccounts(second)).containsExactly("c");
        assertThat(held.backlogSize()).isZero();
        assertThat(held.reviewsDue()).isFalse();
        assertThat(held.get("c").status()).isEqualTo(AccountStatus.LIQUIDATING); // its call issued: leased
    }

    @Test
    void aTakeoversClearlyHealthyAccountsAreScreenedWithoutAReviewAndStillWatched() {
        held.loaded(withUsdt("safe", "200000"));   // a 10 BTC long on 200,000 USDT: far from maintenance
        held.loaded(withUsdt("near", "13300"));    // at risk at 59,000
        held.loaded(leveragedLong("called"));      // below maintenance at 59,000
        Account wasAtRisk = withUsdt("recovered", "200000");
        wasAtRisk.transition(Account.CROSS, AccountStatus.AT_RISK, null, false); // as stored before the prices rose
        held.loaded(wasAtRisk);
        price("BTCUSDT", "59000");

        Batch first = new Batch(held);
        held.reviewBacklog(first, 1);
        assertThat(screened()).as("the healthy account took no exact review, and no share of the round's").isEqualTo(1);
        assertThat(first.dirty).as("one exact review a round: the account at risk, its status saved")
                .containsOnlyKeys("near");
        Batch second = new Batch(held);
        held.reviewBacklog(second, 1);
        assertThat(calledAccounts(second)).containsExactly("called");
        Batch third = new Batch(held);
        held.reviewBacklog(third, 1);
        assertThat(third.dirty).as("stored at risk, so reviewed exactly, and brought back to healthy")
                .containsOnlyKeys("recovered");
        assertThat(held.get("recovered").status()).isEqualTo(AccountStatus.HEALTHY);
        assertThat(held.backlogSize()).isZero();
        assertThat(screened()).isEqualTo(1);
        assertThat(reads.flaggedAccounts()).containsExactlyInAnyOrder("near", "called");

        // the screen watches the screened account: a crash that takes it below maintenance calls it at once
        Batch crash = new Batch(held);
        Quote quote = new Quote("BTCUSDT", new BigDecimal("40100"), new BigDecimal("40100"), PriceStatus.OK,
                ++sequence, NOW);
        reads.price(quote);
        held.remark(quote, crash);
        assertThat(calledAccounts(crash)).contains("safe");
    }

    @Test
    void aRoundOutOfTimeStopsAtTheNextLookAndTheRestWaits() {
        price("BTCUSDT", "60000");
        int accounts = 3 * HeldAccounts.TAKEN_PER_LOOK + 10;
        for (int i = 0; i < accounts; i++) {
            held.loaded(withUsdt("h" + i, "200000"));
        }
        AtomicInteger looks = new AtomicInteger();

        held.reviewBacklog(new Batch(held), 10_000, new HeldAccounts.ReviewTime(() -> looks.incrementAndGet() > 1));

        assertThat(looks).as("looked after each slice, until told the time is up").hasValue(2);
        assertThat(held.backlogSize()).as("two slices taken, the rest waits for the next round")
                .isEqualTo(accounts - 2 * HeldAccounts.TAKEN_PER_LOOK);
        held.reviewBacklog(new Batch(held), 10_000, HeldAccounts.ReviewTime.unbounded());
        assertThat(held.backlogSize()).as("with time left, the round takes what its limit allows").isZero();
    }

    @Test
    void aPriceNamingMoreThanARoundHasTimeForLeavesTheRestDueBeforeTheBacklog() {
        int accounts = 2 * HeldAccounts.TAKEN_PER_LOOK + 5;
        for (int i = 0; i < accounts; i++) {
            held.loaded(withUsdt(String.format("s%04d", i), "200000")); // far from maintenance at 60,000
        }
        price("BTCUSDT", "60000");
        held.reviewBacklog(new Batch(held), accounts);
        assertThat(held.backlogSize()).isZero();
        held.loaded(leveragedLong("late")); // a takeover's account, waiting behind what the crash names

        Batch crash = new Batch(held);
        Quote quote = new Quote("BTCUSDT", new BigDecimal("40100"), new BigDecimal("40100"), PriceStatus.OK,
                ++sequence, NOW);
        reads.price(quote);
        held.remark(quote, crash, new HeldAccounts.ReviewTime(() -> true));

        assertThat(calledAccounts(crash)).as("one slice reviewed, oldest first, before the round's time is looked at")
                .hasSize(HeldAccounts.TAKEN_PER_LOOK).startsWith("s0000", "s0001");
        assertThat(held.backlogSize()).as("the rest named by the screen wait, counted with the backlog")
                .isEqualTo(accounts - HeldAccounts.TAKEN_PER_LOOK + 1);
        assertThat(held.reviewsDue()).isTrue();

        Batch next = new Batch(held);
        held.reviewBacklog(next, 10, HeldAccounts.ReviewTime.unbounded());
        List<String> called = calledAccounts(next);
        assertThat(called).as("the named accounts first, then the backlog's").hasSize(accounts - HeldAccounts
                .TAKEN_PER_LOOK + 1).endsWith("late");
        assertThat(called.get(0)).isEqualTo(String.format("s%04d", HeldAccounts.TAKEN_PER_LOOK));
        assertThat(held.backlogSize()).isZero();
    }

    @Test
    void aRoundsPricesShareOneSliceAndAnExhaustedTimeTakesNoMore() {
        int accounts = 2 * HeldAccounts.TAKEN_PER_LOOK;
        for (int i = 0; i < accounts; i++) {
            // exposed to both symbols: each price's screen names them all
            held.loaded(longBoth(String.format("b%04d", i)));
        }
        price("BTCUSDT", "60000");
        price("ETHUSDT", "3000");
        held.reviewBacklog(new Batch(held), accounts);
        assertThat(held.backlogSize()).isZero();

        Batch crash = new Batch(held);
        long passes = meters.timer("backstop.margin.screen.pass").count();
        AtomicInteger looks = new AtomicInteger();
        HeldAccounts.ReviewTime time = new HeldAccounts.ReviewTime(() -> looks.incrementAndGet() > 0);
        for (Quote quote : List.of(
                new Quote("BTCUSDT", new BigDecimal("30000"), new BigDecimal("30000"), PriceStatus.OK, ++sequence, NOW),
                new Quote("ETHUSDT", new BigDecimal("1500"), new BigDecimal("1500"), PriceStatus.OK, ++sequence,
                        NOW))) {
            reads.price(quote);
            held.remark(quote, crash, time);
        }

        assertThat(calledAccounts(crash)).as("one slice for the round's two prices, not one each")
                .hasSize(HeldAccounts.TAKEN_PER_LOOK);
        assertThat(meters.counter("backstop.margin.screen.named").count())
                .as("named once, by the price that moved their band; the second leaves it where it is")
                .isEqualTo(accounts);
        assertThat(meters.counter("backstop.margin.screen.named.waiting").count()).isZero();
        assertThat(meters.timer("backstop.margin.screen.pass").count()).as("one pass a price").isEqualTo(passes + 2);
        assertThat(looks).as("the time looked at once; up, it is not asked again").hasValue(1);
        assertThat(held.backlogSize()).isEqualTo(accounts - HeldAccounts.TAKEN_PER_LOOK);
        assertThat(held.reviewsDue()).isTrue();
        held.reviewBacklog(crash, 10, time);
        assertThat(held.backlogSize()).as("the same exhausted time takes nothing from the backlog either")
                .isEqualTo(accounts - HeldAccounts.TAKEN_PER_LOOK);

        // a price that moves them back names them again: those still waiting are counted as such
        Quote back = new Quote("BTCUSDT", new BigDecimal("60000"), new BigDecimal("60000"), PriceStatus.OK, ++sequence,
                NOW);
        reads.price(back);
        held.remark(back, new Batch(held), time);
        assertThat(meters.counter("backstop.margin.screen.named").count()).as("every band moved back")
                .isEqualTo(2 * accounts);
        assertThat(meters.counter("backstop.margin.screen.named.waiting").count())
                .as("those not reviewed since the crash were named while they waited")
                .isEqualTo(accounts - HeldAccounts.TAKEN_PER_LOOK);
    }

    private double screened() {
        return meters.counter("backstop.margin.reviews.screened").count();
    }

    @Test
    void anAccountTouchedBySeveralFirstPricesWaitsOnceAndOnlyExposedAccountsWait() {
        Account both = leveragedLong("both");
        both.deposit("ETH", new BigDecimal("1"));
        Account usdtOnly = new Account("cash", "USDT");
        usdtOnly.deposit("USDT", new BigDecimal("100"));
        held.create(both);
        held.create(usdtOnly);
        price("BTCUSDT", "60000"); // seen for the first time: its accounts wait for a full review
        price("ETH", "3000");      // the same account again: still one review waiting

        assertThat(held.backlogSize()).isEqualTo(1);
        Batch batch = new Batch(held);
        held.reviewBacklog(batch, 10);
        assertThat(held.backlogSize()).isZero();

        price("BTCUSDT", "60100"); // same status: the screen decides, nothing waits
        assertThat(held.backlogSize()).isZero();
        price("BTCUSDT", "60100", PriceStatus.STALE); // status changed, but nothing is due for a healthy account
        assertThat(held.backlogSize()).isZero();
    }

    @Test
    void pricesTrustedAgainSendBackOnlyTheHeldCallsInIdOrderAndIssueThem() {
        held.loaded(leveragedLong("zed"));
        held.loaded(leveragedLong("abe"));
        held.loaded(withUsdt("near", "13300"));
        Account safe = new Account("safe", "USDT");
        safe.deposit("USDT", new BigDecimal("1000000"));
        safe.trade("BTCUSDT", Side.BUY, BigDecimal.ONE, new BigDecimal("60000"), MarginMode.CROSS, BigDecimal.ZERO,
                "USDT", null);
        held.loaded(safe);
        price("BTCUSDT", "59000", PriceStatus.STALE);
        Batch untrusted = new Batch(held);
        held.reviewBacklog(untrusted, 10);
        assertThat(calledAccounts(untrusted)).as("the due calls are held while the price is not trusted").isEmpty();
        assertThat(held.get("near").status()).isEqualTo(AccountStatus.AT_RISK);
        assertThat(reads.flaggedAccounts()).as("flagged: the held calls and the account at risk")
                .containsExactlyInAnyOrder("zed", "abe", "near");

        price("BTCUSDT", "59000", PriceStatus.OK);

        assertThat(held.backlogSize()).as("only the held calls wait, not the account at risk").isEqualTo(2);
        Batch trusted = new Batch(held);
        held.reviewBacklog(trusted, 10);
        assertThat(calledAccounts(trusted)).as("in id order, whatever order they were loaded in")
                .containsExactly("abe", "zed");

        price("BTCUSDT", "59000", PriceStatus.STALE);
        price("BTCUSDT", "59000", PriceStatus.OK);
        assertThat(held.backlogSize()).as("the calls issued, none is held any more").isZero();
    }

    @Test
    void aPriceTurningUntrustedOrBetweenUntrustedStatusesSendsNoAccountBack() {
        held.loaded(withUsdt("near", "13300"));
        held.loaded(leveragedLong("called"));
        price("BTCUSDT", "59000");
        Batch first = new Batch(held);
        held.reviewBacklog(first, 10);
        assertThat(calledAccounts(first)).containsExactly("called");
        assertThat(reads.flaggedAccounts()).containsExactlyInAnyOrder("near", "called");

        price("BTCUSDT", "59000", PriceStatus.DEGRADED);
        assertThat(held.backlogSize()).as("at risk and leased scopes are decided by their equity alone").isZero();
        price("BTCUSDT", "59000", PriceStatus.STALE);
        assertThat(held.backlogSize()).isZero();
        price("BTCUSDT", "59000", PriceStatus.OK);
        assertThat(held.backlogSize()).as("no call was held meanwhile").isZero();
    }

    @Test
    void aDroppedAccountsHeldCallIsNotReviewedWhenPricesAreTrustedAgain() {
        held.loaded(leveragedLong("gone"));
        price("BTCUSDT", "59000", PriceStatus.STALE);
        held.reviewBacklog(new Batch(held), 10);

        held.drop("gone");
        held.loaded(new Account("gone", "USDT")); // held again, as another owner left it: nothing to call
        held.reviewBacklog(new Batch(held), 10);
        price("BTCUSDT", "59000", PriceStatus.OK);

        assertThat(held.backlogSize()).isZero();
    }

    @Test
    void aDroppedAccountLeavesTheBacklog() {
        held.loaded(leveragedLong("a"));
        held.loaded(leveragedLong("b"));

        held.drop("a");

        assertThat(held.backlogSize()).isEqualTo(1);
        price("BTCUSDT", "59000");
        Batch batch = new Batch(held);
        held.reviewBacklog(batch, 10);
        assertThat(calledAccounts(batch)).containsExactly("b");
    }

    private void price(String symbol, String mark) {
        price(symbol, mark, PriceStatus.OK);
    }

    private void price(String symbol, String mark, PriceStatus status) {
        BigDecimal p = new BigDecimal(mark);
        Quote quote = new Quote(symbol, p, p, status, ++sequence, NOW);
        reads.price(quote);
        held.remark(quote, new Batch(held));
    }

    private static List<String> calledAccounts(Batch batch) {
        return batch.events.stream().filter(e -> e.payload() instanceof MarginCallIssued)
                .map(e -> ((MarginCallIssued) e.payload()).accountId()).toList();
    }

    /** 200,000 USDT behind a 10 BTC long at 60,000 and a 100 ETH long at 3,000: bankrupt with both halved. */
    private static Account longBoth(String id) {
        Account account = withUsdt(id, "200000");
        account.trade("ETHUSDT", Side.BUY, new BigDecimal("100"), new BigDecimal("3000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        return account;
    }

    /** 10,000 USDT behind a 10 BTC long at 60,000: below maintenance at 59,000. */
    private static Account leveragedLong(String id) {
        return withUsdt(id, "10000");
    }

    /**
     * {@code usdt} behind a 10 BTC long at 60,000. At 59,000 the maintenance margin is 2,900 USDT (590,000 at 0.5%,
     * less 50): 13,300 leaves an equity of 3,300, a margin ratio of 0.88, at risk (the alert ratio is 0.8).
     */
    private static Account withUsdt(String id, String usdt) {
        Account account = new Account(id, "USDT");
        account.deposit("USDT", new BigDecimal(usdt));
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("10"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        return account;
    }
}
