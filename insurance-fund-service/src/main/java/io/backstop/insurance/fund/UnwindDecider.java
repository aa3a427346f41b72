package io.backstop.insurance.fund;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderExecuted;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.waterfall.SocializedLoss;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The fund's unwinding of what it took over: which IOC slices to place, and what their executions do to the
 * fund (its PnL; a balance they drive below zero is socialized over the profitable accounts on the symbol).
 * Pure: the caller locks the book and the order, and writes what this returns in one transaction.
 */
public final class UnwindDecider {

    /**
     * @param sliceNotional the most one order may be worth at the mark (settlement asset)
     * @param maxSlippage   how far from the mark an order is limited (a fraction: 0.005 is 0.5%)
     * @param quantityScale decimals an order's quantity is rounded down to
     * @param moneyScale    decimals of the settlement asset: socialized shares are exact to this unit
     */
    public record Terms(BigDecimal sliceNotional, BigDecimal maxSlippage, int quantityScale, int moneyScale) {
    }

    /** An order to store as {@code OPEN}, and the event that places it. */
    public record Placed(FundOrder order, EventEnvelope<?> event) {
    }

    /**
     * @param filled base quantity the execution filled (stored with the order, which is done)
     * @param ledger the unwinding's transactions, then the socialization of a negative balance (if any)
     * @param events the socialized shares ({@code LossSocialized}), if any
     */
    public record Executed(BigDecimal filled, List<LedgerTransaction> ledger, List<EventEnvelope<?>> events) {
    }

    private final Terms terms;

    public UnwindDecider(Terms terms) {
        this.terms = terms;
    }

    /**
     * Per symbol the fund holds, has a mark for and no open order on: one slice worth at most the slice notional
     * (at least the whole position when that rounds to nothing), limited the max slippage away from the mark,
     * rounded toward the mark.
     *
     * @param ids where the orders' ids come from
     */
    public List<Placed> place(FundBook book, Map<String, BigDecimal> marks, Set<String> withOpenOrder,
                              Supplier<UUID> ids, Instant now) {
        List<Placed> placed = new ArrayList<>();
        for (Inventory inv : book.inventory().values()) {
            BigDecimal mark = marks.get(inv.symbol());
            if (mark == null || withOpenOrder.contains(inv.symbol())) {
                continue;
            }
            BigDecimal qty = terms.sliceNotional().divide(mark, terms.quantityScale(), RoundingMode.DOWN)
                    .min(inv.size().abs());
            if (qty.signum() <= 0) {
                qty = inv.size().abs();
            }
            Side side = inv.size().signum() > 0 ? Side.SELL : Side.BUY;
            BigDecimal slip = side == Side.SELL ? BigDecimal.ONE.subtract(terms.maxSlippage())
                    : BigDecimal.ONE.add(terms.maxSlippage());
            BigDecimal limit = mark.multiply(slip).setScale(8, side == Side.SELL ? RoundingMode.UP : RoundingMode.DOWN);
            UUID orderId = ids.get();
            UUID unwindId = unwindId(book.group(), inv.symbol());
            placed.add(new Placed(new FundOrder(orderId, book.group(), inv.symbol(), side, qty, limit, FundOrder.OPEN),
                    EventEnvelope.of(new LiquidationOrderPlaced(orderId, unwindId, OrderOwner.INSURANCE_FUND,
                            book.group(), inv.symbol(), side, qty, limit, null, 1), now, unwindId, null)));
        }
        return placed;
    }

    /** The id the fund's unwinding of {@code symbol} carries as its orders' liquidation id: one per group and symbol. */
    public static UUID unwindId(String group, String symbol) {
        return UUID.nameUUIDFromBytes(("fund-unwind/" + group + "/" + symbol).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Books each fill's PnL on the fund.
     *
     * @param eventId the execution's event id: the cause of its transactions
     * @throws ContractViolation when the order was executed already, the execution names another symbol or side
     *                            than the order (it would be booked as the order's), or its fills add up to more
     *                            than it asked for (checked before anything is booked: the fund never closes what
     *                            it does not hold)
     */
    public Executed execute(FundBook book, FundOrder order, LiquidationOrderExecuted execution, UUID eventId) {
        if (!order.isOpen()) {
            throw new ContractViolation("liquidation.executions", "payload.orderId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "fund order " + order.id() + " was executed already");
        }
        requireTheOrdersSymbolAndSide(order, execution);
        requireWithinTheOrder(order, execution);
        List<LedgerTransaction> ledger = new ArrayList<>();
        BigDecimal filled = BigDecimal.ZERO;
        for (ExecutionFill fill : execution.fills()) {
            UUID cause = UUID.nameUUIDFromBytes((eventId + "/" + fill.tradeId()).getBytes(StandardCharsets.UTF_8));
            ledger.add(book.unwound(cause, order.symbol(), fill.quantity(), fill.price()));
            filled = filled.add(fill.quantity());
        }
        return new Executed(filled, List.copyOf(ledger), List.of());
    }

    private static void requireTheOrdersSymbolAndSide(FundOrder order, LiquidationOrderExecuted execution) {
        if (!execution.symbol().equals(order.symbol())) {
            throw new ContractViolation("liquidation.executions", "payload.symbol",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "symbol '" + execution.symbol() + "' is not that"
                            + " of fund order " + order.id() + " (" + order.symbol() + ")");
        }
        if (execution.side() != order.side()) {
            throw new ContractViolation("liquidation.executions", "payload.side",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, execution.side() + " is not the side of fund"
                            + " order " + order.id() + " (" + order.side() + ")");
        }
    }

    private static void requireWithinTheOrder(FundOrder order, LiquidationOrderExecuted execution) {
        BigDecimal filled = BigDecimal.ZERO;
        for (int i = 0; i < execution.fills().size(); i++) {
            filled = filled.add(execution.fills().get(i).quantity());
            if (filled.compareTo(order.quantity()) > 0) {
                throw new ContractViolation("liquidation.executions", "payload.fills[" + i + "].quantity",
                        ContractViolation.Reason.REJECTED_BY_CONSUMER, "fills more than fund order " + order.id()
                                + " asked for (" + order.quantity().toPlainString() + ")");
            }
        }
    }

    /** The price a negative balance is socialized at when there is no mark: the last fill's, else the order's limit. */
    public static BigDecimal lastPrice(FundOrder order, LiquidationOrderExecuted execution) {
        return execution.fills().isEmpty() ? order.limitPrice()
                : execution.fills().get(execution.fills().size() - 1).price();
    }

    /**
     * Brings a fund the unwinding drove below zero back to zero (rounded up to the money unit), pro rata over
     * {@code base}; nothing when the balance is not negative or nobody is profitable.
     *
     * @param base    positive unrealized PnL by account on the symbol
     * @param eventId the execution's event id
     */
    public Executed socializeNegativeBalance(Executed executed, FundBook book, String symbol,
                                             Map<String, BigDecimal> base, UUID eventId, Instant now) {
        if (book.balance().signum() >= 0 || base.isEmpty()) {
            return executed;
        }
        BigDecimal raise = book.balance().negate().setScale(terms.moneyScale(), RoundingMode.UP);
        Map<String, BigDecimal> shares = SocializedLoss.split(raise, base, terms.moneyScale());
        UUID lossId = UUID.nameUUIDFromBytes(("fund-deficit/" + eventId).getBytes(StandardCharsets.UTF_8));
        List<LedgerTransaction> ledger = new ArrayList<>(executed.ledger());
        ledger.add(book.socialize(lossId, symbol, shares));
        List<EventEnvelope<?>> events = new ArrayList<>(executed.events());
        shares.forEach((accountId, share) -> events.add(EventEnvelope.causedBy(eventId, "loss/" + accountId,
                new LossSocialized(lossId, accountId, symbol, share, book.asset(), SocializedLoss.RULE), now, null)));
        return new Executed(executed.filled(), List.copyOf(ledger), List.copyOf(events));
    }
}
