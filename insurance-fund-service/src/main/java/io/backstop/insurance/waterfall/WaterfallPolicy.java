package io.backstop.insurance.waterfall;

/**
 * @param moneyScale    decimals of the settlement asset (shares and injections are exact to this unit)
 * @param quantityScale decimals a partial takeover's quantity is rounded down to
 */
public record WaterfallPolicy(String asset, AdlRanking ranking, int moneyScale, int quantityScale) {
}
