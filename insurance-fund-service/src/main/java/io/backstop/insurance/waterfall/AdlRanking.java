package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How opposite positions are ordered for auto-deleveraging: the highest score is closed first. Both
 * rankings put the most profitable, most leveraged positions first; neither is random.
 */
public enum AdlRanking {

    /**
     * Binance: PnL% = max(0, uPnL) / max(1, wallet balance), times the margin ratio (maintenance /
     * equity). An account without positive equity has no margin ratio and scores 0 (it is being
     * liquidated itself).
     */
    BINANCE {
        @Override
        public BigDecimal score(AdlCandidate c) {
            BigDecimal pnlPct = c.unrealizedPnl().max(BigDecimal.ZERO).divide(c.walletBalance().max(BigDecimal.ONE), MC);
            return c.marginRatio() == null ? BigDecimal.ZERO : pnlPct.multiply(c.marginRatio(), MC);
        }
    },

    /**
     * BitMEX: PnL% = uPnL / cost of the position (quantity × entry price); times the effective leverage
     * (notional / max(1, equity)) when profitable, divided by it when not.
     */
    BITMEX {
        @Override
        public BigDecimal score(AdlCandidate c) {
            BigDecimal cost = c.quantity().multiply(c.entryPrice());
            BigDecimal pnlPct = c.unrealizedPnl().divide(cost, MC);
            BigDecimal leverage = c.notional().divide(c.equity().max(BigDecimal.ONE), MC);
            return pnlPct.signum() >= 0 ? pnlPct.multiply(leverage, MC) : pnlPct.divide(leverage, MC);
        }
    };

    private static final MathContext MC = MathContext.DECIMAL128;

    /** The position's score: higher is deleveraged first. */
    public abstract BigDecimal score(AdlCandidate candidate);
}
