package io.backstop.events.margin;

import io.backstop.events.Contract;
import java.math.BigDecimal;

/**
 * One collateral balance valued for margin: value = amount x price x (1 - haircut).
 *
 * @param amount  balance in units of {@code asset}; negative when the account owes it
 * @param price   the oracle's index price of the asset in the settlement asset
 * @param haircut fraction in [0, 1) taken off positive balances
 */
public record CollateralValue(String asset, BigDecimal amount, BigDecimal price, BigDecimal haircut,
                              BigDecimal value) {

    public CollateralValue {
        Contract.text("asset", asset);
        Contract.signed("amount", amount);
        Contract.positive("price", price);
        Contract.nonNegative("haircut", haircut);
        if (haircut.compareTo(BigDecimal.ONE) >= 0) {
            throw new io.backstop.events.InvalidField("haircut", "must be below 1, got " + haircut.toPlainString());
        }
        Contract.signed("value", value);
    }
}
