package io.backstop.insurance.fund;

import static io.backstop.insurance.fund.Conservation.assertBalanced;
import static io.backstop.insurance.fund.Conservation.moved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

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
import io.backstop.insurance.waterfall.AdlRanking;
import io.backstop.insurance.waterfall.AdlSide;
import io.backstop.insurance.waterfall.PlannedQueue;
import io.backstop.insurance.waterfall.SocializedLoss;
import io.backstop.insurance.waterfall.WaterfallPolicy;
import io.backstop.insurance.waterfall.WaterfallResult;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ShortfallDeciderTest {

    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    private static final UUID EVENT = UUID.fromString("00000000-0000-0000-0000-0000000005f1");
    private static final FundTerms NO_GUARANTEE = new FundTerms(List.of("BTCUSDT"), BigDecimal.ONE, null);
    private final ShortfallDecider decider = new ShortfallDecider(new WaterfallPolicy("USDT", AdlRanking.BINANCE, 8, 8));

    private static BigDecimal d(String v) {
        return new BigDecimal(v);
    }

    private static LiquidationShortfallRaised shortfall(PositionSide side, String quantity, String price, String deficit) {
        return new LiquidationShortfallRaised(UUID.fromString("00000000-0000-0000-0000-00000000005f"),
                UUID.fromString("00000000-0000-0000-0000-00000000001d"),
                UUID.fromString("00000000-0000-0000-0000-0000000000ca"), "bankrupt", "BTCUSDT", side, d(quantity),
                d(price), d(price), d(deficit));
    }

    /** A position at {@code mark}, wallet 1,000, margin ratio 0.1: its Binance score is uPnL / 10,000. */
    private static AdlCandidate position(String account, String size, String entry, String mark) {
        BigDecimal upnl = d(size).multiply(d(mark).subtract(d(entry)));
        return new AdlCandidate(account, d(size), d(entry), d(mark), upnl, d("1000"), d("1000").add(upnl), d("0.1"));
    }

    private static FundBook fund(String balance) {
        return new FundBook("majors", "USDT", d(balance), Map.of());
    }

    private static Stream<Object> payloads(ShortfallDecider.Resolution r) {
        return r.events().stream().map(EventEnvelope::payload);
    }

    /** margin's answer to a request: all of it closed ({@code applied} null), or {@code applied}. */
    private static AdlLegSettled settled(EventEnvelope<?> request, String applied) {
        PositionAutoDeleveraged r = (PositionAutoDeleveraged) request.payload();
        return new AdlLegSettled(r.shortfallId(), request.eventId(), r.counterpartyAccountId(), r.accountId(),
                r.symbol(), r.side().opposite(), r.quantity(), applied == null ? r.quantity() : d(applied), r.price(),
                r.rank());
    }

    private static BigDecimal sum(Stream<BigDecimal> values) {
        return values.reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Test
    void aShortfallTheFundCoversReadsNeitherTheAdlQueueNorTheSocializationBase() {
        // the shell reads a side of the queue (~840,000 positions of BTCUSDT at 1.6M accounts) only when it is read
        List<AdlCandidate> queue = new java.util.AbstractList<>() {
            @Override
            public AdlCandidate get(int index) {
                throw new AssertionError("the ADL queue was read");
            }

            @Override
            public int size() {
                throw new AssertionError("the ADL queue was read");
            }
        };
        Map<String, BigDecimal> base = new java.util.AbstractMap<>() {
            @Override
            public java.util.Set<Entry<String, BigDecimal>> entrySet() {
                throw new AssertionError("the socialization base was read");
            }
        };

        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "2", "650", "100"),
                fund("6500"), NO_GUARANTEE, Map.of("BTCUSDT", d("650")), d("650"), d("0"), queue, base, T0);

        assertThat(r.result().takenOver()).isEqualByComparingTo("2");
        assertThat(r.result().deficitFromFund()).isEqualByComparingTo("100");
        assertBalanced(r.ledger());
    }

    @Test
    void theFundTakesWhatItsCapacityAllowsAndTheRestIsDeleveragedInQueueOrderConservingEveryContract() {
        // a short of 20 bankrupt at 650; the fund's 6,500 take 10; the longs score 0.02 (L1), 0.12 (L2), 0.01 (L3)
        FundBook book = fund("6500");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"), position("L3", "10", "640", "650"),
                position("L2", "8", "500", "650"));

        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "20", "650", "0"), book,
                NO_GUARANTEE, Map.of("BTCUSDT", d("650")), d("650"), d("0"), longs, Map.of(), T0);

        assertThat(r.result().takenOver()).isEqualByComparingTo("10");
        assertThat(payloads(r)).hasSize(3).first().isEqualTo(new PositionTakenOver(
                shortfall(PositionSide.SHORT, "20", "650", "0").shortfallId(), "majors", "bankrupt", "BTCUSDT",
                PositionSide.SHORT, d("10.00000000"), d("650")));
        List<PositionAutoDeleveraged> adl = payloads(r).filter(PositionAutoDeleveraged.class::isInstance)
                .map(PositionAutoDeleveraged.class::cast).toList();
        // requests to margin-service, the owner of the positions: one per counterparty, against the bankrupt account
        assertThat(adl).extracting(PositionAutoDeleveraged::accountId, PositionAutoDeleveraged::counterpartyAccountId,
                        PositionAutoDeleveraged::side, PositionAutoDeleveraged::rank)
                .containsExactly(tuple("L2", "bankrupt", Side.SELL, 1), tuple("L1", "bankrupt", Side.SELL, 2));
        assertThat(adl).extracting(PositionAutoDeleveraged::quantity).usingElementComparator(BigDecimal::compareTo)
                .containsExactly(d("8"), d("2"));
        assertThat(adl).extracting(PositionAutoDeleveraged::price).usingElementComparator(BigDecimal::compareTo)
                .containsOnly(d("650"));

        // the ledger books the takeover now; the ADL as margin settles it
        assertBalanced(r.ledger());
        assertThat(moved(r.ledger(), "account:bankrupt", "BTCUSDT")).isEqualByComparingTo("10");
        assertThat(moved(r.ledger(), "fund:majors", "BTCUSDT")).isEqualByComparingTo("-10");
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("-10");
        assertThat(book.balance()).isEqualByComparingTo("6500");

        // margin closes both in full: the bankrupt short of 20 is closed, L2 and L1 gave up 8 and 2 of their longs
        List<LedgerTransaction> all = new ArrayList<>(r.ledger());
        for (EventEnvelope<?> request : r.events().subList(1, 3)) {
            ShortfallDecider.Settlement s = decider.settle(UUID.randomUUID(), settled(request, null), true, SentAdlRequest.of(request), book, longs,
                    Set.of(), T0);
            assertThat(s.events()).as("nothing to re-plan").isEmpty();
            all.addAll(s.ledger());
        }
        assertBalanced(all);
        assertThat(moved(all, "account:bankrupt", "BTCUSDT")).isEqualByComparingTo("20");
        assertThat(moved(all, "account:L2", "BTCUSDT")).isEqualByComparingTo("-8");
        assertThat(moved(all, "account:L1", "BTCUSDT")).isEqualByComparingTo("-2");
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("-10");

        assertThat(r.decision()).containsEntry("ranking", "BINANCE").containsEntry("takenOver", "10");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> decided = (List<Map<String, Object>>) r.decision().get("adl");
        assertThat(decided).extracting(a -> a.get("accountId"), a -> a.get("rank"), a -> a.get("quantity"))
                .containsExactly(tuple("L2", 1, "8"),
                        tuple("L1", 2, "2"));
    }

    @Test
    void theSameShortfallDecidedAgainEmitsTheSameEventIds() {
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"), position("L2", "8", "500", "650"));
        LiquidationShortfallRaised raised = shortfall(PositionSide.SHORT, "20", "650", "0");

        ShortfallDecider.Resolution first = decider.resolve(EVENT, raised, fund("6500"), NO_GUARANTEE, Map.of(), d("650"),
                d("0"), longs, Map.of(), T0);
        ShortfallDecider.Resolution again = decider.resolve(EVENT, raised, fund("6500"), NO_GUARANTEE, Map.of(), d("650"),
                d("0"), longs, Map.of(), T0);

        assertThat(again.events()).extracting(EventEnvelope::eventId)
                .containsExactlyElementsOf(first.events().stream().map(EventEnvelope::eventId).toList());
        assertThat(again.ledger()).isEqualTo(first.ledger());
    }

    @Test
    void aDeficitIsPaidByTheFundsMoneyThenSocializedOverTheProfitableAccountsToTheLastUnit() {
        // a long of 1 bankrupt at 100 owing 50; the fund's 30 take 0.3, the one short (0.5) is deleveraged, the fund
        // is forced to take the last 0.2; the fund pays 30 of the deficit, 20 is socialized 1:3
        FundBook book = fund("30");
        Map<String, BigDecimal> base = new LinkedHashMap<>();
        base.put("S1", d("10"));
        base.put("P2", d("30"));

        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.LONG, "1", "100", "50"), book,
                NO_GUARANTEE, Map.of("BTCUSDT", d("100")), d("100"), d("0"),
                List.of(position("S1", "-0.5", "120", "100")), base, T0);

        assertThat(r.result().takenOver()).isEqualByComparingTo("0.3");
        assertThat(r.result().forcedTakeover()).isEqualByComparingTo("0.2");
        DeficitCovered covered = payloads(r).filter(DeficitCovered.class::isInstance).map(DeficitCovered.class::cast)
                .findFirst().orElseThrow();
        assertThat(covered.amount()).isEqualByComparingTo("50");
        assertThat(covered.byFund()).isEqualByComparingTo("30");
        assertThat(covered.bySocializedLoss()).isEqualByComparingTo("20");
        List<LossSocialized> losses = payloads(r).filter(LossSocialized.class::isInstance)
                .map(LossSocialized.class::cast).toList();
        assertThat(losses).extracting(LossSocialized::accountId).containsExactly("S1", "P2");
        assertThat(sum(losses.stream().map(LossSocialized::amount))).isEqualByComparingTo(covered.bySocializedLoss());

        // money: what the fund and the profitable accounts paid is what the bankrupt account received, exactly
        assertBalanced(r.ledger());
        assertThat(moved(r.ledger(), "account:bankrupt", "USDT")).isEqualByComparingTo("50");
        assertThat(moved(r.ledger(), "fund:majors", "USDT")).isEqualByComparingTo("-30");
        assertThat(moved(r.ledger(), "account:S1", "USDT")).isEqualByComparingTo("-5");
        assertThat(moved(r.ledger(), "account:P2", "USDT")).isEqualByComparingTo("-15");
        assertThat(book.balance()).isEqualByComparingTo("0");
        // contracts: the bankrupt long of 1 went to the fund (0.5) and, once margin settles it, S1's short (0.5)
        List<LedgerTransaction> all = new ArrayList<>(r.ledger());
        EventEnvelope<?> request = r.events().stream().filter(e -> e.payload() instanceof PositionAutoDeleveraged)
                .findFirst().orElseThrow();
        all.addAll(decider.settle(UUID.randomUUID(), settled(request, null), true, SentAdlRequest.of(request), book, List.of(),
                Set.of(), T0)
                .ledger());
        assertBalanced(all);
        assertThat(moved(all, "account:bankrupt", "BTCUSDT")).isEqualByComparingTo("-1");
        assertThat(moved(all, "fund:majors", "BTCUSDT")).isEqualByComparingTo("0.5");
        assertThat(moved(all, "account:S1", "BTCUSDT")).isEqualByComparingTo("0.5");
        assertThat(r.decision()).containsEntry("socializedRule", SocializedLoss.RULE);
    }

    @Test
    void whileTheGuaranteeHoldsTheOperatorCoversWhatTheFundCannotAndNobodyIsDeleveraged() {
        FundTerms guaranteed = new FundTerms(List.of("BTCUSDT"), BigDecimal.ONE, d("1000000"));
        assertThat(guaranteed.guaranteeHolds(d("1000000"))).isTrue();
        assertThat(guaranteed.guaranteeHolds(d("1000000.01"))).isFalse();
        FundBook book = fund("0");

        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.LONG, "2", "100", "10"), book,
                guaranteed, Map.of(), d("100"), d("500000"), List.of(position("S1", "-1", "120", "100")), Map.of(), T0);

        // the injection lets the fund's capacity take all 2 at mark 100; the fund's money then pays the deficit
        assertThat(r.result().injection()).isEqualByComparingTo("200");
        assertThat(payloads(r)).extracting(p -> p.getClass().getSimpleName())
                .containsExactly("PositionTakenOver", "DeficitCovered");
        assertBalanced(r.ledger());
        assertThat(moved(r.ledger(), "operator", "USDT")).isEqualByComparingTo("-200");
        assertThat(moved(r.ledger(), "account:bankrupt", "USDT")).isEqualByComparingTo("10");
        assertThat(moved(r.ledger(), "fund:majors", "USDT")).isEqualByComparingTo("190");
        assertThat(book.balance()).isEqualByComparingTo("190");
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("2");
    }

    @Test
    void aLegMarginRefusedIsPlannedAgainAgainstTheRestOfTheQueueAndNeverAsksTheSameAccountAgain() {
        // a short of 10 bankrupt at 650, no fund capacity; the fund's view: L2 8 (rank 1), L1 4 (rank 2), L3 10 (rank 3)
        FundBook book = fund("0");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"), position("L3", "10", "640", "650"),
                position("L2", "8", "500", "650"));
        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "10", "650", "0"), book,
                NO_GUARANTEE, Map.of(), d("650"), d("0"), longs, Map.of(), T0);
        assertThat(payloads(r)).extracting(p -> ((PositionAutoDeleveraged) p).accountId()).containsExactly("L2", "L1");

        // L2 sold 5 meanwhile: margin closes 3 of the 8 asked. The 5 refused are planned without L2, in queue order:
        // L1 for 4 (its request for 2 is settled on its own: whatever L1 lacks, margin refuses and it is planned
        // again), then L3 for 1
        UUID answer = UUID.fromString("00000000-0000-0000-0000-00000000a001");
        ShortfallDecider.Settlement s = decider.settle(answer, settled(r.events().get(0), "3"), true,
                SentAdlRequest.of(r.events().get(0)), book, longs,
                Set.of("L2", "bankrupt"), T0);

        assertThat(s.replanned()).extracting(m -> m.accountId(), m -> m.quantity().stripTrailingZeros().toPlainString())
                .containsExactly(tuple("L1", "4"), tuple("L3", "1"));
        assertThat(s.events()).allSatisfy(e -> {
            assertThat(e.causationId()).isEqualTo(answer);
            assertThat(((PositionAutoDeleveraged) e.payload()).counterpartyAccountId()).isEqualTo("bankrupt");
        });
        assertThat(s.forced()).isZero();
        assertThat(s.record()).containsEntry("accountId", "L2").containsEntry("requested", "8")
                .containsEntry("applied", "3");
        assertBalanced(s.ledger());
        assertThat(moved(s.ledger(), "account:L2", "BTCUSDT")).as("what margin closed").isEqualByComparingTo("-3");
        assertThat(moved(s.ledger(), "account:bankrupt", "BTCUSDT")).isEqualByComparingTo("3");

        // the same answer settled again decides the same (ids derive from it)
        ShortfallDecider.Settlement again = decider.settle(answer, settled(r.events().get(0), "3"), true,
                SentAdlRequest.of(r.events().get(0)), fund("0"),
                longs, Set.of("L2", "bankrupt"), T0);
        assertThat(again.events()).extracting(EventEnvelope::eventId)
                .containsExactlyElementsOf(s.events().stream().map(EventEnvelope::eventId).toList());
    }

    @Test
    void whatNoOneInTheQueueCanTakeTheFundTakesOverConservingEveryContract() {
        FundBook book = fund("0");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"));
        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "4", "650", "0"), book,
                NO_GUARANTEE, Map.of(), d("650"), d("0"), longs, Map.of(), T0);

        // L1 is gone: margin closes nothing; nobody else is on the long side
        ShortfallDecider.Settlement s = decider.settle(UUID.randomUUID(), settled(r.events().get(0), "0"), true,
                SentAdlRequest.of(r.events().get(0)), book,
                longs, Set.of("L1", "bankrupt"), T0);

        assertThat(s.replanned()).isEmpty();
        assertThat(s.forced()).isEqualByComparingTo("4");
        assertThat(s.events()).singleElement().satisfies(e -> assertThat(e.payload()).isEqualTo(new PositionTakenOver(
                shortfall(PositionSide.SHORT, "4", "650", "0").shortfallId(), "majors", "bankrupt", "BTCUSDT",
                PositionSide.SHORT, d("4"), d("650"))));
        List<LedgerTransaction> all = new ArrayList<>(r.ledger());
        all.addAll(s.ledger());
        assertBalanced(all);
        assertThat(moved(all, "account:bankrupt", "BTCUSDT")).as("closed exactly once").isEqualByComparingTo("4");
        assertThat(moved(all, "account:L1", "BTCUSDT")).isZero();
        assertThat(book.inventory("BTCUSDT").size()).isEqualByComparingTo("-4");
    }

    @Test
    void anAnswerForAShortfallTheFundNeverResolvedIsRefusedBeforeAnythingIsBookedOrPlannedAgain() {
        FundBook book = fund("6500");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"));
        // an answer the fund's own request would have had, closing 1 of 4 and refusing 3, but for no shortfall it holds
        AdlLegSettled unknown = new AdlLegSettled(UUID.fromString("00000000-0000-0000-0000-0000000000ff"),
                UUID.fromString("00000000-0000-0000-0000-0000000000fe"), "bankrupt", "L9", "BTCUSDT", Side.BUY, d("4"),
                d("1"), d("650"), 1);

        assertThatThrownBy(() -> decider.settle(EVENT, unknown, false, Optional.empty(), book, longs,
                Set.of("L9", "bankrupt"), T0))
                .isInstanceOfSatisfying(ContractViolation.class, refused("payload.shortfallId", "ADL request"));
        assertThat(book.balance()).isEqualByComparingTo("6500");
        assertThat(book.inventory()).isEmpty();

        ShortfallDecider.Settlement known = decider.settle(EVENT, unknown, true, Optional.of(sentAs(unknown)), book,
                longs, Set.of("L9", "bankrupt"), T0);
        assertThat(known.ledger()).as("the same answer, for a shortfall the fund resolved, is booked").isNotEmpty();
        assertBalanced(known.ledger());
    }

    /** An ADL answer dead-lettered as refused by the fund, naming {@code field}, its detail saying {@code saying}. */
    private static Consumer<ContractViolation> refused(String field, String saying) {
        return e -> {
            assertThat(e.topic()).isEqualTo("adl.settlements");
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.reason()).isEqualTo(ContractViolation.Reason.REJECTED_BY_CONSUMER);
            assertThat(e.getMessage()).contains(saying);
        };
    }

    /** The request {@code answer} answers, as the fund would have sent it. */
    private static SentAdlRequest sentAs(AdlLegSettled answer) {
        return new SentAdlRequest(answer.requestId(), answer.shortfallId(), answer.accountId(),
                answer.bankruptAccountId(), answer.symbol(), answer.bankruptSide(), answer.requested(), answer.price());
    }

    @Test
    void anAnswerToARequestTheFundNeverSentIsRefusedUnderAShortfallItDidResolve() {
        FundBook book = fund("0");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"));
        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "4", "650", "0"), book,
                NO_GUARANTEE, Map.of(), d("650"), d("0"), longs, Map.of(), T0);
        BigDecimal balance = book.balance();
        // a well-formed answer for the real shortfall, naming a request id the fund never used
        AdlLegSettled forged = new AdlLegSettled(shortfall(PositionSide.SHORT, "4", "650", "0").shortfallId(),
                UUID.fromString("00000000-0000-0000-0000-0000000000fd"), "bankrupt", "L1", "BTCUSDT", Side.BUY, d("4"),
                d("4"), d("650"), 1);

        assertThatThrownBy(() -> decider.settle(EVENT, forged, true, Optional.empty(), book, longs,
                Set.of("L1", "bankrupt"), T0))
                .isInstanceOfSatisfying(ContractViolation.class, refused("payload.requestId", "is not one the fund sent"));
        assertThat(book.balance()).isEqualByComparingTo(balance);
        assertThat(r.events()).as("the fund's own request, which an answer may settle")
                .anySatisfy(e -> assertThat(e.payload()).isInstanceOf(PositionAutoDeleveraged.class));
    }

    @Test
    void anAnswerThatChangesWhatTheFundAskedIsRefusedNamingTheDifference() {
        FundBook book = fund("0");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"), position("L2", "8", "500", "650"));
        ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "4", "650", "0"), book,
                NO_GUARANTEE, Map.of(), d("650"), d("0"), longs, Map.of(), T0);
        EventEnvelope<?> request = r.events().stream().filter(e -> e.payload() instanceof PositionAutoDeleveraged)
                .findFirst().orElseThrow();
        AdlLegSettled honest = settled(request, null);
        Map<String, AdlLegSettled> changed = new LinkedHashMap<>();
        changed.put("account", new AdlLegSettled(honest.shortfallId(), honest.requestId(), honest.bankruptAccountId(),
                "L9", honest.symbol(), honest.bankruptSide(), honest.requested(), honest.applied(), honest.price(),
                honest.rank()));
        changed.put("requested", new AdlLegSettled(honest.shortfallId(), honest.requestId(), honest.bankruptAccountId(),
                honest.accountId(), honest.symbol(), honest.bankruptSide(), honest.requested().add(BigDecimal.ONE),
                honest.applied(), honest.price(), honest.rank()));
        changed.put("price", new AdlLegSettled(honest.shortfallId(), honest.requestId(), honest.bankruptAccountId(),
                honest.accountId(), honest.symbol(), honest.bankruptSide(), honest.requested(), honest.applied(),
                d("1"), honest.rank()));
        changed.put("bankrupt side", new AdlLegSettled(honest.shortfallId(), honest.requestId(),
                honest.bankruptAccountId(), honest.accountId(), honest.symbol(), honest.bankruptSide().opposite(),
                honest.requested(), honest.applied(), honest.price(), honest.rank()));

        changed.forEach((what, answer) -> assertThatThrownBy(() -> decider.settle(EVENT, answer, true,
                SentAdlRequest.of(request), book, longs, Set.of(), T0))
                .as(what).isInstanceOfSatisfying(ContractViolation.class,
                        refused("payload.requestId", "the answer names " + what)));
        assertThat(decider.settle(EVENT, honest, true, SentAdlRequest.of(request), book, longs, Set.of(), T0).ledger())
                .as("the answer as asked is booked").isNotEmpty();
    }

    @Test
    void theShortfallsOfOneDecisionWalkOneReadingOfTheQueueEachAskingWhatTheOnesBeforeLeft() {
        // three shorts of 6 bankrupt at 650 with an empty fund: everything goes to ADL against longs scoring 0.12 (L2,
        // 8), 0.02 (L1, 4) and 0.01 (L3, 10); one transaction decides them all against one reading of the side
        FundBook book = fund("0");
        int[] reads = {0};
        AdlSide source = AdlSide.of(() -> {
            reads[0]++;
            return List.of(position("L1", "4", "600", "650"), position("L3", "10", "640", "650"),
                    position("L2", "8", "500", "650"));
        }, AdlRanking.BINANCE);
        PlannedQueue queue = new PlannedQueue();
        List<ShortfallDecider.Resolution> decided = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ShortfallDecider.Resolution r = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "6", "650", "0"), book,
                    NO_GUARANTEE, Map.of("BTCUSDT", d("650")), d("650"), d("0"),
                    queue.side("BTCUSDT", true, d("650"), () -> source), Map.of(), T0);
            queue.asked("BTCUSDT", r.result().adl());
            decided.add(r);
        }

        assertThat(decided.get(0).result().adl()).extracting(WaterfallResult.AdlMatch::accountId,
                WaterfallResult.AdlMatch::rank, m -> m.quantity().stripTrailingZeros().toPlainString())
                .containsExactly(tuple("L2", 1, "6"));
        assertThat(decided.get(1).result().adl()).extracting(WaterfallResult.AdlMatch::accountId,
                WaterfallResult.AdlMatch::rank, m -> m.quantity().stripTrailingZeros().toPlainString())
                .as("L2 has 2 left, then L1").containsExactly(tuple("L2", 1, "2"), tuple("L1", 2, "4"));
        assertThat(decided.get(1).result().steps()).anyMatch(step -> step.startsWith("adl: rank 1 L2")
                && step.contains("position 8, 6 of it asked already, not yet answered")
                && step.endsWith("closes 2 at 650"));
        assertThat(decided.get(2).result().adl()).extracting(WaterfallResult.AdlMatch::accountId,
                WaterfallResult.AdlMatch::rank, m -> m.quantity().stripTrailingZeros().toPlainString())
                .as("L2 and L1 asked in full: L3 is first").containsExactly(tuple("L3", 1, "6"));
        assertThat(reads[0]).as("the side is read once for the three").isEqualTo(1);
        assertThat(queue.reads()).isEqualTo(1);

        // never more asked of a position than it holds, and the remainder matched in full each time
        Map<String, BigDecimal> asked = new LinkedHashMap<>();
        decided.forEach(r -> r.result().adl().forEach(m -> asked.merge(m.accountId(), m.quantity(), BigDecimal::add)));
        assertThat(asked).containsOnlyKeys("L1", "L2", "L3");
        assertThat(asked.get("L2")).isEqualByComparingTo("8");
        assertThat(asked.get("L1")).isEqualByComparingTo("4");
        assertThat(asked.get("L3")).isEqualByComparingTo("6");
        decided.forEach(r -> {
            assertThat(r.result().adlQuantity()).isEqualByComparingTo("6");
            assertThat(r.result().forcedTakeover()).isZero();
            assertBalanced(r.ledger());
        });
        assertThat(decided.stream().flatMap(r -> r.events().stream()).map(EventEnvelope::payload)
                .filter(PositionAutoDeleveraged.class::isInstance).map(PositionAutoDeleveraged.class::cast)
                .map(PositionAutoDeleveraged::quantity)).hasSize(4);
    }

    @Test
    void aRefusedLegPlannedAgainInTheSameDecisionPassesOverWhatItsEarlierLegsAsked() {
        // the decision first resolves a short of 8 (all of L2), then settles a leg L1 refused in part: the re-plan may
        // not ask L2 again, and goes to L3
        FundBook book = fund("0");
        List<AdlCandidate> longs = List.of(position("L1", "4", "600", "650"), position("L3", "10", "640", "650"),
                position("L2", "8", "500", "650"));
        PlannedQueue queue = new PlannedQueue();
        ShortfallDecider.Resolution first = decider.resolve(EVENT, shortfall(PositionSide.SHORT, "8", "650", "0"), book,
                NO_GUARANTEE, Map.of("BTCUSDT", d("650")), d("650"), d("0"),
                queue.side("BTCUSDT", true, d("650"), () -> AdlSide.of(() -> longs, AdlRanking.BINANCE)), Map.of(), T0);
        queue.asked("BTCUSDT", first.result().adl());
        assertThat(first.result().adl()).extracting(WaterfallResult.AdlMatch::accountId).containsExactly("L2");

        EventEnvelope<?> request = EventEnvelope.causedBy(UUID.randomUUID(), "adl/L1", new PositionAutoDeleveraged(
                UUID.fromString("00000000-0000-0000-0000-0000000000f2"), "L1", "other", "BTCUSDT", Side.SELL, d("3"),
                d("650"), 2), T0, null);
        ShortfallDecider.Settlement s = decider.settle(UUID.randomUUID(), settled(request, "1"), true,
                SentAdlRequest.of(request), book,
                queue.side("BTCUSDT", true, d("650"), () -> AdlSide.of(() -> longs, AdlRanking.BINANCE)), Set.of("L1"), T0);

        assertThat(s.replanned()).extracting(WaterfallResult.AdlMatch::accountId,
                m -> m.quantity().stripTrailingZeros().toPlainString()).containsExactly(tuple("L3", "2"));
        assertThat(queue.reads()).isEqualTo(1);
        assertBalanced(Stream.concat(first.ledger().stream(), s.ledger().stream()).toList());
        assertThat(moved(s.ledger(), "account:L1", "BTCUSDT")).as("the long L1 closed 1").isEqualByComparingTo("-1");
    }
}
