package io.backstop.margin.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.margin.risk.AccountRisk;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    void anAccountThatCannotBeValuedIsListedWithWhatItMissesAndNoFiguresOneThatCanWithItsFigures() {
        AccountController.AtRisk unpriced = AccountController.AtRisk.of("LIQUIDATING",
                risk("seed-1", "0.97", "SOLUSDT", "ETHUSDT"));
        AccountController.AtRisk priced = AccountController.AtRisk.of("HEALTHY", risk("seed-2", "0.85"));

        assertThat(unpriced.accountId()).isEqualTo("seed-1");
        assertThat(unpriced.status()).isEqualTo("LIQUIDATING");
        assertThat(unpriced.missingPrices()).as("sorted").containsExactly("ETHUSDT", "SOLUSDT");
        assertThat(unpriced.marginRatio()).as("a partial valuation is not shown").isNull();
        assertThat(unpriced.equity()).isNull();
        assertThat(unpriced.maintenanceMargin()).isNull();
        assertThat(priced.missingPrices()).isEmpty();
        assertThat(priced.marginRatio()).isEqualByComparingTo("0.85");
        assertThat(priced.equity()).isEqualByComparingTo("1000");
        assertThat(priced.maintenanceMargin()).isEqualByComparingTo("850");
        List<AccountController.AtRisk> list = new ArrayList<>(List.of(unpriced, priced));
        list.sort(AccountController.LEAST_HEADROOM_FIRST);
        assertThat(list).containsExactly(priced, unpriced);
    }

    private static AccountRisk risk(String id, String ratio, String... missing) {
        BigDecimal equity = new BigDecimal("1000");
        return new AccountRisk(id, equity, equity, equity.multiply(new BigDecimal(ratio)), BigDecimal.ZERO,
                new BigDecimal(ratio), List.of(), List.of(), Map.of(), Set.of(), Set.of(missing));
    }
}
