package io.backstop.margin.decision;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.AccountStatus;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.RiskCalculator;
import java.math.BigDecimal;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Decides the requests an account's owner makes over REST: opening the account, and whether a withdrawal may
 * go out. A refused withdrawal is an answer ({@link Withdrawal}), not an exception.
 */
public final class AccountRequests {

    private final RiskCalculator calculator;
    private final String settlementAsset;

    public AccountRequests(RiskCalculator calculator, String settlementAsset) {
        this.calculator = calculator;
        this.settlementAsset = settlementAsset;
    }

    /** Outcome of a withdrawal request: a value, not an exception (the refusal is a business answer). */
    public record Withdrawal(Result result, BigDecimal shortfall, String detail) {
        public enum Result { ACCEPTED, REJECTED_INITIAL_MARGIN, REJECTED_BALANCE, REJECTED_UNPRICED }
    }

    /** A new account: no money, no positions, its cross scope HEALTHY. */
    public Account open(String accountId) {
        Account account = new Account(accountId, settlementAsset);
        account.transition(Account.CROSS, AccountStatus.HEALTHY, null, false);
        return account;
    }

    /** @throws IllegalArgumentException the asset is not configured here */
    public void requireAsset(String asset) {
        if (calculator.asset(asset).isEmpty()) {
            throw new IllegalArgumentException("asset '" + asset + "' is not configured");
        }
    }

    /**
     * Whether {@code amount} of {@code asset} may leave the account: it must be in the balance, every price the
     * margin check needs must be there and trusted, and what leaves (valued at its index price less its haircut)
     * must not exceed what initial margin leaves available, while the account holds positions. Changes nothing:
     * the caller withdraws when the answer is ACCEPTED.
     */
    public Withdrawal withdrawal(Account account, String asset, BigDecimal amount, PriceBook prices) {
        if (account.balance(asset).compareTo(amount) < 0) {
            return new Withdrawal(Withdrawal.Result.REJECTED_BALANCE, amount.subtract(account.balance(asset)),
                    "the " + asset + " balance is " + account.balance(asset).toPlainString());
        }
        AccountRisk before = calculator.assess(account, prices);
        if (!before.priced() || !before.untrusted().isEmpty()) {
            return new Withdrawal(Withdrawal.Result.REJECTED_UNPRICED, null, "prices needed to check margin are"
                    + " not available or not trusted: " + union(before.missing(), before.untrusted()));
        }
        BigDecimal price = calculator.asset(asset).filter(a -> !a.settlement())
                .map(a -> prices.quote(a.priceSymbol()).orElseThrow().index()).orElse(BigDecimal.ONE);
        BigDecimal haircut = calculator.asset(asset).orElseThrow().haircut();
        BigDecimal valueOut = amount.multiply(price).multiply(BigDecimal.ONE.subtract(haircut));
        BigDecimal shortfall = valueOut.subtract(before.available());
        if (shortfall.signum() > 0 && !account.positions().isEmpty()) {
            return new Withdrawal(Withdrawal.Result.REJECTED_INITIAL_MARGIN, shortfall, "the withdrawal would"
                    + " leave equity " + shortfall.toPlainString() + " " + settlementAsset + " below initial margin");
        }
        return new Withdrawal(Withdrawal.Result.ACCEPTED, null, null);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }
}
