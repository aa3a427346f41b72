package io.backstop.liquidation.lifecycle;

import io.backstop.events.EventEnvelope;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.LiquidationOutcome;
import io.backstop.events.liquidation.ShortfallHandedOver;
import java.time.Instant;
import java.util.List;

/**
 * The event that ends a liquidation's lease on its account scope: margin-service keeps the scope LIQUIDATING
 * until it has applied it (and, for a shortfall, the waterfall's outcome), then re-assesses the scope and calls it
 * again if it is still below maintenance. Every final status emits it exactly once: the caller appends it in the
 * transaction that writes the final status, after the liquidation's fills, and its id derives from the margin
 * call, so a repeated step emits the same event.
 */
public final class LiquidationEnd {

    private LiquidationEnd() {
    }

    /**
     * @param ended      a liquidation in a final status
     * @param fills      the tradeIds of its fills, in the order they were made
     * @param shortfalls what it handed to the fund (only for SHORTFALL)
     */
    public static EventEnvelope<LiquidationEnded> of(Liquidation ended, List<String> fills,
                                                     List<ShortfallHandedOver> shortfalls, Instant now) {
        if (ended.status().open()) {
            throw new IllegalLiquidationTransition(ended, "end its lease");
        }
        LiquidationOutcome outcome = LiquidationOutcome.valueOf(ended.status().name());
        return EventEnvelope.causedBy(ended.marginCallId(), "ended", new LiquidationEnded(ended.id(),
                ended.marginCallId(), ended.accountId(), ended.scope(), outcome, fills, shortfalls), now, null);
    }
}
