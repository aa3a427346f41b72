package io.backstop.margin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.margin.account.Account;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.TestSpecs;
import io.backstop.margin.screen.RiskScreen;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The at-risk list's candidates: the flagged accounts with the least headroom at their last review, found in one pass.
 */
class AccountReadsTest {

    private final AccountReads reads = new AccountReads(new MarginEngine(TestSpecs.calculator(),
            new BigDecimal("0.8"), UUID::randomUUID), "USDT", new SimpleMeterRegistry());

    @Test
    void theMostAtRiskAreTheHighestRatiosWithoutPositiveEquityFirstAndTiesById() {
        flag("ok", "0.95");
        flag("worse", "1.40");
        flag("broke", null);
        flag("tie-b", "0.95");
        flag("unpriced", "9.99", "BTC");
        flag("healed", "1.10");
        reads.flag(new Account("healed", "USDT"), RiskScreen.HEALTHY, risk("healed", "0.10"));

        assertThat(reads.mostAtRisk(10)).containsExactly("broke", "worse", "ok", "tie-b", "unpriced");
        assertThat(reads.mostAtRisk(2)).containsExactly("broke", "worse");
        assertThat(reads.flaggedAccounts()).as("the healed account is no longer flagged")
                .containsExactlyInAnyOrder("ok", "worse", "broke", "tie-b", "unpriced");
    }

    @Test
    void aBoundedPassGivesWhatSortingEveryFlaggedAccountGives() {
        Random random = new Random(7);
        Map<String, Double> ratios = new TreeMap<>();
        IntStream.range(0, 5_000).forEach(i -> {
            String id = "acct-" + random.nextInt(100_000);
            // two decimals: many ties, which the id breaks
            BigDecimal ratio = BigDecimal.valueOf(random.nextInt(300), 2);
            flag(id, ratio.toPlainString());
            ratios.put(id, ratio.doubleValue());
        });
        List<String> sorted = ratios.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).toList();

        for (int n : new int[] {1, 20, 1_000, ratios.size(), ratios.size() + 10}) {
            assertThat(reads.mostAtRisk(n)).as("top %d", n).isEqualTo(sorted.subList(0, Math.min(n, sorted.size())));
        }
        for (int page : new int[] {1, 7, 1_000, ratios.size()}) {
            List<String> walked = new java.util.ArrayList<>();
            AccountReads.Rank after = null;
            List<AccountReads.Rank> ranks;
            do {
                ranks = reads.rankedAfter(after, page);
                assertThat(ranks).as("a page holds at most its size").hasSizeLessThanOrEqualTo(page);
                ranks.forEach(r -> assertThat(r.ratio()).isEqualTo(ratios.get(r.accountId())));
                ranks.forEach(r -> walked.add(r.accountId()));
                after = ranks.isEmpty() ? after : ranks.get(ranks.size() - 1);
            } while (!ranks.isEmpty());
            assertThat(walked).as("pages of %d: every flagged account once, in the list's order", page)
                    .isEqualTo(sorted);
        }
    }

    @Test
    void aPageStartsStrictlyAfterItsCursorWhereverTheCursorsAccountIsNow() {
        flag("a", "1.50");
        flag("b", "1.20");
        flag("c", "1.20");
        flag("d", null);
        flag("e", "0.90", "BTC");

        assertThat(reads.rankedAfter(null, 10)).extracting(AccountReads.Rank::accountId)
                .containsExactly("d", "a", "b", "c", "e");
        assertThat(reads.rankedAfter(new AccountReads.Rank(1.2, "b"), 10)).extracting(AccountReads.Rank::accountId)
                .as("a tie continues by id").containsExactly("c", "e");
        assertThat(reads.rankedAfter(new AccountReads.Rank(1.3, "gone"), 2)).extracting(AccountReads.Rank::accountId)
                .as("a cursor whose account left the list still places the page").containsExactly("b", "c");
        assertThat(reads.rankedAfter(new AccountReads.Rank(Double.NEGATIVE_INFINITY, "e"), 10)).isEmpty();
        assertThat(reads.rankedAfter(null, 0)).isEmpty();
    }

    private void flag(String id, String ratio, String... missing) {
        reads.flag(new Account(id, "USDT"), RiskScreen.AT_RISK, risk(id, ratio, missing));
    }

    private static AccountRisk risk(String id, String ratio, String... missing) {
        return new AccountRisk(id, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
                ratio == null ? null : new BigDecimal(ratio), List.of(), List.of(), Map.of(), Set.of(),
                Set.of(missing));
    }
}
