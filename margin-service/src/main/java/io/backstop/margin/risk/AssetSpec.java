package io.backstop.margin.risk;

import java.math.BigDecimal;

/**
 * A collateral asset.
 *
 * @param priceSymbol the oracle symbol whose index values it (a wrapped asset's is the oracle's
 *                    underlying x rate price, never its own spot pair); null for the settlement asset,
 *                    which is worth exactly 1
 * @param haircut     fraction taken off a positive balance's value, in [0, 1)
 */
public record AssetSpec(String asset, String priceSymbol, BigDecimal haircut) {

    public boolean settlement() {
        return priceSymbol == null;
    }
}
