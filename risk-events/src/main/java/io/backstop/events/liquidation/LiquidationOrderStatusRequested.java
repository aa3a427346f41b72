package io.backstop.events.liquidation;

import io.backstop.events.Contract;
import io.backstop.events.EventEnvelope;
import io.backstop.events.EventPayload;
import io.backstop.events.InvalidField;
import io.backstop.events.Side;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * The owner of an order asks the exchange what became of it: no execution arrived within the owner's order
 * timeout. The exchange answers on {@code liquidation.executions}, keyed by the liquidation as every execution, with
 * the order's execution — the one it already sent, again with the same event id (consumers drop the copy), or, when
 * the order never reached it, an execution that cancels the whole quantity, after which it never executes that
 * order id (a late copy of the order is ignored like any copy). Nothing is decided without that answer: an order's
 * fate belongs to the exchange, so a late execution can never contradict what the owner did meanwhile. Asked again
 * every timeout until answered.
 *
 * @param owner    who placed the order (and asks about it)
 * @param side     the order's side, and {@code quantity} its quantity: what the exchange cancels if it never saw it
 * @param attempt  1 for the first question about this order, then 2, 3...
 */
public record LiquidationOrderStatusRequested(UUID orderId, UUID liquidationId, OrderOwner owner, String symbol,
                                              Side side, BigDecimal quantity, Integer attempt) implements EventPayload {

    public LiquidationOrderStatusRequested {
        Contract.required("orderId", orderId);
        Contract.required("liquidationId", liquidationId);
        Contract.required("owner", owner);
        Contract.text("symbol", symbol);
        Contract.required("side", side);
        Contract.positive("quantity", quantity);
        Contract.required("attempt", attempt);
        if (attempt < 1) {
            throw new InvalidField("attempt", "must be at least 1, got " + attempt);
        }
    }

    /**
     * The {@code attempt}-th question about an order, asked at {@code now}: its event id derives from the order and
     * the attempt, so a question repeated after a crash is the same event.
     */
    public static EventEnvelope<LiquidationOrderStatusRequested> ask(UUID orderId, UUID liquidationId,
                                                                     OrderOwner owner, String symbol, Side side,
                                                                     BigDecimal quantity, int attempt, Instant now) {
        return EventEnvelope.causedBy(orderId, "status-" + attempt, new LiquidationOrderStatusRequested(orderId,
                liquidationId, owner, symbol, side, quantity, attempt), now, null);
    }

    /**
     * Whether an order still open is to be asked about now: {@code timeout} after it was placed, or after it was
     * last asked about.
     */
    public static boolean due(Instant placedOrLastAsked, Instant now, Duration timeout) {
        return !now.isBefore(placedOrLastAsked.plus(timeout));
    }

    @Override
    public String key() {
        return symbol;
    }
}
