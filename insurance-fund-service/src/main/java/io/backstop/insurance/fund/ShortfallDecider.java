package io.backstop.insurance.fund;

import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlRole;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.FundSnapshot;
import io.backstop.insurance.waterfall.Shortfall;
import io.backstop.insurance.waterfall.SocializedLoss;
import io.backstop.insurance.waterfall.Waterfall;
import io.backstop.insurance.waterfall.WaterfallPolicy;
import io.backstop.insurance.waterfall.WaterfallResult;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Resolves one {@code LiquidationShortfallRaised} for its fund: the {@link Waterfall}'s decision booked on the
 * fund, the events that tell the accounts (margin-service applies both sides of a takeover or an ADL), the
 * changes to the fund's copy of positions, and the record of the decision that
 * {@code GET /api/v1/waterfall/{id}} shows. Pure: the caller locks the book, supplies the opposite side of the
 * ADL queue and the socialization base, and writes what this returns in one transaction.
 */
public final class ShortfallDecider {

    /** A signed change to an account's position in the fund's copy of positions. */
    public record PositionChange(String accountId, String symbol, BigDecimal delta) {
    }

    /**
     * A position change sent to margin-service by event {@code eventId}: applied on top of the account's snapshots
     * until one confirms it (in this order: an account's pending changes are confirmed oldest first).
     */
    public record Pending(UUID eventId, String accountId, String symbol, BigDecimal delta) {
    }

    /**
     * @param ledger      the transactions booked on the fund (the book has moved by them)
     * @param events      takeover, ADL legs, deficit covered, socialized shares; in that order
     * @param adjustments to the stored positions now (the counterparties', then the bankrupt account's)
     * @param pending     to apply on top of snapshots until margin-service confirms them
     * @param decision    what was decided and why, for {@code GET /api/v1/waterfall/{id}}
     */
    public record Resolution(WaterfallResult result, List<LedgerTransaction> ledger, List<EventEnvelope<?>> events,
                             List<PositionChange> adjustments, List<Pending> pending, Map<String, Object> decision) {
    }

    private final WaterfallPolicy policy;
    private final Waterfall waterfall;

    public ShortfallDecider(WaterfallPolicy policy) {
        this.policy = policy;
        this.waterfall = new Waterfall(policy);
    }

    /**
     * @param eventId      the shortfall event's id: the cause of every event emitted
     * @param book         the fund of the symbol's group, moved by the decision
     * @param marks        the latest marks (the fund's inherited positions are valued at them)
     * @param mark         the symbol's mark: the latest, or the shortfall's own when there is none
     * @param openInterest notional of the group's open interest (for the guarantee)
     * @param opposite     the positions of the opposite side of the symbol, valued at {@code mark}, in any order
     * @param base         positive unrealized PnL by account on the symbol, the bankrupt account excluded (the base
     *                     of a socialized loss; may be empty when there is no deficit)
     */
    public Resolution resolve(UUID eventId, LiquidationShortfallRaised raised, FundBook book, FundTerms terms,
                              Map<String, BigDecimal> marks, BigDecimal mark, BigDecimal openInterest,
                              List<AdlCandidate> opposite, Map<String, BigDecimal> base, Instant now) {
        boolean guarantee = terms.guaranteeHolds(openInterest);
        BigDecimal balanceBefore = book.balance();
        FundSnapshot fund = new FundSnapshot(book.group(), book.balance(), book.inheritedNotional(marks),
                terms.capacityFraction(), guarantee);
        Shortfall shortfall = new Shortfall(raised.shortfallId(), raised.accountId(), raised.symbol(),
                raised.positionSide(), raised.remainingQuantity(), raised.bankruptcyPrice(), mark, raised.deficit());
        WaterfallResult r = waterfall.resolve(shortfall, fund, opposite, base);
        List<LedgerTransaction> ledger = book.apply(shortfall, r);

        List<EventEnvelope<?>> events = new ArrayList<>();
        List<PositionChange> adjustments = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        String bankrupt = raised.accountId();
        String symbol = raised.symbol();
        Side bankruptSide = raised.positionSide().closingSide();
        // a bankrupt long loses size (negative delta), its counterparties' shorts gain it; a short the reverse
        BigDecimal sign = raised.positionSide() == PositionSide.LONG ? BigDecimal.ONE : BigDecimal.ONE.negate();
        BigDecimal taken = r.takenOver().add(r.forcedTakeover());
        if (taken.signum() > 0) {
            EventEnvelope<?> takeover = EventEnvelope.causedBy(eventId, "takeover", new PositionTakenOver(
                    raised.shortfallId(), book.group(), bankrupt, symbol, raised.positionSide(), taken,
                    raised.bankruptcyPrice()), now, null);
            events.add(takeover);
            pending.add(new Pending(takeover.eventId(), bankrupt, symbol, taken.multiply(sign).negate()));
        }
        for (WaterfallResult.AdlMatch m : r.adl()) {
            EventEnvelope<?> counterparty = EventEnvelope.causedBy(eventId, "adl/" + m.accountId(),
                    new PositionAutoDeleveraged(raised.shortfallId(), m.accountId(), AdlRole.COUNTERPARTY, bankrupt,
                            symbol, bankruptSide.opposite(), m.quantity(), raised.bankruptcyPrice(), m.rank()), now, null);
            EventEnvelope<?> bankruptLeg = EventEnvelope.causedBy(eventId, "adl-bankrupt/" + m.accountId(),
                    new PositionAutoDeleveraged(raised.shortfallId(), bankrupt, AdlRole.BANKRUPT, m.accountId(),
                            symbol, bankruptSide, m.quantity(), raised.bankruptcyPrice(), null), now, null);
            events.add(counterparty);
            events.add(bankruptLeg);
            // the counterparty's stored position shrinks now, and stays shrunk until a snapshot confirms it
            adjustments.add(new PositionChange(m.accountId(), symbol, m.quantity().multiply(sign)));
            pending.add(new Pending(counterparty.eventId(), m.accountId(), symbol, m.quantity().multiply(sign)));
            pending.add(new Pending(bankruptLeg.eventId(), bankrupt, symbol, m.quantity().multiply(sign).negate()));
        }
        adjustments.add(new PositionChange(bankrupt, symbol, taken.add(r.adlQuantity()).multiply(sign).negate()));
        BigDecimal byFund = r.deficitFromFund().add(r.uncovered());
        BigDecimal covered = byFund.add(r.socializedTotal());
        if (covered.signum() > 0) {
            events.add(EventEnvelope.causedBy(eventId, "deficit", new DeficitCovered(raised.shortfallId(), bankrupt,
                    symbol, covered, book.asset(), byFund, r.socializedTotal()), now, null));
        }
        r.socialized().forEach((accountId, share) -> events.add(EventEnvelope.causedBy(eventId, "loss/" + accountId,
                new LossSocialized(raised.shortfallId(), accountId, symbol, share, book.asset(), SocializedLoss.RULE),
                now, null)));
        Map<String, Object> decision = decision(raised, book.group(), mark, fund, balanceBefore, openInterest, guarantee, r,
                ledger);
        return new Resolution(r, List.copyOf(ledger), List.copyOf(events), List.copyOf(adjustments),
                List.copyOf(pending), decision);
    }

    private Map<String, Object> decision(LiquidationShortfallRaised s, String group, BigDecimal mark, FundSnapshot fund,
                                       BigDecimal balanceBefore, BigDecimal oi, boolean guarantee, WaterfallResult r,
                                         List<LedgerTransaction> txs) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("shortfallId", s.shortfallId().toString());
        d.put("liquidationId", s.liquidationId().toString());
        d.put("accountId", s.accountId());
        d.put("symbol", s.symbol());
        d.put("positionSide", s.positionSide().name());
        d.put("remainingQuantity", plain(s.remainingQuantity()));
        d.put("bankruptcyPrice", plain(s.bankruptcyPrice()));
        d.put("markPrice", plain(mark));
        d.put("deficit", plain(s.deficit()));
        d.put("fundGroup", group);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("balanceBefore", plain(balanceBefore));
        f.put("inheritedNotional", plain(fund.inheritedNotional()));
        f.put("capacityFraction", plain(fund.capacityFraction()));
        f.put("capacity", plain(fund.capacity()));
        f.put("openInterest", plain(oi));
        f.put("guaranteeHolds", guarantee);
        d.put("fund", f);
        d.put("ranking", policy.ranking().name());
        d.put("operatorInjection", plain(r.injection()));
        d.put("takenOver", plain(r.takenOver()));
        d.put("forcedTakeover", plain(r.forcedTakeover()));
        List<Map<String, Object>> adl = new ArrayList<>();
        for (WaterfallResult.AdlMatch m : r.adl()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("rank", m.rank());
            a.put("accountId", m.accountId());
            a.put("score", m.score().round(new MathContext(12)).toPlainString());
            a.put("positionBefore", plain(m.positionBefore()));
            a.put("quantity", plain(m.quantity()));
            a.put("price", plain(s.bankruptcyPrice()));
            adl.add(a);
        }
        d.put("adl", adl);
        d.put("deficitFromFund", plain(r.deficitFromFund()));
        d.put("uncovered", plain(r.uncovered()));
        Map<String, String> shares = new LinkedHashMap<>();
        r.socialized().forEach((a, v) -> shares.put(a, plain(v)));
        d.put("socialized", shares);
        d.put("socializedRule", r.socialized().isEmpty() ? null : SocializedLoss.RULE);
        d.put("steps", r.steps());
        d.put("ledgerTransactions", txs.stream().map(t -> Map.of("id", t.id().toString(), "kind", t.kind())).toList());
        return d;
    }

    private static String plain(BigDecimal v) {
        return v == null ? null : v.stripTrailingZeros().toPlainString();
    }
}
