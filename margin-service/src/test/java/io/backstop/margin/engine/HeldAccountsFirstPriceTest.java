package io.backstop.margin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A symbol's first price sends to the backlog every account held that it can concern, as a pass over every account
 * held did, while looking only at the accounts not valued at every price they need.
 */
class HeldAccountsFirstPriceTest {

    private static final Instant NOW = Instant.parse("2025-10-10T21:00:00Z");
    /** Every price symbol of {@link TestSpecs}: the perpetuals and the priced collateral. */
    private static final List<String> SYMBOLS = List.of("BTCUSDT", "ETHUSDT", "BTC", "ETH", "WBETH", "USDE");
    private static final List<String> ASSETS = List.of("BTC", "ETH", "WBETH", "USDE");

    private final MarginEngine margin = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"),
            UUID::randomUUID);
    private AccountReads reads;
    private HeldAccounts held;
    private long sequence;

    HeldAccountsFirstPriceTest() {
        startOver();
    }

    /** An engine's accounts as after a start: none held, no price seen. */
    private void startOver() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        reads = new AccountReads(margin, "USDT", meters);
        held = new HeldAccounts(margin, reads, new SnapshotSchedule(Duration.ofSeconds(1)),
                Clock.fixed(NOW, ZoneOffset.UTC), meters);
    }

    @Test
    void aFirstPriceLooksOnlyAtAccountsNotValuedAtEveryPriceTheyNeed() {
        price("BTCUSDT", "60000");
        Account btc = account("btc", List.of(), List.of("BTCUSDT"));
        Account eth = account("eth", List.of("ETH"), List.of("BTCUSDT"));
        held.create(btc);
        held.create(eth);
        assertThat(held.unvaluedSize()).as("created here, not valued yet").isEqualTo(2);
        held.review(new Batch(held), btc);
        held.review(new Batch(held), eth);
        assertThat(held.unvaluedSize()).as("only the account whose ETH has no price yet").isEqualTo(1);

        price("ETH", "3000");
        assertThat(held.backlogIds()).containsExactly("eth");
        held.reviewBacklog(new Batch(held), 10);
        assertThat(held.unvaluedSize()).as("valued at every price now: a first price looks at nobody").isZero();

        price("WBETH", "3200");
        assertThat(held.backlogIds()).isEmpty();
    }

    @Test
    void accountsCreatedHereGoBackInTheOrderTheyAreHeldWhateverWasReviewedBetweenTwoFirstPrices() {
        held.create(account("a", List.of("ETH"), List.of("BTCUSDT")));
        held.create(account("b", List.of("ETH"), List.of()));
        held.create(account("c", List.of("ETH"), List.of("BTCUSDT")));
        price("BTCUSDT", "60000");
        assertThat(held.backlogIds()).containsExactly("a", "c");
        held.reviewBacklog(new Batch(held), 10); // valued without ETH: still not valued at every price

        price("ETH", "3000");

        assertThat(held.backlogIds()).as("as a pass over the accounts held would send them, which a replay follows")
                .containsExactly("a", "b", "c");
    }

    /**
     * Random sequences of what the engine does to its accounts (created, taken over, valued, worked off the backlog in
     * slices, dropped, re-priced), each first price checked against the rule it replaces: every account held, not in
     * the backlog, exposed to the symbol.
     */
    @Test
    void aFirstPriceSendsBackWhatAPassOverEveryAccountWould() {
        int firstPrices = 0;
        for (long seed = 1; seed <= 40; seed++) {
            firstPrices += run(new Random(seed));
        }
        assertThat(firstPrices).as("first prices checked against the pass over every account").isGreaterThan(150);
    }

    private int run(Random random) {
        startOver();
        List<String> ids = new ArrayList<>();
        Set<String> priced = new HashSet<>();
        int firstPrices = 0;
        for (int step = 0; step < 300; step++) {
            int op = random.nextInt(10);
            if (op < 3 || ids.isEmpty()) {
                Account account = randomAccount("a" + ids.size(), random);
                ids.add(account.id());
                if (random.nextBoolean()) {
                    held.create(account);
                } else {
                    held.loaded(account);
                }
            } else if (op < 5) {
                Account account = held.get(ids.get(random.nextInt(ids.size())));
                if (account != null) {
                    held.review(new Batch(held), account);
                }
            } else if (op < 7) {
                held.reviewBacklog(new Batch(held), 1 + random.nextInt(3));
            } else if (op < 8) {
                held.drop(ids.get(random.nextInt(ids.size())));
            } else {
                String symbol = SYMBOLS.get(random.nextInt(SYMBOLS.size()));
                if (priced.add(symbol)) {
                    Set<String> expected = new LinkedHashSet<>(held.backlogIds());
                    for (String id : ids) {
                        Account account = held.get(id);
                        if (account != null && exposed(account, symbol)) {
                            expected.add(id);
                        }
                    }
                    price(symbol, symbol.startsWith("ETH") || symbol.equals("WBETH") ? "3000" : "60000");
                    assertThat(new HashSet<>(held.backlogIds())).as("after the first price of %s", symbol)
                            .isEqualTo(expected);
                    firstPrices++;
                } else {
                    price(symbol, symbol.startsWith("ETH") || symbol.equals("WBETH") ? "2990" : "59900");
                }
            }
        }
        ids.forEach(held::drop);
        assertThat(held.unvaluedSize()).as("dropped accounts leave nothing behind").isZero();
        return firstPrices;
    }

    private void price(String symbol, String mark) {
        BigDecimal p = new BigDecimal(mark);
        Quote quote = new Quote(symbol, p, p, PriceStatus.OK, ++sequence, NOW);
        reads.price(quote);
        held.remark(quote, new Batch(held));
    }

    private static boolean exposed(Account account, String symbol) {
        return account.balances().keySet().stream().anyMatch(symbol::equals)
                || account.positions().keySet().stream().anyMatch(symbol::equals);
    }

    private static Account randomAccount(String id, Random random) {
        List<String> assets = ASSETS.stream().filter(a -> random.nextInt(3) == 0).toList();
        List<String> perpetuals = List.of("BTCUSDT", "ETHUSDT").stream().filter(p -> random.nextBoolean()).toList();
        return account(id, assets, perpetuals);
    }

    /** Ample USDT, one of each asset, and a small long on each perpetual: healthy at the test's prices. */
    private static Account account(String id, List<String> assets, List<String> perpetuals) {
        Account account = new Account(id, "USDT");
        account.deposit("USDT", new BigDecimal("1000000"));
        assets.forEach(asset -> account.deposit(asset, BigDecimal.ONE));
        perpetuals.forEach(symbol -> account.trade(symbol, Side.BUY, BigDecimal.ONE,
                new BigDecimal(symbol.startsWith("ETH") ? "3000" : "60000"), MarginMode.CROSS, BigDecimal.ZERO,
                "USDT", null));
        return account;
    }
}
