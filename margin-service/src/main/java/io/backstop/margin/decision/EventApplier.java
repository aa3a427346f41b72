package io.backstop.margin.decision;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationEnded;
import io.backstop.events.liquidation.PositionLiquidated;
import io.backstop.events.trading.TradeFilled;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.account.Position;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.RiskCalculator;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a consumed event changes in the account it names, and reviews the account after it: a fill or
 * a liquidation fill trades, the waterfall's outcomes (takeover, ADL, socialized loss, covered deficit) move
 * positions and balances and settle shortfalls, a liquidation's end ends its lease. An ADL is decided here, by
 * the owner of both positions: the fund's request closes what the ranked account's position still allows, and
 * the answer ({@link AdlLegSettled}) closes the bankrupt side by as much when it comes back to the bankrupt
 * account's partition; the fund re-plans what was refused. An event this service cannot apply (an unknown
 * account, symbol or asset, no position to close, a bankrupt leg that would not close) is rejected with a
 * {@link ContractViolation} before anything changes. Not thread-safe: the caller's one writer.
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
     * @param review  the account's review after the change, with the margin calls it issues
     * @param emitted other events the change publishes (the answer to an ADL request)
     */
    public record Applied(AccountReviewer.Reviewed review, List<EventEnvelope<?>> emitted) {

        Applied(AccountReviewer.Reviewed review) {
            this(review, List.of());
        }
    }

    private final AccountReviewer reviewer;
    private final RiskCalculator calculator;
    private final String settlementAsset;
    private final Clock clock;

    public EventApplier(MarginEngine margin, Clock clock, String settlementAsset) {
        this.reviewer = new AccountReviewer(margin, clock);
        this.calculator = margin.calculator();
        this.settlementAsset = settlementAsset;
        this.clock = clock;
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
            Account account = known(topic, "payload.accountId", fill.accountId(), changes);
            knownSymbol(topic, fill.symbol());
            knownAsset(topic, "payload.feeAsset", fill.feeAsset());
            changes.changing(account, true);
            account.trade(fill.symbol(), fill.side(), fill.quantity(), fill.price(), fill.marginMode(), fill.fee(),
                    fill.feeAsset(), fill.isolatedMarginDelta());
            return new Applied(reviewer.review(account, prices));
        } else if (payload instanceof PositionLiquidated fill) {
            Account account = known(topic, "payload.accountId", fill.accountId(), changes);
            Position position = open(topic, account, fill.symbol());
            changes.changing(account, true);
            BigDecimal realized = account.trade(fill.symbol(), fill.side(), fill.quantity(), fill.price(),
                    position.mode(), fill.fee(), settlementAsset, null);
            AccountReviewer.Reviewed review = reviewer.review(account, prices);
            if (realized.compareTo(fill.realizedPnl()) != 0) {
                log.warn("liquidation fill {} of {}: realized PnL {} here, {} in the event", fill.tradeId(),
                        fill.accountId(), realized, fill.realizedPnl());
            }
            return new Applied(review);
        } else if (payload instanceof PositionTakenOver takeover) {
            Account account = known(topic, "payload.accountId", takeover.accountId(), changes);
            Position position = open(topic, account, takeover.symbol());
            changes.changing(account, true);
            account.trade(takeover.symbol(), takeover.positionSide().closingSide(), takeover.quantity(),
                    takeover.price(), position.mode(), BigDecimal.ZERO, settlementAsset, null);
            released(account.shortfallClosed(takeover.shortfallId(), takeover.quantity()), changes);
            return new Applied(reviewer.review(account, prices));
        } else if (payload instanceof PositionAutoDeleveraged adl) {
            // the fund's request: close what the ranked account's position still allows, never open, grow or flip it,
            // nor take a position its liquidation or the waterfall holds
            Account account = known(topic, "payload.accountId", adl.accountId(), changes);
            knownSymbol(topic, adl.symbol());
            BigDecimal applied = deleverageable(account, adl.symbol(), adl.side()).min(adl.quantity());
            if (applied.signum() > 0) {
                changes.changing(account, true);
                account.trade(adl.symbol(), adl.side(), applied, adl.price(), account.position(adl.symbol())
                        .orElseThrow().mode(), BigDecimal.ZERO, settlementAsset, null);
            }
            EventEnvelope<AdlLegSettled> answer = EventEnvelope.causedBy(event.eventId(), "adl-settled",
                    new AdlLegSettled(adl.shortfallId(), event.eventId(), adl.counterpartyAccountId(), adl.accountId(),
                            adl.symbol(), adl.side().opposite(), adl.quantity(), applied, adl.price(), adl.rank()),
                    clock.instant(), null);
            return new Applied(reviewer.review(account, prices), List.of(answer));
        } else if (payload instanceof AdlLegSettled leg) {
            // the bankrupt side of what margin closed on the ranked account; nothing when it closed nothing
            Account account = known(topic, "payload.bankruptAccountId", leg.bankruptAccountId(), changes);
            if (leg.applied().signum() == 0) {
                return new Applied(reviewer.review(account, prices));
            }
            Position position = open(topic, account, leg.symbol());
            if (closable(account, leg.symbol(), leg.bankruptSide()).compareTo(leg.applied()) < 0) {
                // the lease keeps the remainder it handed to the fund until the waterfall settles it
                throw new ContractViolation(topic, "payload.applied", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                        "ADL " + leg.bankruptSide() + " " + leg.applied().toPlainString() + " " + leg.symbol()
                                + " would not close part of " + leg.bankruptAccountId() + "'s position "
                                + position.size().toPlainString());
            }
            changes.changing(account, true);
            account.trade(leg.symbol(), leg.bankruptSide(), leg.applied(), leg.price(), position.mode(),
                    BigDecimal.ZERO, settlementAsset, null);
            released(account.shortfallClosed(leg.shortfallId(), leg.applied()), changes);
            return new Applied(reviewer.review(account, prices));
        } else if (payload instanceof LossSocialized loss) {
            Account account = known(topic, "payload.accountId", loss.accountId(), changes);
            knownAsset(topic, "payload.asset", loss.asset());
            changes.changing(account, true);
            account.debit(loss.asset(), loss.amount());
            return new Applied(reviewer.review(account, prices));
        } else if (payload instanceof DeficitCovered covered) {
            Account account = known(topic, "payload.accountId", covered.accountId(), changes);
            knownAsset(topic, "payload.asset", covered.asset());
            changes.changing(account, true);
            account.deposit(covered.asset(), covered.amount());
            released(account.deficitCovered(covered.shortfallId(), covered.amount()), changes);
            return new Applied(reviewer.review(account, prices));
        } else if (payload instanceof LiquidationEnded ended) {
            // after the liquidation's fills on this partition: they are applied; the review issues the next call
            Account account = known(topic, "payload.accountId", ended.accountId(), changes);
            changes.changing(account, false);
            changes.leaseEnded(account.endLiquidation(ended.scope(), ended.marginCallId(), ended.shortfalls()));
            return new Applied(reviewer.review(account, prices));
        }
        throw new ContractViolation(topic, "type", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                "margin-service does not apply " + event.type().wireName());
    }

    /** Base units a {@code side} trade on {@code symbol} can close without opening, growing or flipping: zero for none. */
    private static BigDecimal closable(Account account, String symbol, Side side) {
        return account.position(symbol).filter(p -> (p.size().signum() > 0) == (side == Side.SELL)
                && p.size().signum() != 0).map(p -> p.size().abs()).orElse(BigDecimal.ZERO);
    }

    /**
     * Base units of the ranked account's position on {@code symbol} an ADL leg may close: none while the position's
     * scope is leased, to its liquidation or to the waterfall of the remainder it handed over (that remainder is the
     * waterfall's to close, as the bankrupt side of its own legs), else what a {@code side} trade can close.
     */
    private static BigDecimal deleverageable(Account account, String symbol, Side side) {
        return account.position(symbol).filter(p -> !account.scope(p.isolated() ? Account.isolatedScope(symbol)
                : Account.CROSS).leased()).map(p -> closable(account, symbol, side)).orElse(BigDecimal.ZERO);
    }

    /** A lease the waterfall's last outcome released (the review that follows may call the scope again). */
    private static void released(Optional<String> scope, Changes changes) {
        scope.ifPresent(s -> changes.leaseEnded(Account.LeaseEnd.RELEASED));
    }

    /** The account the event names in {@code field}; refused, naming that field, when none is held here. */
    private static Account known(String topic, String field, String accountId, Changes changes) {
        Account account = changes.account(accountId);
        if (account == null) {
            throw new ContractViolation(topic, field, ContractViolation.Reason.REJECTED_BY_CONSUMER,
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

    private void knownAsset(String topic, String field, String asset) {
        if (calculator.asset(asset).isEmpty()) {
            throw new ContractViolation(topic, field, ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "asset '" + asset + "' is not configured");
        }
    }

    private static Position open(String topic, Account account, String symbol) {
        return account.position(symbol).orElseThrow(() -> new ContractViolation(topic, "payload.symbol",
                ContractViolation.Reason.REJECTED_BY_CONSUMER, "account " + account.id() + " holds no " + symbol));
    }
}
