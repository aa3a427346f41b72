package io.backstop.lab.exchange;

import io.backstop.events.EventEnvelope;
import io.backstop.events.EventPayload;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.LiquidationOrderStatusRequested;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the simulated exchange answers on {@code liquidation.executions}, once per order id, like a real exchange
 * with client order ids: an order is filled against the book within its limit and the rest cancelled; a copy of an
 * order already answered is ignored; a status request (the owner heard nothing) is answered with the order's
 * execution again — the same event, so the owner drops it if it had it — or, for an order the exchange never saw,
 * with a cancel of the whole quantity, after which that order id is never executed. Not thread-safe: one
 * exchange thread uses it.
 */
final class OrderAnswers {

    private final SimulatedExchange.OrderBook book;
    private final Map<UUID, EventEnvelope<LiquidationOrderExecuted>> answered = new HashMap<>();
    private long executed;
    private long copies;
    private long statusRequests;
    private long neverSeen;

    OrderAnswers(SimulatedExchange.OrderBook book) {
        this.book = book;
    }

    /** The answer to one event of {@code liquidation.orders} at {@code now}, or empty for a copy of an order. */
    Optional<EventEnvelope<LiquidationOrderExecuted>> answer(EventPayload event, Instant now) {
        if (event instanceof LiquidationOrderPlaced order) {
            if (answered.containsKey(order.orderId())) {
                copies++;
                return Optional.empty();
            }
            List<ExecutionFill> fills = book.fill(order);
            BigDecimal filled = fills.stream().map(ExecutionFill::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
            executed++;
            return Optional.of(remember(order.orderId(), new LiquidationOrderExecuted(order.orderId(),
                    order.liquidationId(), order.symbol(), order.side(), fills, order.quantity().subtract(filled)), now));
        }
        if (event instanceof LiquidationOrderStatusRequested asked) {
            statusRequests++;
            EventEnvelope<LiquidationOrderExecuted> known = answered.get(asked.orderId());
            if (known != null) {
                return Optional.of(known);
            }
            neverSeen++;
            return Optional.of(remember(asked.orderId(), new LiquidationOrderExecuted(asked.orderId(),
                    asked.liquidationId(), asked.symbol(), asked.side(), List.of(), asked.quantity()), now));
        }
        throw new IllegalArgumentException("not an event of liquidation.orders: " + event.getClass().getSimpleName());
    }

    private EventEnvelope<LiquidationOrderExecuted> remember(UUID orderId, LiquidationOrderExecuted execution,
                                                             Instant now) {
        EventEnvelope<LiquidationOrderExecuted> answer = EventEnvelope.causedBy(orderId, "execution", execution, now,
                null);
        answered.put(orderId, answer);
        return answer;
    }

    long executed() {
        return executed;
    }

    long copies() {
        return copies;
    }

    /** Status requests answered, and of those, orders the exchange had never seen (cancelled in full). */
    long statusRequests() {
        return statusRequests;
    }

    long neverSeen() {
        return neverSeen;
    }
}
