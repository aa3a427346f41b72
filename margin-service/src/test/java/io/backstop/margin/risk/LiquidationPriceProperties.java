package io.backstop.margin.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.Position;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * At the reported liquidation price, the scope's equity equals its maintenance margin to the unit of
 * rounding: for long and short, cross and isolated, in every tier (positions up to 20M notional cross
 * the BTC brackets' boundaries), with another cross position held at its price.
 */
class LiquidationPriceProperties {

    private final RiskCalculator calculator = TestSpecs.calculator();

    @Property(tries = 3000)
    void equityEqualsMaintenanceAtTheLiquidationPrice(@ForAll("sizes") BigDecimal size,
                                                      @ForAll("prices") BigDecimal entry,
                                                      @ForAll("collateral") BigDecimal collateral,
                                                      @ForAll boolean isolated, @ForAll boolean withEthPosition) {
        Account account = new Account("a", "USDT");
        account.deposit("USDT", collateral);
        Side side = size.signum() > 0 ? Side.BUY : Side.SELL;
        BigDecimal isolatedMargin = isolated ? collateral.divide(BigDecimal.valueOf(2), 8,
                java.math.RoundingMode.DOWN) : null;
        account.trade("BTCUSDT", side, size.abs(), entry, isolated ? MarginMode.ISOLATED : MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", isolatedMargin);
        if (withEthPosition) {
            account.trade("ETHUSDT", Side.SELL, new BigDecimal("3"), new BigDecimal("3900"), MarginMode.CROSS,
                    BigDecimal.ZERO, "USDT", null);
        }
        TestSpecs.Prices prices = new TestSpecs.Prices().set("BTCUSDT", entry.toPlainString()).set("ETHUSDT", "4000");
        AccountRisk risk = calculator.assess(account, prices);
        BigDecimal liquidation = risk.positions().stream().filter(p -> p.symbol().equals("BTCUSDT")).findFirst()
                .orElseThrow().liquidationPrice();
        Assume.that(liquidation != null);

        prices.set("BTCUSDT", liquidation.toPlainString());
        AccountRisk at = calculator.assess(account, prices);
        AccountRisk.PositionLine btc = at.positions().stream().filter(p -> p.symbol().equals("BTCUSDT")).findFirst()
                .orElseThrow();
        BigDecimal equity = isolated ? btc.isolatedEquity() : at.equity();
        BigDecimal maintenance = isolated ? btc.maintenanceMargin() : at.maintenanceMargin();
        // one price unit (0.01) moves equity - MM by at most |size| x (1 + mmr) x 0.01
        BigDecimal tolerance = size.abs().multiply(new BigDecimal("1.05")).multiply(new BigDecimal("0.01"));
        assertThat(equity.subtract(maintenance).abs()).isLessThanOrEqualTo(tolerance);
        // rounded toward the current side: at the reported price the account has not yet crossed maintenance
        assertThat(equity.subtract(maintenance)).as("rounded so the reported price comes before the exact one")
                .isNotNegative();
    }

    @Provide
    Arbitrary<BigDecimal> sizes() {
        return Arbitraries.bigDecimals().between(new BigDecimal("-300"), new BigDecimal("300")).ofScale(3)
                .filter(s -> s.signum() != 0);
    }

    @Provide
    Arbitrary<BigDecimal> prices() {
        return Arbitraries.bigDecimals().between(new BigDecimal("1000"), new BigDecimal("100000")).ofScale(2);
    }

    @Provide
    Arbitrary<BigDecimal> collateral() {
        return Arbitraries.bigDecimals().between(new BigDecimal("10"), new BigDecimal("5000000")).ofScale(2);
    }
}
