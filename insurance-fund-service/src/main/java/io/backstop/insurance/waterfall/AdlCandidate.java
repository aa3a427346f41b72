package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A position that may be auto-deleveraged: an account's position on the symbol, valued at the current
 * mark, with the account figures the rankings need (from its latest {@code account.positions} snapshot).
 *
 * @param size          signed base quantity (positive long, negative short)
 * @param unrealizedPnl of this position at the current mark
 * @param walletBalance the account's collateral without unrealized PnL
 * @param equity        the account's equity (wallet + unrealized PnL of all its positions)
 * @param marginRatio   maintenance margin / equity, or null when equity is not positive
 */
public record AdlCandidate(String accountId, BigDecimal size, BigDecimal entryPrice, BigDecimal markPrice,
                           BigDecimal unrealizedPnl, BigDecimal walletBalance, BigDecimal equity,
                           BigDecimal marginRatio) {

    public AdlCandidate {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(size, "size");
        if (size.signum() == 0) {
            throw new IllegalArgumentException("an ADL candidate holds a position: " + accountId + " has size 0");
        }
        Objects.requireNonNull(entryPrice, "entryPrice");
        Objects.requireNonNull(markPrice, "markPrice");
        Objects.requireNonNull(unrealizedPnl, "unrealizedPnl");
        Objects.requireNonNull(walletBalance, "walletBalance");
        Objects.requireNonNull(equity, "equity");
    }

    public BigDecimal quantity() {
        return size.abs();
    }

    public BigDecimal notional() {
        return size.abs().multiply(markPrice);
    }

    public boolean isLong() {
        return size.signum() > 0;
    }
}
