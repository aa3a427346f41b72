package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import java.util.List;
import java.util.UUID;

/**
 * A margin call's liquidation is over: the end of the lease margin-service gave the account scope when it issued
 * the call. Published in the transaction that ends the liquidation, on the account's partition of
 * {@code liquidation.fills}, after every {@link PositionLiquidated} of it: a consumer that reads the partition in
 * order has applied all the liquidation's fills when it sees this. For a {@link LiquidationOutcome#SHORTFALL} the
 * scope is not free yet: the waterfall still closes and covers what {@code shortfalls} lists.
 *
 * @param marginCallId the margin call's event id (the lease it ends)
 * @param scope        the account scope ({@link io.backstop.events.margin.MarginScope})
 * @param fills        the tradeIds of the liquidation's fills, in the order they were made
 * @param shortfalls   the remainders handed to the fund; non-empty exactly for a SHORTFALL
 */
public record LiquidationEnded(UUID liquidationId, UUID marginCallId, String accountId, String scope,
                               LiquidationOutcome outcome, List<String> fills, List<ShortfallHandedOver> shortfalls)
        implements EventPayload {

    public LiquidationEnded {
        Contract.required("liquidationId", liquidationId);
        Contract.required("marginCallId", marginCallId);
        Contract.text("accountId", accountId);
        Contract.text("scope", scope);
        Contract.required("outcome", outcome);
        fills = Contract.list("fills", fills);
        shortfalls = Contract.list("shortfalls", shortfalls);
        if ((outcome == LiquidationOutcome.SHORTFALL) == shortfalls.isEmpty()) {
            throw new InvalidField("shortfalls", "must be non-empty exactly when the outcome is SHORTFALL (outcome "
                    + outcome + ", " + shortfalls.size() + " shortfalls)");
        }
    }

    @Override
    public String key() {
        return accountId;
    }
}
