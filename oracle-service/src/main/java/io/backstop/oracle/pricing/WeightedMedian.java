package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Weighted median and percentiles over prices, exact and deterministic. With n sources of equal
 * weight and fewer than n/2 of them wrong, the weighted median lies within the range of the right
 * ones: no minority of venues can move it outside.
 */
final class WeightedMedian {

    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    private WeightedMedian() {
    }

    record Point(BigDecimal price, BigDecimal weight) {
    }

    /**
     * The price at which the cumulative weight (in price order) first reaches half the total; when it
     * lands exactly on half, the mean of that price and the next. Null for no points or zero weight.
     */
    static BigDecimal of(List<Point> points) {
        List<Point> sorted = new ArrayList<>(points.size());
        BigDecimal total = BigDecimal.ZERO;
        for (Point p : points) {
            if (p.weight.signum() > 0) {
                sorted.add(p);
                total = total.add(p.weight);
            }
        }
        if (sorted.isEmpty()) {
            return null;
        }
        sorted.sort(Comparator.comparing(Point::price));
        BigDecimal half = total.divide(TWO);
        BigDecimal cumulative = BigDecimal.ZERO;
        for (int i = 0; i < sorted.size(); i++) {
            cumulative = cumulative.add(sorted.get(i).weight);
            int c = cumulative.compareTo(half);
            if (c > 0) {
                return sorted.get(i).price;
            }
            if (c == 0) {
                BigDecimal next = i + 1 < sorted.size() ? sorted.get(i + 1).price : sorted.get(i).price;
                return sorted.get(i).price.add(next).divide(TWO, MathContext.DECIMAL64);
            }
        }
        return sorted.get(sorted.size() - 1).price;
    }

    /** Linear-interpolation percentile (q in [0,1]) of the given prices, unweighted. */
    static BigDecimal percentile(List<BigDecimal> prices, double q) {
        List<BigDecimal> sorted = new ArrayList<>(prices);
        sorted.sort(Comparator.naturalOrder());
        if (sorted.size() == 1) {
            return sorted.get(0);
        }
        BigDecimal position = BigDecimal.valueOf(q).multiply(BigDecimal.valueOf(sorted.size() - 1));
        int lower = position.intValue();
        BigDecimal fraction = position.subtract(BigDecimal.valueOf(lower));
        if (lower + 1 >= sorted.size() || fraction.signum() == 0) {
            return sorted.get(lower);
        }
        BigDecimal a = sorted.get(lower);
        BigDecimal b = sorted.get(lower + 1);
        return a.add(b.subtract(a).multiply(fraction), MathContext.DECIMAL64);
    }
}
