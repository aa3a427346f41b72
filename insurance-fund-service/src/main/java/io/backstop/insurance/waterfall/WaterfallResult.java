package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * What the waterfall decided for one shortfall, step by step, with the reason for each. Quantities in
 * base units of the symbol, money in the settlement asset; everything closes at the bankruptcy price.
 *
 * @param injection           operator money put into the fund under the guarantee (0 when none)
 * @param takenOver           quantity the fund takes over within its capacity (or with the injection)
 * @param forcedTakeover      quantity the fund had to take beyond its capacity because no opposite
 *                            position was left to deleverage
 * @param adl                 the opposite positions closed, in queue order (the last one maybe partly)
 * @param deficitFromFund     the bankrupt account's deficit paid by the fund
 * @param socialized          the rest of the deficit, by account (sums exactly to it)
 * @param uncovered           deficit nobody could take (no fund money, no guarantee, no profitable
 *                            account): paid by the fund into a negative balance, recorded as such
 * @param steps               the explanation, one line per step
 */
public record WaterfallResult(BigDecimal injection, BigDecimal takenOver, BigDecimal forcedTakeover,
                              List<AdlMatch> adl, BigDecimal deficitFromFund, Map<String, BigDecimal> socialized,
                              BigDecimal uncovered, List<String> steps) {

    /** One counterparty closed against the remainder. */
    public record AdlMatch(String accountId, int rank, BigDecimal quantity, BigDecimal score, BigDecimal positionBefore) {
    }

    public BigDecimal adlQuantity() {
        return adl.stream().map(AdlMatch::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public BigDecimal socializedTotal() {
        return socialized.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
