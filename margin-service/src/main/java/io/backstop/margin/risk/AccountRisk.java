package io.backstop.margin.risk;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An account valued at the oracle's prices. Money is in the settlement asset.
 *
 * @param walletBalance     collateral value (after haircuts) without unrealized PnL
 * @param equity            cross equity: collateral value + unrealized PnL of cross positions
 * @param maintenanceMargin cross maintenance margin
 * @param initialMargin     initial margin of all positions (cross and isolated)
 * @param marginRatio       maintenance / equity, or null when equity is not positive
 * @param priceSequences    the oracle sequence of every price used
 * @param untrusted         price symbols used whose status is not OK
 * @param missing           price symbols needed but never received: nothing is decided without them
 */
public record AccountRisk(String accountId, BigDecimal walletBalance, BigDecimal equity,
                          BigDecimal maintenanceMargin, BigDecimal initialMargin, BigDecimal marginRatio,
                          List<CollateralLine> collateral, List<PositionLine> positions,
                          Map<String, Long> priceSequences, Set<String> untrusted, Set<String> missing) {

    public boolean priced() {
        return missing.isEmpty();
    }

    /** Equity minus initial margin of cross positions: what could be withdrawn (settlement asset). */
    public BigDecimal available() {
        BigDecimal crossInitial = positions.stream().filter(p -> !p.isolated()).map(PositionLine::initialMargin)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        return equity.subtract(crossInitial);
    }

    /** One collateral balance: value = amount x price x (1 - haircut) for a positive amount. */
    public record CollateralLine(String asset, BigDecimal amount, BigDecimal price, BigDecimal haircut,
                                 BigDecimal value) {
    }

    /**
     * One position at its mark.
     *
     * @param isolatedEquity   isolated margin + unrealized PnL; null for cross
     * @param liquidationPrice the mark at which its scope's equity equals its maintenance (other prices
     *                         held); null when no positive price does
     */
    public record PositionLine(String symbol, BigDecimal size, BigDecimal entryPrice, BigDecimal markPrice,
                               BigDecimal unrealizedPnl, BigDecimal notional, BigDecimal maintenanceMargin,
                               BigDecimal initialMargin, boolean isolated, BigDecimal isolatedMargin,
                               BigDecimal isolatedEquity, BigDecimal liquidationPrice) {
    }
}
