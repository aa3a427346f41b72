package io.backstop.liquidation.plan;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.UUID;

/**
 * The order liquidations are taken in: the most underwater first (lowest equity / maintenance), then
 * the largest notional, then the margin call's id so the order is total and deterministic; never
 * arrival order, never random.
 */
public record CallPriority(BigDecimal health, BigDecimal notional, UUID callId) implements Comparable<CallPriority> {

    private static final Comparator<CallPriority> ORDER = Comparator.comparing(CallPriority::health)
            .thenComparing(CallPriority::notional, Comparator.reverseOrder())
            .thenComparing(CallPriority::callId);

    public static CallPriority of(ScopeState scope, UUID callId) {
        return new CallPriority(scope.health(), scope.notional(), callId);
    }

    @Override
    public int compareTo(CallPriority other) {
        return ORDER.compare(this, other);
    }
}
