package io.backstop.margin.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The at-risk list's order: no positive equity first, then the highest margin ratio, ties by id; an account that cannot
 * be valued (a price never received) last, with what it misses, so a partial price outage does not empty the list.
 */
class AtRiskOrderTest {

    private static AccountController.AtRisk priced(String id, String ratio) {
        return new AccountController.AtRisk(id, "HEALTHY", ratio == null ? null : new BigDecimal(ratio),
                BigDecimal.TEN, BigDecimal.ONE, Collections.emptySortedSet());
    }

    private static AccountController.AtRisk unpriced(String id, String... missing) {
        return new AccountController.AtRisk(id, "HEALTHY", null, null, null, new TreeSet<>(List.of(missing)));
    }

    @Test
    void noEquityFirstThenHighestRatioThenTheAccountsThatCannotBeValuedEachTieByID() {
        List<AccountController.AtRisk> list = new ArrayList<>(List.of(
                unpriced("u-2", "ETHUSDT"), priced("p-low", "0.81"), priced("p-none-b", null),
                unpriced("u-1", "SOLUSDT", "ETH"), priced("p-high-b", "1.20"), priced("p-high-a", "1.20"),
                priced("p-none-a", null), priced("p-mid", "0.95")));

        list.sort(AccountController.LEAST_HEADROOM_FIRST);

        assertThat(list).extracting(AccountController.AtRisk::accountId).containsExactly(
                "p-none-a", "p-none-b", "p-high-a", "p-high-b", "p-mid", "p-low", "u-1", "u-2");
        assertThat(list.get(6).missingPrices()).containsExactly("ETH", "SOLUSDT");
    }

    @Test
    void aListOfOnlyAccountsThatCannotBeValuedIsStillAList() {
        List<AccountController.AtRisk> list = new ArrayList<>(List.of(unpriced("b", "ETHUSDT"),
                unpriced("a", "ETHUSDT")));

        list.sort(AccountController.LEAST_HEADROOM_FIRST);

        assertThat(list).extracting(AccountController.AtRisk::accountId).containsExactly("a", "b");
        assertThat(list).allSatisfy(a -> assertThat(a.marginRatio()).as("no figures without prices").isNull());
    }
}
