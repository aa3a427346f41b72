package io.backstop.insurance.waterfall;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Socialized shares sum exactly to the deficit, each within one unit of its exact proportion, and never negative. */
class SocializedLossProperties {

    @Property(tries = 2000)
    void sharesSumExactlyToTheDeficitAndStayWithinOneUnitOfTheirProportion(
            @ForAll("deficits") BigDecimal deficit,
            @ForAll @Size(min = 1, max = 40) List<@net.jqwik.api.From("weights") BigDecimal> weightList,
            @ForAll @IntRange(min = 0, max = 8) int scale) {
        BigDecimal exactDeficit = deficit.setScale(scale, java.math.RoundingMode.DOWN);
        if (exactDeficit.signum() <= 0) {
            exactDeficit = BigDecimal.ONE.movePointLeft(scale);
        }
        Map<String, BigDecimal> weights = new LinkedHashMap<>();
        for (int i = 0; i < weightList.size(); i++) {
            weights.put("acct-" + i, weightList.get(i));
        }
        Map<String, BigDecimal> shares = SocializedLoss.split(exactDeficit, weights, scale);

        assertThat(shares.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(exactDeficit);
        BigDecimal total = weights.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal unit = BigDecimal.ONE.movePointLeft(scale);
        for (Map.Entry<String, BigDecimal> e : weights.entrySet()) {
            BigDecimal share = shares.getOrDefault(e.getKey(), BigDecimal.ZERO);
            BigDecimal exact = exactDeficit.multiply(e.getValue()).divide(total, MathContext.DECIMAL128);
            assertThat(share.subtract(exact).abs()).isLessThan(unit);
            assertThat(share.signum()).isNotNegative();
            assertThat(share.stripTrailingZeros().scale()).isLessThanOrEqualTo(scale);
        }
        // the same input gives the same shares, whatever the order of the base
        Map<String, BigDecimal> reversed = new LinkedHashMap<>();
        List<String> keys = List.copyOf(weights.keySet());
        for (int i = keys.size() - 1; i >= 0; i--) {
            reversed.put(keys.get(i), weights.get(keys.get(i)));
        }
        assertThat(SocializedLoss.split(exactDeficit, reversed, scale)).isEqualTo(shares);
    }

    @Provide
    Arbitrary<BigDecimal> deficits() {
        return Arbitraries.bigDecimals().between(new BigDecimal("0.00000001"), new BigDecimal("100000000"))
                .ofScale(8);
    }

    @Provide
    Arbitrary<BigDecimal> weights() {
        return Arbitraries.oneOf(
                Arbitraries.bigDecimals().between(new BigDecimal("0.0001"), new BigDecimal("1000000")).ofScale(4),
                Arbitraries.just(BigDecimal.ONE));
    }
}
