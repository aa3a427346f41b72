package io.backstop.markets;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * A symbol's maintenance-margin tiers (exchange-style brackets by notional). The maintenance amounts
 * are derived from the floors and rates, never typed in.
 */
public final class MarginBrackets {

    private final List<Bracket> brackets;

    private MarginBrackets(List<Bracket> brackets) {
        this.brackets = List.copyOf(brackets);
    }

    /** A tier as configured: from which notional, which MMR, which max leverage. */
    public record Tier(BigDecimal floor, BigDecimal mmr, int maxLeverage) {
    }

    /**
     * Validates and derives the brackets: the first floor is 0, floors strictly increase, rates do not
     * decrease and stay below 1, max leverage does not increase and is at least 1.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    public static MarginBrackets of(List<Tier> tiers) {
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("at least one bracket is required");
        }
        List<Bracket> derived = new ArrayList<>();
        Tier previous = null;
        BigDecimal cum = BigDecimal.ZERO;
        for (int i = 0; i < tiers.size(); i++) {
            Tier t = tiers.get(i);
            String at = "bracket " + (i + 1);
            if (t.floor() == null || t.mmr() == null) {
                throw new IllegalArgumentException(at + ": floor and mmr are required");
            }
            if (i == 0 && t.floor().signum() != 0) {
                throw new IllegalArgumentException(at + ": the first floor must be 0, got " + t.floor());
            }
            if (t.mmr().signum() <= 0 || t.mmr().compareTo(BigDecimal.ONE) >= 0) {
                throw new IllegalArgumentException(at + ": mmr must be in (0, 1), got " + t.mmr());
            }
            if (t.maxLeverage() < 1) {
                throw new IllegalArgumentException(at + ": max leverage must be at least 1, got " + t.maxLeverage());
            }
            if (BigDecimal.ONE.divide(BigDecimal.valueOf(t.maxLeverage()), MathContext.DECIMAL64)
                    .compareTo(t.mmr()) <= 0) {
                throw new IllegalArgumentException(at + ": initial margin (1/" + t.maxLeverage()
                        + ") must exceed the maintenance rate " + t.mmr());
            }
            if (previous != null) {
                if (t.floor().compareTo(previous.floor()) <= 0) {
                    throw new IllegalArgumentException(at + ": floors must increase, " + t.floor() + " <= "
                            + previous.floor());
                }
                if (t.mmr().compareTo(previous.mmr()) < 0) {
                    throw new IllegalArgumentException(at + ": mmr must not decrease, " + t.mmr() + " < "
                            + previous.mmr());
                }
                if (t.maxLeverage() > previous.maxLeverage()) {
                    throw new IllegalArgumentException(at + ": max leverage must not increase, " + t.maxLeverage()
                            + " > " + previous.maxLeverage());
                }
                cum = t.floor().multiply(t.mmr().subtract(previous.mmr())).add(cum);
            }
            derived.add(new Bracket(t.floor(), t.mmr(), t.maxLeverage(), cum));
            previous = t;
        }
        return new MarginBrackets(derived);
    }

    public List<Bracket> brackets() {
        return brackets;
    }

    /** The tier a notional falls in: the last whose floor is at most the notional. */
    public Bracket tierFor(BigDecimal notional) {
        Bracket tier = brackets.get(0);
        for (Bracket b : brackets) {
            if (b.floor().compareTo(notional) <= 0) {
                tier = b;
            } else {
                break;
            }
        }
        return tier;
    }

    /** MM = notional x mmr - cum of its tier. */
    public BigDecimal maintenance(BigDecimal notional) {
        Bracket tier = tierFor(notional);
        return notional.multiply(tier.mmr()).subtract(tier.cum());
    }

    /** IM = notional / max leverage of its tier (exact to 34 digits). */
    public BigDecimal initial(BigDecimal notional) {
        return notional.divide(BigDecimal.valueOf(tierFor(notional).maxLeverage()), MathContext.DECIMAL128);
    }

    /** The exclusive upper bound of a tier's notional, or null for the last tier. */
    public BigDecimal capOf(int index) {
        return index + 1 < brackets.size() ? brackets.get(index + 1).floor() : null;
    }
}
