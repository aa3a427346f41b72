package io.backstop.markets;

/**
 * A linear perpetual as every service sees it.
 *
 * @param symbol      the instrument, for example {@code BTCUSDT}
 * @param priceSymbol the oracle symbol whose mark prices it
 * @param brackets    its maintenance-margin tiers
 * @param priceScale  decimal places of its prices
 */
public record Market(String symbol, String priceSymbol, MarginBrackets brackets, int priceScale) {
}
