package io.backstop.margin.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class RiskCalculatorTest {

    private final RiskCalculator calculator = TestSpecs.calculator();

    @Test
    void collateralIsValuedAtIndexLessItsHaircutAndPositionsAtMark() {
        Account account = new Account("a", "USDT");
        account.deposit("USDT", new BigDecimal("1000"));
        account.deposit("USDE", new BigDecimal("10000"));
        account.deposit("BTC", new BigDecimal("0.1"));
        account.trade("ETHUSDT", Side.BUY, new BigDecimal("10"), new BigDecimal("4000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        TestSpecs.Prices prices = new TestSpecs.Prices().set("USDE", "0.999").set("BTC", "60000")
                .set("ETHUSDT", "3800");

        AccountRisk risk = calculator.assess(account, prices);

        // 1000 + 10000 x 0.999 x 0.98 + 0.1 x 60000 x 0.95 = 1000 + 9790.2 + 5700
        assertThat(risk.walletBalance()).isEqualByComparingTo("16490.2");
        assertThat(risk.positions().get(0).unrealizedPnl()).isEqualByComparingTo("-2000");
        assertThat(risk.equity()).isEqualByComparingTo("14490.2");
        // notional 38000 -> tier 2 (>= 10000): 38000 x 0.0065 - 15 = 232
        assertThat(risk.maintenanceMargin()).isEqualByComparingTo("232");
        assertThat(risk.initialMargin()).isEqualByComparingTo(new BigDecimal("38000").divide(new BigDecimal("75"),
                java.math.MathContext.DECIMAL128));
        assertThat(risk.marginRatio()).isPositive();
        assertThat(risk.priceSequences()).containsKeys("USDE", "BTC", "ETHUSDT");
        assertThat(risk.priced()).isTrue();
    }

    @Test
    void aWrappedAssetIsValuedByTheOraclePriceOfItsOwnSymbolWhichIsUnderlyingTimesRate() {
        Account account = new Account("a", "USDT");
        account.deposit("WBETH", new BigDecimal("10"));
        // the oracle publishes WBETH as ETH index x rate (4066), whatever its thin pair trades at
        TestSpecs.Prices prices = new TestSpecs.Prices().set("WBETH", "4066");

        AccountRisk risk = calculator.assess(account, prices);

        assertThat(risk.collateral().get(0).value()).isEqualByComparingTo("37813.8"); // 10 x 4066 x 0.93
    }

    @Test
    void aMissingPriceIsReportedAndAnUntrustedOneFlagged() {
        Account account = new Account("a", "USDT");
        account.deposit("USDE", new BigDecimal("100"));
        account.deposit("BTC", new BigDecimal("1"));
        TestSpecs.Prices prices = new TestSpecs.Prices().set("USDE", "1", PriceStatus.DEGRADED);

        AccountRisk risk = calculator.assess(account, prices);

        assertThat(risk.missing()).containsExactly("BTC");
        assertThat(risk.untrusted()).containsExactly("USDE");
        assertThat(risk.priced()).isFalse();
    }

    @Test
    void aDebtIsCountedInFullWithoutHaircut() {
        Account account = new Account("a", "USDT");
        account.deposit("BTC", new BigDecimal("1"));
        account.debit("USDT", new BigDecimal("1000"));
        TestSpecs.Prices prices = new TestSpecs.Prices().set("BTC", "60000");

        assertThat(calculator.assess(account, prices).walletBalance()).isEqualByComparingTo("56000");
    }
}
