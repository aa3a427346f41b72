package io.backstop.oracle.pricing;

import java.math.BigDecimal;
import java.util.List;

/**
 * One aggregation of a symbol's sources.
 *
 * @param index      weighted median of the included sources, or null when none is included
 * @param confidence max(p50 - p25, p75 - p50) of the included prices (0 with fewer than two)
 */
public record IndexResult(BigDecimal index, BigDecimal confidence, List<SourceVerdict> sources) {

    public long included() {
        return sources.stream().filter(SourceVerdict::included).count();
    }

    public long fresh() {
        return sources.stream().filter(SourceVerdict::fresh).count();
    }
}
