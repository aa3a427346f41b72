package io.backstop.events.insurance;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import java.math.BigDecimal;

/**
 * A fund's state for dashboards, on a compacted topic sequenced per fund group. Money is in {@code asset}.
 *
 * @param balance          may go below zero only through the waterfall's recorded steps
 * @param inheritedNotional notional of positions taken over and not yet unwound
 * @param capacity         notional the fund may still take over
 * @param openInterest     open interest of the group's symbols
 * @param coverageRatio    balance / open interest, or null when there is no open interest
 */
public record InsuranceFundUpdated(String fundGroup, String asset, BigDecimal balance, BigDecimal inheritedNotional,
                                   BigDecimal capacity, BigDecimal openInterest, BigDecimal coverageRatio)
        implements EventPayload {

    public InsuranceFundUpdated {
        Contract.text("fundGroup", fundGroup);
        Contract.text("asset", asset);
        Contract.signed("balance", balance);
        Contract.nonNegative("inheritedNotional", inheritedNotional);
        Contract.nonNegative("capacity", capacity);
        Contract.nonNegative("openInterest", openInterest);
        Contract.optionalNonNegative("coverageRatio", coverageRatio);
    }

    @Override
    public String key() {
        return fundGroup;
    }
}
