package io.backstop.insurance.fund;

import io.backstop.events.ContractViolation;
import io.backstop.events.EventEnvelope;
import io.backstop.events.PositionSide;
import io.backstop.events.Side;
import io.backstop.events.insurance.AdlLegSettled;
import io.backstop.events.insurance.DeficitCovered;
import io.backstop.events.insurance.LossSocialized;
import io.backstop.events.insurance.PositionAutoDeleveraged;
import io.backstop.events.insurance.PositionTakenOver;
import io.backstop.events.liquidation.LiquidationShortfallRaised;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.AdlSide;
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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Resolves one {@code LiquidationShortfallRaised} for its fund: the {@link Waterfall}'s decision booked on the
 * fund, the events that tell the accounts, and the record of the decision that {@code GET /api/v1/waterfall/{id}}
 * shows; and settles each ADL leg margin-service answers ({@link #settle}). The fund plans ADL from the positions
 * margin publishes, but never acts on them: each leg is a request to margin-service, the owner of both positions,
 * which closes what the ranked position still holds; what it refuses is planned again against the rest of the
 * queue, and what no one is left to take the fund takes over. Pure: the caller locks the book, supplies the
 * opposite side of the ADL queue (whole, or read from its head as far as the decision walks it: {@link AdlSide}) and
 * the socialization base, and writes what this returns in one transaction.
 */
public final class ShortfallDecider {

    /**
     * @param ledger   the transactions booked on the fund (the book has moved by them)
     * @param events   takeover, ADL requests, deficit covered, socialized shares; in that order
     * @param decision what was decided and why, for {@code GET /api/v1/waterfall/{id}}
     */
    public record Resolution(WaterfallResult result, List<LedgerTransaction> ledger, List<EventEnvelope<?>> events,
                             Map<String, Object> decision) {
    }

    /**
     * What one settled ADL leg decided.
     *
     * @param ledger     the ADL booked for what margin closed, and a forced takeover of what no one is left to take
     * @param events     the ADL requests of the re-plan, or the forced takeover
     * @param replanned  the requests' counterparties and quantities (empty when nothing was refused)
     * @param forced     base units the fund took over because the queue had no one left
     * @param record     the leg's line in the waterfall's decision record
     */
    public record Settlement(List<LedgerTransaction> ledger, List<EventEnvelope<?>> events,
                             List<WaterfallResult.AdlMatch> replanned, BigDecimal forced, Map<String, Object> record) {
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
        return resolve(eventId, raised, book, terms, marks, mark, openInterest,
                AdlSide.of(() -> opposite, policy.ranking()), base, now);
    }

    /**
     * As {@link #resolve(UUID, LiquidationShortfallRaised, FundBook, FundTerms, Map, BigDecimal, BigDecimal, List,
     * Map, Instant)}, with {@code opposite} the opposite side of the symbol in queue order, valued at {@code mark}:
     * read from its head only when the waterfall gets to the ADL step, and only as far as that step needs.
     */
    public Resolution resolve(UUID eventId, LiquidationShortfallRaised raised, FundBook book, FundTerms terms,
                              Map<String, BigDecimal> marks, BigDecimal mark, BigDecimal openInterest,
                              AdlSide opposite, Map<String, BigDecimal> base, Instant now) {
        boolean guarantee = terms.guaranteeHolds(openInterest);
        BigDecimal balanceBefore = book.balance();
        FundSnapshot fund = new FundSnapshot(book.group(), book.balance(), book.inheritedNotional(marks),
                terms.capacityFraction(), guarantee);
        Shortfall shortfall = new Shortfall(raised.shortfallId(), raised.accountId(), raised.symbol(),
                raised.positionSide(), raised.remainingQuantity(), raised.bankruptcyPrice(), mark, raised.deficit());
        WaterfallResult r = waterfall.resolve(shortfall, fund, opposite, base);
        List<LedgerTransaction> ledger = book.apply(shortfall, r);

        List<EventEnvelope<?>> events = new ArrayList<>();
        String bankrupt = raised.accountId();
        String symbol = raised.symbol();
        BigDecimal taken = r.takenOver().add(r.forcedTakeover());
        if (taken.signum() > 0) {
            events.add(EventEnvelope.causedBy(eventId, "takeover", new PositionTakenOver(raised.shortfallId(),
                    book.group(), bankrupt, symbol, raised.positionSide(), taken, raised.bankruptcyPrice()), now, null));
        }
        events.addAll(requests(eventId, raised.shortfallId(), bankrupt, symbol, raised.positionSide(),
                raised.bankruptcyPrice(), r.adl(), now));
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
        return new Resolution(r, List.copyOf(ledger), List.copyOf(events), decision);
    }

    /**
     * Settles one ADL leg as margin-service answered it: books what it closed, and plans again what it refused,
     * against {@code opposite} without the accounts in {@code excluded} (those that refused a leg of this shortfall
     * before, and this leg's own); what the queue cannot take, the fund takes over.
     *
     * @param eventId  the answer's event id: the cause of everything this decides
     * @param resolved the fund resolved the leg's shortfall (it holds its waterfall). An answer for a shortfall it
     *                 never resolved answers a request it never sent: it is refused before anything is booked, for
     *                 its ADL would move the ledger and its refused part be planned again or taken over
     * @param sent     the request the answer names, as the fund sent it; empty when the fund never sent it. An answer
     *                 to no request, or that says another leg was asked (account, quantity, price...), is refused
     *                 before anything is booked, likewise
     * @param opposite the positions of the side of the symbol opposite the bankrupt one, valued at the mark
     * @param excluded accounts that may not be asked again for this shortfall (includes {@code leg.accountId()})
     * @throws ContractViolation when the fund never resolved the leg's shortfall ({@code payload.shortfallId}), or
     *                           never sent the request or asked another leg ({@code payload.requestId})
     */
    public Settlement settle(UUID eventId, AdlLegSettled leg, boolean resolved, Optional<SentAdlRequest> sent, FundBook book,
                             List<AdlCandidate> opposite, Set<String> excluded, Instant now) {
        return settle(eventId, leg, resolved, sent, book, AdlSide.of(() -> opposite, policy.ranking()), excluded, now);
    }

    /**
     * As {@link #settle(UUID, AdlLegSettled, boolean, Optional, FundBook, List, Set, Instant)}, with {@code opposite}
     * the side of the symbol opposite the bankrupt one in queue order: read from its head only when the leg refused
     * something, and only as far as its re-plan needs.
     */
    public Settlement settle(UUID eventId, AdlLegSettled leg, boolean resolved, Optional<SentAdlRequest> sent, FundBook book,
                             AdlSide opposite, Set<String> excluded, Instant now) {
        if (!resolved) {
            throw new ContractViolation("adl.settlements", "payload.shortfallId",
                    ContractViolation.Reason.REJECTED_BY_CONSUMER, "the fund never resolved shortfall "
                            + leg.shortfallId() + ": ADL request " + leg.requestId() + " is not one it sent");
        }
        SentAdlRequest request = sent.orElseThrow(() -> new ContractViolation("adl.settlements", "payload.requestId",
                ContractViolation.Reason.REJECTED_BY_CONSUMER, "ADL request " + leg.requestId()
                        + " is not one the fund sent (for shortfall " + leg.shortfallId() + ")"));
        request.differenceFrom(leg).ifPresent(difference -> {
            throw new ContractViolation("adl.settlements", "payload.requestId", ContractViolation.Reason.REJECTED_BY_CONSUMER,
                    "ADL request " + leg.requestId() + " was not sent as answered: the answer names " + difference);
        });
        PositionSide side = leg.bankruptSide() == Side.SELL ? PositionSide.LONG : PositionSide.SHORT;
        List<LedgerTransaction> ledger = new ArrayList<>();
        List<EventEnvelope<?>> events = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        if (leg.applied().signum() > 0) {
            ledger.add(book.deleveraged(eventId, leg.bankruptAccountId(), leg.accountId(), leg.symbol(), side,
                    leg.applied(), leg.price()));
        }
        List<WaterfallResult.AdlMatch> replanned = List.of();
        BigDecimal forced = BigDecimal.ZERO;
        BigDecimal refused = leg.refused();
        if (refused.signum() > 0) {
            steps.add("refused: " + leg.accountId() + " held " + plain(leg.applied()) + " of the " + plain(leg.requested())
                    + " asked; " + plain(refused) + " planned again");
            Shortfall remainder = new Shortfall(leg.shortfallId(), leg.bankruptAccountId(), leg.symbol(), side, refused,
                    leg.price(), leg.price(), BigDecimal.ZERO);
            Waterfall.Deleveraged d = waterfall.deleverage(remainder, refused, opposite.without(excluded), steps);
            replanned = d.matches();
            events.addAll(requests(eventId, leg.shortfallId(), leg.bankruptAccountId(), leg.symbol(), side, leg.price(),
                    replanned, now));
            forced = d.rest();
            if (forced.signum() > 0) {
                steps.add("forced takeover: no opposite position left to deleverage; the fund takes the last "
                        + plain(forced));
                ledger.add(book.takeOver(eventId, leg.bankruptAccountId(), leg.symbol(), side, forced, leg.price()));
                events.add(EventEnvelope.causedBy(eventId, "takeover", new PositionTakenOver(leg.shortfallId(),
                        book.group(), leg.bankruptAccountId(), leg.symbol(), side, forced, leg.price()), now, null));
            }
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("rank", leg.rank());
        record.put("accountId", leg.accountId());
        record.put("requested", plain(leg.requested()));
        record.put("applied", plain(leg.applied()));
        record.put("steps", steps);
        return new Settlement(List.copyOf(ledger), List.copyOf(events), replanned, forced, record);
    }

    /** One ADL request per match: margin-service closes what it can and answers with {@code AdlLegSettled}. */
    private static List<EventEnvelope<?>> requests(UUID cause, UUID shortfallId, String bankrupt, String symbol,
                                                   PositionSide bankruptSide, BigDecimal price,
                                                   List<WaterfallResult.AdlMatch> matches, Instant now) {
        Side counterpartySide = bankruptSide.closingSide().opposite();
        List<EventEnvelope<?>> events = new ArrayList<>();
        for (WaterfallResult.AdlMatch m : matches) {
            events.add(EventEnvelope.causedBy(cause, "adl/" + m.accountId(), new PositionAutoDeleveraged(shortfallId,
                    m.accountId(), bankrupt, symbol, counterpartySide, m.quantity(), price, m.rank()), now, null));
        }
        return events;
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
