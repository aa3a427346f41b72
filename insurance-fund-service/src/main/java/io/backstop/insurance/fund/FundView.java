package io.backstop.insurance.fund;

import io.backstop.events.insurance.InsuranceFundUpdated;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * A fund as the REST API, the {@code insurance.fund} topic and the dashboards show it. Money in the settlement
 * asset, notional at the latest marks.
 *
 * @param capacity      notional the fund may still take over: capacity fraction × balance − inherited, at least 0
 * @param coverageRatio balance / open interest of the group; null while there is no open interest
 */
public record FundView(String group, String asset, BigDecimal balance, Map<String, Inventory> inherited,
                       BigDecimal inheritedNotional, BigDecimal capacity, BigDecimal capacityFraction,
                       BigDecimal openInterest, BigDecimal coverageRatio, BigDecimal guaranteeOpenInterestLimit,
                       boolean guaranteeHolds, List<String> symbols) {

    /** The book's figures at {@code marks}, with the group's open interest (notional). */
    public static FundView of(FundBook book, FundTerms terms, Map<String, BigDecimal> marks, BigDecimal openInterest) {
        BigDecimal inherited = book.inheritedNotional(marks);
        BigDecimal capacity = terms.capacityFraction().multiply(book.balance()).subtract(inherited).max(BigDecimal.ZERO);
        BigDecimal coverage = openInterest.signum() == 0 ? null
                : book.balance().divide(openInterest, 8, RoundingMode.HALF_EVEN);
        return new FundView(book.group(), book.asset(), book.balance(), book.inventory(), inherited, capacity,
                terms.capacityFraction(), openInterest, coverage, terms.guaranteeOpenInterestLimit(),
                terms.guaranteeHolds(openInterest), terms.symbols());
    }

    /** The event that publishes these figures (a negative coverage is published as 0). */
    public InsuranceFundUpdated updated() {
        return new InsuranceFundUpdated(group, asset, balance, inheritedNotional, capacity, openInterest,
                coverageRatio == null ? null : coverageRatio.max(BigDecimal.ZERO));
    }
}
