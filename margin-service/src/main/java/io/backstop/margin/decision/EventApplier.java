package io.backstop.margin.decision;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.trading.TradeFilled;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.MarginEngine;
import io.backstop.margin.account.Position;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.RiskCalculator;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a consumed event changes in the account it names, and reviews the account after it: a fill or
 * a liquidation fill trades, the waterfall's outcomes (takeover, ADL, socialized loss, covered deficit) move
 * positions and balances and settle shortfalls, a liquidation's end ends its lease. An event this service
 * cannot apply (an unknown account, symbol or asset, no position to close, an ADL that would not close) is
 * rejected with a {@link ContractViolation} before anything changes. Not thread-safe: the caller's one writer.
 */
public final class EventApplier {

    private static final Logger log = LoggerFactory.getLogger(EventApplier.class);

    /** The batch an event is applied in, as the applier sees it. */
    public interface Changes {

        /** The account held under this id, null for none. */
        Account account(String accountId);

        /**
         * Called before the account changes, so that a failure after it restores the account.
         *
         * @param structural whether balances or positions change (not only a scope's status)
         */
        void changing(Account account, boolean structural);

        /** A liquidation's end or the waterfall's last outcome did this to a scope's lease; told when it happens. */
        void leaseEnded(Account.LeaseEnd end);
    }

    /**
     * What applying one event decided besides the account's own change.
     *
     * @param review         the account's review after the change, with the margin calls it issues
     * @param waterfallEvent the event's id if it was a waterfall outcome the account's next snapshot must name
     *                       (a takeover or an ADL), else null
     */
    public record Applied(AccountReviewer.Reviewed review, UUID waterfallEvent) {
    }

    private final AccountReviewer reviewer;
    private final RiskCalculator calculator;
    private final String settlementAsset;

    public EventApplier(MarginEngine margin, Clock clock, String settlementAsset) {
        this.reviewer = new AccountReviewer(margin, clock);
        this.calculator = margin.calculator();
        this.settlementAsset = settlementAsset;
    }

    /**
     * Applies {@code event}, consumed from {@code topic}, to its account and reviews the account at
     * {@code prices}.
     *
     * @throws ContractViolation the event cannot be applied here; nothing has changed
     */
    public Applied apply(String topic, EventEnvelope<?> event, PriceBook prices, Changes changes) {
        Object payload = event.payload();
        if (payload instanceof TradeFilled fill) {
            Account account = known(topic, fill.accountId(), changes);
            knownSymbol(topic, fill.symbol());
            knownAsset(topic, fill.feeAsset());
            changes.changing(account, true);
            account.trade(fill.symbol(), fill.side(), fill.quantity(), fill.price(), fill.marginMode(), fill.fee(),
                    fill.feeAsset(), fill.isolatedMarginDelta());
            return new Applied(reviewer.review(account, prices), null);
        } else if (payload instanceof PositionLiquidated fill) {
            Account account = known(topic, fill.accountId(), changes);
            Position position = open(topic, account, fill.symbol());
            changes.changing(account, true);
            BigDecimal realized = account.trade(fill.symbol(), fill.side(), fill.quantity(), fill.price(),
                    position.mode(), fill.fee(), settlementAsset, null);
            AccountReviewer.Reviewed review = reviewer.review(account, prices);
            if (realized.compareTo(fill.realizedPnl()) != 0) {
                log.warn("liquidation fill {} of {}: realized PnL {} here, {} in the event", fill.tradeId(),
                        fill.accountId(), realized, fill.realizedPnl());
            }
            return new Applied(review, null);
        } else if (payload instanceof PositionTakenOver takeover) {
            Account account = known(topic, takeover.accountId(), changes);
            Position position = open(topic, account, takeover.symbol());
            changes.changing(account, true);
            account.trade(takeover.symbol(), takeover.positionSide().closingSide(), takeover.quantity(),
                    takeover.price(), position.mode(), BigDecimal.ZERO, settlementAsset, null);
            released(account.shortfallClosed(takeover.shortfallId(), takeover.quantity()), changes);
            return waterfallOutcome(account, event.eventId(), prices);
        } else if (payload instanceof PositionAutoDeleveraged adl) {
            Account account = known(topic, adl.accountId(), changes);
            Position position = open(topic, account, adl.symbol());
            boolean reduces = (position.size().signum() > 0) == (adl.side() == Side.SELL);
            if (!reduces || adl.quantity().compareTo(position.size().abs()) > 0) {
                // auto-deleveraging only ever closes: never opens, grows or flips a position
                throw new ContractViolation(topic, "payload.quantity", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                        "ADL " + adl.side() + " " + adl.quantity().toPlainString() + " " + adl.symbol() + " would not"
                                + " close part of " + adl.accountId() + "'s position " + position.size().toPlainString());
            }
            changes.changing(account, true);
            account.trade(adl.symbol(), adl.side(), adl.quantity(), adl.price(), position.mode(), BigDecimal.ZERO,
                    settlementAsset, null);
            if (adl.role() == AdlRole.BANKRUPT) {
                released(account.shortfallClosed(adl.shortfallId(), adl.quantity()), changes);
            }
            return waterfallOutcome(account, event.eventId(), prices);
        } else if (payload instanceof LossSocialized loss) {
            Account account = known(topic, loss.accountId(), changes);
            knownAsset(topic, loss.asset());
            changes.changing(account, true);
            account.debit(loss.asset(), loss.amount());
            return new Applied(reviewer.review(account, prices), null);
        } else if (payload instanceof DeficitCovered covered) {
            Account account = known(topic, covered.accountId(), changes);
            knownAsset(topic, covered.asset());
            changes.changing(account, true);
            account.deposit(covered.asset(), covered.amount());
            released(account.deficitCovered(covered.shortfallId(), covered.amount()), changes);
            return new Applied(reviewer.review(account, prices), null);
        } else if (payload instanceof LiquidationEnded ended) {
            // after the liquidation's fills on this partition: they are applied; the review issues the next call
            Account account = known(topic, ended.accountId(), changes);
            changes.changing(account, false);
            changes.leaseEnded(account.endLiquidation(ended.scope(), ended.marginCallId(), ended.shortfalls()));
            return new Applied(reviewer.review(account, prices), null);
        }
        throw new ContractViolation(topic, "type", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                "margin-service does not apply " + event.type().wireName());
    }

    /** A takeover or an ADL: reviewed; the event is named by the account's next positions snapshot. */
    private Applied waterfallOutcome(Account account, UUID eventId, PriceBook prices) {
        return new Applied(reviewer.review(account, prices), eventId);
    }

    /** A lease the waterfall's last outcome released (the review that follows may call the scope again). */
    private static void released(Optional<String> scope, Changes changes) {
        scope.ifPresent(s -> changes.leaseEnded(Account.LeaseEnd.RELEASED));
    }

    private static Account known(String topic, String accountId, Changes changes) {
        Account account = changes.account(accountId);
        if (account == null) {
            throw new ContractViolation(topic, "payload.accountId", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "unknown account '" + accountId + "'");
        }
        return account;
    }

    private void knownSymbol(String topic, String symbol) {
        if (calculator.instrument(symbol).isEmpty()) {
            throw new ContractViolation(topic, "payload.symbol", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "symbol '" + symbol + "' is not configured");
        }
    }

    private void knownAsset(String topic, String asset) {
        if (calculator.asset(asset).isEmpty()) {
            throw new ContractViolation(topic, "payload.asset", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "asset '" + asset + "' is not configured");
        }
    }

    private static Position open(String topic, Account account, String symbol) {
        return account.position(symbol).orElseThrow(() -> new ContractViolation(topic, "payload.symbol",
                ContractViolation.Reason.REJECTED_BY_CONSUMER, "account " + account.id() + " holds no " + symbol));
    }
}
