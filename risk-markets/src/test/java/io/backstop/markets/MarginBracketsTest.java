package io.backstop.markets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarginBracketsTest {

    @Test
    void cumFollowsTheRecurrenceNotATypedInTable() {
        assertThat(SampleMarkets.btcBrackets().brackets()).extracting(Bracket::cum).map(BigDecimal::stripTrailingZeros)
                .map(BigDecimal::toPlainString).containsExactly("0", "50", "3050", "48050", "348050");
    }

    @Test
    void maintenanceIsContinuousAcrossEveryTierBoundary() {
        MarginBrackets brackets = SampleMarkets.btcBrackets();
        for (Bracket tier : brackets.brackets().subList(1, brackets.brackets().size())) {
            BigDecimal justBelow = tier.floor().subtract(new BigDecimal("0.000001"));
            BigDecimal at = brackets.maintenance(tier.floor());
            assertThat(brackets.maintenance(justBelow)).isCloseTo(at, org.assertj.core.data.Offset.offset(
                    new BigDecimal("0.0001")));
        }
    }

    @Test
    void maintenanceAndInitialMarginByTier() {
        MarginBrackets brackets = SampleMarkets.btcBrackets();

        assertThat(brackets.maintenance(new BigDecimal("40000"))).isEqualByComparingTo("160"); // 0.4%
        assertThat(brackets.maintenance(new BigDecimal("1000000"))).isEqualByComparingTo("6950"); // 1% - 3050
        assertThat(brackets.initial(new BigDecimal("1000000"))).isEqualByComparingTo("20000"); // 50x
        assertThat(brackets.tierFor(new BigDecimal("50000")).mmr()).isEqualByComparingTo("0.005");
    }

    @Test
    void invalidBracketsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> MarginBrackets.of(List.of(
                new MarginBrackets.Tier(new BigDecimal("10"), new BigDecimal("0.01"), 20))))
                .hasMessageContaining("the first floor must be 0");
        assertThatThrownBy(() -> MarginBrackets.of(List.of(
                new MarginBrackets.Tier(BigDecimal.ZERO, new BigDecimal("0.01"), 20),
                new MarginBrackets.Tier(new BigDecimal("100"), new BigDecimal("0.005"), 10))))
                .hasMessageContaining("mmr must not decrease");
        assertThatThrownBy(() -> MarginBrackets.of(List.of(
                new MarginBrackets.Tier(BigDecimal.ZERO, new BigDecimal("0.02"), 100))))
                .hasMessageContaining("initial margin (1/100) must exceed the maintenance rate");
    }
}
