package io.backstop.margin.risk;

import io.backstop.markets.MarginBrackets;

/**
 * A linear perpetual the margin engine knows.
 *
 * @param priceSymbol the oracle symbol whose mark prices it
 * @param priceScale  decimal places of its prices (liquidation prices are rounded to it, conservatively)
 */
public record InstrumentSpec(String symbol, String priceSymbol, MarginBrackets brackets, int priceScale) {
}
