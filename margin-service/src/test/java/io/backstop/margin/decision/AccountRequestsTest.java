package io.backstop.margin.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.decision.AccountRequests.Withdrawal;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Opening an account, and whether a withdrawal may go out. */
class AccountRequestsTest {

    private final RiskCalculator calculator = TestSpecs.calculator();
    private final AccountRequests requests = new AccountRequests(calculator, "USDT");
    private final TestSpecs.Prices prices = new TestSpecs.Prices().set("BTCUSDT", "60000").set("BTC", "60000");

    private Account funded(String usdt) {
        Account account = requests.open("trader");
        account.deposit("USDT", new BigDecimal(usdt));
        return account;
    }

    @Test
    void aNewAccountIsEmptyAndHealthy() {
        Account account = requests.open("trader");

        assertThat(account.balances()).isEmpty();
        assertThat(account.positions()).isEmpty();
        assertThat(account.scope(Account.CROSS).status()).isEqualTo(AccountStatus.HEALTHY);
        assertThat(account.settlementAsset()).isEqualTo("USDT");
    }

    @Test
    void aWithdrawalWithinTheBalanceOfAnAccountWithoutPositionsIsAcceptedAndChangesNothing() {
        Account account = funded("1000");
        long version = account.version();

        assertThat(requests.withdrawal(account, "USDT", new BigDecimal("1000"), prices))
                .isEqualTo(new Withdrawal(Withdrawal.Result.ACCEPTED, null, null));
        assertThat(account.balance("USDT")).isEqualByComparingTo("1000");
        assertThat(account.version()).isEqualTo(version);
    }

    @Test
    void aWithdrawalBeyondTheBalanceIsRefusedWithWhatIsMissing() {
        Withdrawal outcome = requests.withdrawal(funded("1000"), "USDT", new BigDecimal("1250.5"), prices);

        assertThat(outcome.result()).isEqualTo(Withdrawal.Result.REJECTED_BALANCE);
        assertThat(outcome.shortfall()).isEqualByComparingTo("250.5");
    }

    @Test
    void aWithdrawalThatWouldLeaveEquityBelowInitialMarginIsRefusedWithTheShortfall() {
        Account account = funded("10000");
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("1"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        BigDecimal available = calculator.assess(account, prices).available();
        BigDecimal tooMuch = available.add(new BigDecimal("0.01"));

        Withdrawal refused = requests.withdrawal(account, "USDT", tooMuch, prices);

        assertThat(refused.result()).isEqualTo(Withdrawal.Result.REJECTED_INITIAL_MARGIN);
        assertThat(refused.shortfall()).isEqualByComparingTo("0.01");
        assertThat(requests.withdrawal(account, "USDT", available, prices).result())
                .isEqualTo(Withdrawal.Result.ACCEPTED);
    }

    @Test
    void collateralIsValuedAtItsIndexLessItsHaircut() {
        Account account = requests.open("trader");
        account.deposit("BTC", BigDecimal.ONE);
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("0.1"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);
        BigDecimal available = calculator.assess(account, prices).available();

        Withdrawal refused = requests.withdrawal(account, "BTC", BigDecimal.ONE, prices);

        // 1 BTC x 60,000 x (1 - 0.05) leaves, against what is available
        assertThat(refused.result()).isEqualTo(Withdrawal.Result.REJECTED_INITIAL_MARGIN);
        assertThat(refused.shortfall()).isEqualByComparingTo(new BigDecimal("57000").subtract(available));
    }

    @Test
    void aWithdrawalIsRefusedWhileAPriceTheCheckNeedsIsMissingOrNotTrusted() {
        Account account = funded("10000");
        account.trade("BTCUSDT", Side.BUY, new BigDecimal("0.1"), new BigDecimal("60000"), MarginMode.CROSS,
                BigDecimal.ZERO, "USDT", null);

        assertThat(requests.withdrawal(account, "USDT", BigDecimal.ONE, new TestSpecs.Prices()).result())
                .isEqualTo(Withdrawal.Result.REJECTED_UNPRICED);
        prices.set("BTCUSDT", "60000", PriceStatus.STALE);
        Withdrawal stale = requests.withdrawal(account, "USDT", BigDecimal.ONE, prices);
        assertThat(stale.result()).isEqualTo(Withdrawal.Result.REJECTED_UNPRICED);
        assertThat(stale.detail()).contains("BTCUSDT");
    }

    @Test
    void anAssetNotConfiguredIsBrokenInput() {
        assertThatThrownBy(() -> requests.requireAsset("DOGE")).isInstanceOf(IllegalArgumentException.class);
        requests.requireAsset("BTC");
    }
}
