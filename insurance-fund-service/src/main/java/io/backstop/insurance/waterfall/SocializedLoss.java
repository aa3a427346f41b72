package io.backstop.insurance.waterfall;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads a deficit pro rata over a base of accounts, exact to the asset's smallest unit: each account's
 * share is first its proportion rounded down; the units left over go one each to the largest rounding
 * remainders (ties: the larger weight, then the account id). The shares sum to the deficit exactly, and
 * each differs from its exact proportion by less than one unit.
 */
public final class SocializedLoss {

    public static final String RULE = "PRO_RATA_PROFITABLE_ON_SYMBOL";

    private SocializedLoss() {
    }

    /**
     * @param deficit positive, at most {@code scale} decimals
     * @param weights positive weights by account (for example each account's positive uPnL on the symbol)
     * @return the positive shares by account, in account order of {@code weights}; empty when the base is
     */
    public static Map<String, BigDecimal> split(BigDecimal deficit, Map<String, BigDecimal> weights, int scale) {
        if (deficit.signum() <= 0) {
            throw new IllegalArgumentException("deficit must be positive, got " + deficit.toPlainString());
        }
        if (deficit.stripTrailingZeros().scale() > scale) {
            throw new IllegalArgumentException("deficit " + deficit.toPlainString() + " has more than " + scale
                    + " decimals");
        }
        BigDecimal total = BigDecimal.ZERO;
        for (BigDecimal w : weights.values()) {
            if (w.signum() <= 0) {
                throw new IllegalArgumentException("weights must be positive, got " + w.toPlainString());
            }
            total = total.add(w);
        }
        Map<String, BigDecimal> shares = new LinkedHashMap<>();
        if (weights.isEmpty()) {
            return shares;
        }
        record Part(String account, BigDecimal weight, BigDecimal floor, BigDecimal remainder) {
        }
        List<Part> parts = new ArrayList<>(weights.size());
        BigDecimal allocated = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> e : weights.entrySet()) {
            BigDecimal numerator = deficit.multiply(e.getValue());
            // exact floor at the scale: floor(numerator / total) in units, and what is left of it
            BigDecimal units = numerator.movePointRight(scale);
            BigDecimal[] qr = units.divideAndRemainder(total);
            BigDecimal floorUnits = qr[0];
            BigDecimal floor = floorUnits.movePointLeft(scale).setScale(scale, RoundingMode.UNNECESSARY);
            parts.add(new Part(e.getKey(), e.getValue(), floor, qr[1]));
            allocated = allocated.add(floor);
        }
        BigDecimal unit = BigDecimal.ONE.movePointLeft(scale);
        int leftover = deficit.subtract(allocated).movePointRight(scale).intValueExact();
        List<Part> byRemainder = new ArrayList<>(parts);
        byRemainder.sort(Comparator.comparing(Part::remainder).reversed()
                .thenComparing(Part::weight, Comparator.reverseOrder())
                .thenComparing(Part::account));
        Map<String, BigDecimal> extra = new LinkedHashMap<>();
        for (int i = 0; i < leftover; i++) {
            extra.put(byRemainder.get(i).account(), unit);
        }
        for (Part p : parts) {
            BigDecimal share = p.floor().add(extra.getOrDefault(p.account(), BigDecimal.ZERO));
            if (share.signum() > 0) {
                shares.put(p.account(), share);
            }
        }
        return shares;
    }
}
