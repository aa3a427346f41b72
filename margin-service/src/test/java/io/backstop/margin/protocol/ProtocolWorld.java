package io.backstop.margin.protocol;

import io.backstop.events.MarginMode;
import io.backstop.events.Side;
import io.backstop.events.liquidation.ShortfallHandedOver;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import io.backstop.margin.risk.MarginEngine;
import io.backstop.margin.risk.MarginReview;
import io.backstop.margin.account.Position;
import io.backstop.margin.account.ScopeStanding;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.risk.TestSpecs;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A small world in which the liquidation protocol runs: margin-service is the real decider ({@link Account} and
 * {@link MarginEngine}, driven the way its engine drives them), the other services are actors written here, and
 * every topic is a log the test's scheduler delivers from in any order it likes (within a topic, in order).
 *
 * <p>What each part is:
 * <ul>
 *   <li><b>Topics</b>: append-only logs. A consumer's subscription has a read position (memory) and a committed
 *   offset (Kafka); a restart goes back to the committed offset, so everything read since is delivered again.</li>
 *   <li><b>Services</b>: each applies one record (or one timer step) in one transaction with its inbox (the
 *   eventIds applied) and its outbox (ADR 2): state, inbox and outbox are never lost by a restart, only the read
 *   positions and what a service holds in memory alone. The relay publishes the outbox in order; a relay that
 *   crashes after publishing and before deleting publishes the same records again (duplicates, same ids).</li>
 *   <li><b>margin</b>: two accounts, a long "trader" (10 BTC at 60,000 on 10,000 USDT: called near 59,290) and a
 *   rich short "counter" (the ADL counterparty, 5 BTC; the market sold trader the other 5). It applies each event
 *   as {@code AccountEngine.applyPayload} does — a liquidation fill, takeover or ADL as a trade, then
 *   {@code endLiquidation}, {@code shortfallClosed}, {@code deficitCovered} — and reviews the account after each; every price reviews both accounts. Its price
 *   book is memory only: a restart re-reads the prices from the committed offset, and at least the latest one
 *   (the price listener starts a little in the past). Since the engine commits every batch before it acknowledges
 *   anything, the accounts survive a restart unchanged: a restart of margin is the redelivery of everything read
 *   since the last committed offset, and the loss of its prices.</li>
 *   <li><b>liquidation</b>: one liquidation per call, on its own copy of the call's position and collateral; a call
 *   for a scope with a liquidation QUEUED or ACTIVE is SKIPPED_IN_PROGRESS. A round (a timer step) ends it in
 *   SHORTFALL when its copy's equity is negative or after {@link #MAX_ROUNDS} rounds, CANCELLED_RECOVERED (round 0)
 *   or COMPLETED (later) when its equity is at least {@link #RECOVERY} of the notional, and otherwise places one IOC
 *   order for half or all of what is left (the last round: all). Each execution emits the fill and the fee; a final
 *   status emits LiquidationEnded after the fills, with the shortfall it handed over.</li>
 *   <li><b>exchange</b>: executes an IOC order fully, half or not at all at the latest price; the market that
 *   takes the other side is booked here.</li>
 *   <li><b>fund</b>: for a shortfall, takes over up to {@link #TAKEOVER_CAPACITY}, auto-deleverages the rest against
 *   "counter" (a request margin settles: margin closes what counter still holds, then the bankrupt side by as much; the
 *   fund plans from a view of counter it never updates, and takes over what counter refused), covers the deficit from its money and socializes what that lacks on "counter". Liquidation
 *   fees are its income.</li>
 * </ul>
 *
 * <p>The liquidation-service here has none of the corrections issue 14 removes ({@code lastLiquidationTradeId},
 * {@code lastWaterfallEventId}, the waterfall wait): the lease alone must keep the protocol right. With
 * {@code lease = false} margin-service forgets every open call before it reviews an account, so a scope below
 * maintenance is called at every review, whatever is in flight (liquidation-service still skips a call while its
 * own liquidation of the scope runs).
 *
 * <p>Not modelled: isolated scopes, other symbols and collateral assets (one cross scope per account, BTCUSDT, USDT);
 * the liquidation's slices, bankruptcy-price limits and fee cap (it fills at the oracle's latest price); the ADL
 * ranking (one counterparty) and the positions snapshots it ranks by; the fund's unwinding of what it took over;
 * partitions moving between margin instances, and batches that fail to commit (margin's accounts are not rebuilt from
 * storage: they commit with every record here, so a restart cannot roll them back). Margin reviews every account on
 * every price, where the engine reviews the accounts its screen flags. Only "trader" is ever near maintenance.
 */
final class ProtocolWorld {

    static final String TRADER = "trader";
    static final String COUNTER = "counter";
    static final String SYMBOL = "BTCUSDT";
    static final String USDT = "USDT";
    static final int MAX_ROUNDS = 3;
    /**
     * A liquidation stops once its copy's equity is this share of the notional: above margin's maintenance rate at
     * every notional here (the BTC brackets' maintenance is at most 0.51% of a notional below 3M), so a scope it
     * leaves is not called again at the same price.
     */
    static final BigDecimal RECOVERY = new BigDecimal("0.006");
    /** Liquidation fee: this share of each fill's notional, paid to the fund. */
    static final BigDecimal FEE_RATE = new BigDecimal("0.0005");
    /** Base units the fund takes over of one shortfall; the rest goes to ADL. */
    static final BigDecimal TAKEOVER_CAPACITY = new BigDecimal("4");
    /** counter's short: less than the fund believes (10), so a large enough ADL request is partly refused. */
    static final BigDecimal COUNTER_SHORT = new BigDecimal("5");
    static final BigDecimal FLOOR = new BigDecimal("56000");
    static final BigDecimal CEILING = new BigDecimal("62000");
    private static final BigDecimal TWO = new BigDecimal("2");

    // ----- the messages (the model's own records of the events the topics table names)

    sealed interface Message permits Price, CallIssued, OrderPlaced, OrderExecuted, PositionLiquidated,
            LiquidationEnded, ShortfallRaised, FeeCollected, TakenOver, AdlRequested, AdlSettled, DeficitCovered,
            LossSocialized {
    }

    record Price(BigDecimal price, PriceStatus status, long sequence) implements Message {
    }

    /** A margin call: the scope's position (signed size, entry) and its collateral value, as margin saw them. */
    record CallIssued(UUID callId, String accountId, String scope, BigDecimal size, BigDecimal entry,
                      BigDecimal collateral) implements Message {
    }

    record OrderPlaced(UUID orderId, UUID callId, Side side, BigDecimal quantity) implements Message {
    }

    record OrderExecuted(UUID orderId, UUID callId, BigDecimal quantity, BigDecimal price) implements Message {
    }

    record PositionLiquidated(String accountId, UUID callId, UUID tradeId, Side side, BigDecimal quantity,
                              BigDecimal price, BigDecimal fee) implements Message {
    }

    record LiquidationEnded(String accountId, String scope, UUID callId, String outcome,
                            List<ShortfallHandedOver> shortfalls) implements Message {
    }

    record ShortfallRaised(UUID shortfallId, String accountId, BigDecimal size, BigDecimal price, BigDecimal deficit)
            implements Message {
    }

    record FeeCollected(BigDecimal fee) implements Message {
    }

    record TakenOver(String accountId, UUID shortfallId, Side closingSide, BigDecimal quantity, BigDecimal price)
            implements Message {
    }

    /** The fund asks margin to close up to {@code quantity} of the ranked account's position. */
    record AdlRequested(String accountId, String bankruptId, UUID shortfallId, Side side, BigDecimal quantity,
                        BigDecimal price) implements Message {
    }

    /** margin's answer: what it closed on the ranked account; it closes the bankrupt side by as much. */
    record AdlSettled(String bankruptId, String accountId, UUID shortfallId, Side bankruptSide, BigDecimal requested,
                      BigDecimal applied, BigDecimal price) implements Message {
    }

    record DeficitCovered(String accountId, UUID shortfallId, BigDecimal amount) implements Message {
    }

    record LossSocialized(String accountId, BigDecimal amount) implements Message {
    }

    record Envelope(UUID id, Message message) {
    }

    // ----- topics, subscriptions, services

    static final class Topic {
        final String name;
        final List<Envelope> log = new ArrayList<>();

        Topic(String name) {
            this.name = name;
        }
    }

    static final class Subscription {
        final Topic topic;
        int read;
        int committed;

        Subscription(Topic topic) {
            this.topic = topic;
        }

        boolean pending() {
            return read < topic.log.size();
        }
    }

    private record Outgoing(Topic topic, Envelope envelope) {
    }

    /** A service: what it applied (inbox) and emitted (outbox) commit with its state, one record at a time. */
    abstract class Service {
        final String name;
        final List<Subscription> subscriptions = new ArrayList<>();
        final Set<UUID> inbox = new HashSet<>();
        final List<Outgoing> outbox = new ArrayList<>();

        Service(String name, Topic... topics) {
            this.name = name;
            for (Topic t : topics) {
                subscriptions.add(new Subscription(t));
            }
        }

        /** Applies the next record in one transaction, or drops it as a redelivery; {@code variant}: the choice. */
        final void deliver(Subscription s, int variant) {
            Envelope envelope = s.topic.log.get(s.read++);
            if (!inbox.add(envelope.id())) {
                trace.add(name + " drops the redelivered " + describe(envelope.message()));
                return;
            }
            trace.add(name + " reads " + s.topic.name + ": " + describe(envelope.message()));
            apply(envelope, variant);
        }

        abstract void apply(Envelope envelope, int variant);

        void emit(Topic topic, UUID id, Message message) {
            outbox.add(new Outgoing(topic, new Envelope(id, message)));
        }

        /** Publishes the outbox in order; {@code crash}: the records are out, the rows not deleted (sent again). */
        void relay(boolean crash) {
            for (Outgoing o : outbox) {
                o.topic().log.add(o.envelope());
            }
            trace.add(name + " relays " + outbox.size() + (crash ? " and crashes before deleting them" : ""));
            if (!crash) {
                outbox.clear();
            }
        }

        boolean uncommitted() {
            return subscriptions.stream().anyMatch(s -> s.read > s.committed);
        }

        void commitOffsets() {
            subscriptions.forEach(s -> s.committed = s.read);
            trace.add(name + " commits its offsets");
        }

        void restart() {
            subscriptions.forEach(s -> s.read = s.committed);
            trace.add(name + " restarts");
        }
    }

    // ----- the world

    final boolean lease;
    final List<String> trace = new ArrayList<>();
    /** Positions closed twice, and records margin-service refused (each would be a dead letter). */
    final List<String> violations = new ArrayList<>();

    final Topic prices = new Topic("oracle.prices");
    final Topic calls = new Topic("margin.calls");
    final Topic orders = new Topic("liquidation.orders");
    final Topic executions = new Topic("liquidation.executions");
    final Topic fills = new Topic("liquidation.fills");
    final Topic shortfalls = new Topic("liquidation.shortfalls");
    final Topic contributions = new Topic("insurance.contributions");
    final Topic takeovers = new Topic("insurance.takeovers");
    final Topic adl = new Topic("adl.executions");
    final Topic settlements = new Topic("adl.settlements");
    final Topic losses = new Topic("loss.socialized");

    final Margin margin = new Margin();
    final Liquidation liquidation = new Liquidation();
    final Exchange exchange = new Exchange();
    final Fund fund = new Fund();
    final List<Service> services = List.of(margin, liquidation, exchange, fund);

    /** The oracle's latest price: liquidation, exchange and fund read it from their price boards at once. */
    BigDecimal price = new BigDecimal("59300");
    PriceStatus priceStatus = PriceStatus.OK;
    long priceSequence;
    final BigDecimal moneyAtStart;

    ProtocolWorld(boolean lease) {
        this.lease = lease;
        // the market sold trader what counter did not
        exchange.marketSize = COUNTER_SHORT.subtract(BigDecimal.TEN);
        exchange.marketCost = exchange.marketSize.multiply(new BigDecimal("60000"));
        publishPrice();
        moneyAtStart = money();
    }

    // ----- margin-service: the real decider

    final class Margin extends Service {
        final Map<String, Account> accounts = new LinkedHashMap<>();
        /** Memory only: rebuilt from the price topic after a restart. */
        final Map<String, Quote> quotes = new HashMap<>();
        final PriceBook book = symbol -> Optional.ofNullable(quotes.get(symbol));
        final MarginEngine engine = new MarginEngine(TestSpecs.calculator(), new BigDecimal("0.8"), this::callId);
        /** For the checker: who last closed part of each account's position (a liquidation, or the waterfall). */
        final Map<String, String> lastClosedBy = new HashMap<>();
        private UUID cause;
        private int callsOfCause;

        Margin() {
            super("margin", prices, fills, takeovers, adl, settlements, losses);
            Account trader = open(TRADER, "10000");
            trader.trade(SYMBOL, Side.BUY, BigDecimal.TEN, new BigDecimal("60000"), MarginMode.CROSS, BigDecimal.ZERO,
                    USDT, null);
            Account counter = open(COUNTER, "100000");
            counter.trade(SYMBOL, Side.SELL, COUNTER_SHORT, new BigDecimal("60000"), MarginMode.CROSS,
                    BigDecimal.ZERO, USDT, null);
        }

        private Account open(String id, String deposit) {
            Account account = new Account(id, USDT);
            account.transition(Account.CROSS, io.backstop.margin.account.AccountStatus.HEALTHY, null, false);
            account.deposit(USDT, new BigDecimal(deposit));
            accounts.put(id, account);
            return account;
        }

        /** Call ids derive from the record that caused the review (ADR 3). */
        private UUID callId() {
            return derive(cause, "call-" + callsOfCause++);
        }

        @Override
        void apply(Envelope envelope, int variant) {
            cause = envelope.id();
            callsOfCause = 0;
            Message message = envelope.message();
            if (message instanceof Price p) {
                Quote current = quotes.get(SYMBOL);
                if (current == null || current.sequence() < p.sequence()) {
                    quotes.put(SYMBOL, new Quote(SYMBOL, p.price(), p.price(), p.status(), p.sequence(),
                            Instant.EPOCH));
                }
                accounts.values().forEach(this::review);
            } else if (message instanceof PositionLiquidated f) {
                Account account = accounts.get(f.accountId());
                if (closing(account, f.side(), f.quantity(), "a fill of call " + shortId(f.callId()), false)) {
                    account.trade(SYMBOL, f.side(), f.quantity(), f.price(), MarginMode.CROSS, f.fee(), USDT, null);
                    lastClosedBy.put(account.id(), "the liquidation of call " + shortId(f.callId()));
                    review(account);
                }
            } else if (message instanceof LiquidationEnded e) {
                Account account = accounts.get(e.accountId());
                account.endLiquidation(e.scope(), e.callId(), lease ? e.shortfalls() : List.of());
                review(account);
            } else if (message instanceof TakenOver t) {
                Account account = accounts.get(t.accountId());
                if (closing(account, t.closingSide(), t.quantity(), "the takeover of shortfall "
                        + shortId(t.shortfallId()), false)) {
                    account.trade(SYMBOL, t.closingSide(), t.quantity(), t.price(), MarginMode.CROSS,
                            BigDecimal.ZERO, USDT, null);
                    lastClosedBy.put(account.id(), "the waterfall");
                    account.shortfallClosed(t.shortfallId(), t.quantity());
                    review(account);
                }
            } else if (message instanceof AdlRequested a) {
                // the owner decides: it closes what the position still holds, never opens, grows or flips it
                Account account = accounts.get(a.accountId());
                BigDecimal applied = account.position(SYMBOL).filter(p -> (p.size().signum() > 0) == (a.side() == Side.SELL))
                        .map(p -> p.size().abs().min(a.quantity())).orElse(BigDecimal.ZERO);
                if (applied.signum() > 0) {
                    account.trade(SYMBOL, a.side(), applied, a.price(), MarginMode.CROSS, BigDecimal.ZERO, USDT, null);
                    lastClosedBy.put(account.id(), "the waterfall");
                    review(account);
                }
                emit(settlements, derive(envelope.id(), "settled"), new AdlSettled(a.bankruptId(), a.accountId(),
                        a.shortfallId(), a.side().opposite(), a.quantity(), applied, a.price()));
            } else if (message instanceof AdlSettled a) {
                Account account = accounts.get(a.bankruptId());
                if (a.applied().signum() > 0 && closing(account, a.bankruptSide(), a.applied(),
                        "the ADL bankrupt leg of shortfall " + shortId(a.shortfallId()), true)) {
                    account.trade(SYMBOL, a.bankruptSide(), a.applied(), a.price(), MarginMode.CROSS, BigDecimal.ZERO,
                            USDT, null);
                    lastClosedBy.put(account.id(), "the waterfall");
                    account.shortfallClosed(a.shortfallId(), a.applied());
                    review(account);
                }
            } else if (message instanceof DeficitCovered d) {
                Account account = accounts.get(d.accountId());
                account.deposit(USDT, d.amount());
                account.deficitCovered(d.shortfallId(), d.amount());
                review(account);
            } else if (message instanceof LossSocialized l) {
                Account account = accounts.get(l.accountId());
                account.debit(USDT, l.amount());
                review(account);
            } else {
                throw new IllegalStateException("margin-service does not read " + message);
            }
        }

        /**
         * Whether a closing trade may be applied, as the engine decides: one that finds no position is refused (its
         * ContractViolation, a dead letter: the money of the trade is lost), and so is an ADL that would not only
         * close; a liquidation fill or takeover larger than the position is applied and flips it. Each of these is
         * a position closed twice, and recorded as a violation.
         */
        private boolean closing(Account account, Side side, BigDecimal quantity, String what, boolean onlyCloses) {
            Optional<Position> position = account.position(SYMBOL);
            if (position.isEmpty()) {
                violations.add("closed twice: " + what + " (" + side + " " + quantity.toPlainString() + ") finds "
                        + account.id() + " flat, last closed by " + lastClosedBy.get(account.id())
                        + "; margin-service refuses it");
                return false;
            }
            BigDecimal size = position.get().size();
            boolean reduces = (size.signum() > 0) == (side == Side.SELL);
            if (!reduces || quantity.compareTo(size.abs()) > 0) {
                violations.add("closed twice: " + what + " (" + side + " " + quantity.toPlainString() + ") against "
                        + account.id() + "'s position of " + size.toPlainString() + ", last closed by "
                        + lastClosedBy.get(account.id())
                        + (onlyCloses ? "; margin-service refuses it" : "; margin-service flips the position"));
                return !onlyCloses;
            }
            return true;
        }

        /** The engine's {@code Batch.review}: the account's calls go to the outbox with the change. */
        private void review(Account account) {
            if (!lease) {
                account.scopes().forEach((scope, s) -> {
                    if (s.leased() && !s.awaitingWaterfall()) {
                        // without the lease: the open call no longer keeps the scope from the next one
                        account.endLiquidation(scope, s.openCallId(), List.of());
                    }
                });
            }
            MarginReview review = engine.review(account, book);
            for (MarginReview.Call call : review.calls()) {
                AccountRisk.PositionLine line = call.positions().get(0);
                BigDecimal collateral = call.collateral().stream().map(AccountRisk.CollateralLine::value)
                        .reduce(BigDecimal.ZERO, BigDecimal::add);
                emit(calls, call.callId(), new CallIssued(call.callId(), account.id(), call.scope(), line.size(),
                        line.entryPrice(), collateral));
                trace.add("  margin calls " + account.id() + " (" + line.size().toPlainString() + " BTC, equity "
                        + call.equity().toPlainString() + " < maintenance " + call.maintenanceMargin().toPlainString()
                        + "): call " + shortId(call.callId()));
            }
        }

        @Override
        void restart() {
            super.restart();
            quotes.clear();
            Subscription priceSubscription = subscriptions.get(0);
            priceSubscription.read = Math.min(priceSubscription.read, priceSubscription.topic.log.size() - 1);
        }
    }

    // ----- liquidation-service, as a model

    enum Status { QUEUED, ACTIVE, COMPLETED, CANCELLED_RECOVERED, SKIPPED_IN_PROGRESS, SHORTFALL }

    /** One liquidation on its copy of the call's scope: signed size left, entry, collateral plus what its fills did. */
    static final class Liq {
        final CallIssued call;
        BigDecimal size;
        BigDecimal cash;
        int rounds;
        Status status = Status.QUEUED;
        UUID order;

        Liq(CallIssued call) {
            this.call = call;
            this.size = call.size();
            this.cash = call.collateral();
        }

        BigDecimal equity(BigDecimal price) {
            return cash.add(size.multiply(price.subtract(call.entry())));
        }

        boolean open() {
            return status == Status.QUEUED || status == Status.ACTIVE;
        }
    }

    final class Liquidation extends Service {
        final Map<UUID, Liq> liquidations = new LinkedHashMap<>();

        Liquidation() {
            super("liquidation", calls, executions);
        }

        List<Liq> queued() {
            return liquidations.values().stream().filter(l -> l.status == Status.QUEUED).toList();
        }

        @Override
        void apply(Envelope envelope, int variant) {
            Message message = envelope.message();
            if (message instanceof CallIssued c) {
                Liq l = new Liq(c);
                boolean busy = liquidations.values().stream().anyMatch(o -> o.open()
                        && o.call.accountId().equals(c.accountId()) && o.call.scope().equals(c.scope()));
                liquidations.put(c.callId(), l);
                if (busy || c.size().signum() == 0) {
                    end(l, busy ? Status.SKIPPED_IN_PROGRESS : Status.COMPLETED, List.of());
                }
            } else if (message instanceof OrderExecuted x) {
                Liq l = liquidations.get(x.callId());
                if (l.status != Status.ACTIVE || !x.orderId().equals(l.order)) {
                    throw new IllegalStateException("an execution of an order not open: " + x);
                }
                if (x.quantity().signum() > 0) {
                    Side side = l.size.signum() > 0 ? Side.SELL : Side.BUY;
                    BigDecimal fee = x.quantity().multiply(x.price()).multiply(FEE_RATE);
                    BigDecimal realized = x.quantity().multiply(x.price().subtract(l.call.entry()))
                            .multiply(BigDecimal.valueOf(l.size.signum()));
                    l.cash = l.cash.add(realized).subtract(fee);
                    l.size = l.size.subtract(x.quantity().multiply(BigDecimal.valueOf(l.size.signum())));
                    emit(fills, derive(x.orderId(), "fill"), new PositionLiquidated(l.call.accountId(),
                            l.call.callId(), derive(x.orderId(), "trade"), side, x.quantity(), x.price(), fee));
                    emit(contributions, derive(x.orderId(), "fee"), new FeeCollected(fee));
                }
                l.order = null;
                if (l.size.signum() == 0) {
                    end(l, Status.COMPLETED, List.of());
                } else {
                    l.status = Status.QUEUED;
                }
            } else {
                throw new IllegalStateException("liquidation-service does not read " + message);
            }
        }

        /** One round of {@code l} at the latest price (the Liquidator's timer), in its own transaction. */
        void round(Liq l, boolean all) {
            BigDecimal equity = l.equity(price);
            BigDecimal notional = l.size.abs().multiply(price);
            if (equity.signum() < 0 || l.rounds >= MAX_ROUNDS) {
                UUID shortfallId = derive(l.call.callId(), "shortfall");
                BigDecimal deficit = equity.signum() < 0 ? equity.negate() : BigDecimal.ZERO;
                emit(shortfalls, shortfallId, new ShortfallRaised(shortfallId, l.call.accountId(), l.size, price,
                        deficit));
                trace.add("liquidation " + shortId(l.call.callId()) + " hands " + l.size.toPlainString()
                        + " BTC and a deficit of " + deficit.toPlainString() + " to the fund");
                end(l, Status.SHORTFALL, List.of(new ShortfallHandedOver(shortfallId, SYMBOL, l.size.abs(), deficit)));
            } else if (equity.compareTo(notional.multiply(RECOVERY)) >= 0) {
                end(l, l.rounds == 0 ? Status.CANCELLED_RECOVERED : Status.COMPLETED, List.of());
            } else {
                BigDecimal quantity = all || l.rounds == MAX_ROUNDS - 1 ? l.size.abs()
                        : l.size.abs().divide(TWO, 8, RoundingMode.DOWN);
                if (quantity.signum() == 0) {
                    quantity = l.size.abs();
                }
                l.order = derive(l.call.callId(), "order-" + l.rounds);
                l.rounds++;
                l.status = Status.ACTIVE;
                emit(orders, l.order, new OrderPlaced(l.order, l.call.callId(), l.size.signum() > 0 ? Side.SELL
                        : Side.BUY, quantity));
                trace.add("liquidation " + shortId(l.call.callId()) + " round " + l.rounds + ": IOC for "
                        + quantity.toPlainString());
            }
        }

        private void end(Liq l, Status status, List<ShortfallHandedOver> handed) {
            l.status = status;
            emit(fills, derive(l.call.callId(), "ended"), new LiquidationEnded(l.call.accountId(), l.call.scope(),
                    l.call.callId(), status.name(), handed));
            trace.add("liquidation " + shortId(l.call.callId()) + " ends " + status);
        }
    }

    // ----- the exchange (the lab's), as a model

    final class Exchange extends Service {
        /** The market's side of every liquidation fill: signed base units, and their cost (settlement asset). */
        BigDecimal marketSize = BigDecimal.ZERO;
        BigDecimal marketCost = BigDecimal.ZERO;

        Exchange() {
            super("exchange", orders);
        }

        @Override
        void apply(Envelope envelope, int variant) {
            OrderPlaced o = (OrderPlaced) envelope.message();
            int share = variant % 10;
            BigDecimal filled = share < 5 ? o.quantity() : share < 8
                    ? o.quantity().divide(TWO, 8, RoundingMode.DOWN) : BigDecimal.ZERO;
            BigDecimal signed = o.side() == Side.SELL ? filled : filled.negate(); // the market takes the other side
            marketSize = marketSize.add(signed);
            marketCost = marketCost.add(signed.multiply(price));
            emit(executions, derive(o.orderId(), "executed"),
                    new OrderExecuted(o.orderId(), o.callId(), filled, price));
            trace.add("  exchange fills " + (share < 5 ? "all" : share < 8 ? "half" : "none") + ": "
                    + filled.toPlainString() + " of " + o.quantity().toPlainString() + " at " + price.toPlainString());
        }
    }

    // ----- insurance-fund-service, as a model

    final class Fund extends Service {
        BigDecimal cash = new BigDecimal("2000");
        /** What the fund took over (signed base units) and what it paid for it. */
        BigDecimal inventory = BigDecimal.ZERO;
        BigDecimal inventoryCost = BigDecimal.ZERO;
        /**
         * The ADL queue: "counter"'s short as the fund last saw it published. Never updated here: the stalest view
         * possible, so the fund asks for more than is left and margin's refusals are re-planned.
         */
        final BigDecimal counterShort = BigDecimal.TEN;

        Fund() {
            super("fund", shortfalls, contributions, settlements);
        }

        @Override
        void apply(Envelope envelope, int variant) {
            Message message = envelope.message();
            if (message instanceof FeeCollected f) {
                cash = cash.add(f.fee());
            } else if (message instanceof ShortfallRaised s) {
                waterfall(s);
            } else if (message instanceof AdlSettled a) {
                BigDecimal refused = a.requested().subtract(a.applied());
                if (refused.signum() > 0) {
                    // re-planned: "counter" refused, no one else is in the queue, so the fund takes the rest over
                    takeOver(a.bankruptId(), a.shortfallId(), derive(envelope.id(), "forced"), a.bankruptSide(),
                            refused, a.price());
                    trace.add("  fund: counter refused " + refused.toPlainString() + "; takes it over");
                }
            } else {
                throw new IllegalStateException("the fund does not read " + message);
            }
        }

        private void waterfall(ShortfallRaised s) {
            BigDecimal quantity = s.size().abs();
            Side closing = s.size().signum() > 0 ? Side.SELL : Side.BUY;
            BigDecimal deleveraged = s.size().signum() > 0
                    ? quantity.subtract(TAKEOVER_CAPACITY).max(BigDecimal.ZERO).min(counterShort) : BigDecimal.ZERO;
            BigDecimal taken = quantity.subtract(deleveraged);
            if (taken.signum() > 0) {
                takeOver(s.accountId(), s.shortfallId(), derive(s.shortfallId(), "takeover"), closing, taken, s.price());
            }
            if (deleveraged.signum() > 0) {
                emit(adl, derive(s.shortfallId(), "adl-counterparty"), new AdlRequested(COUNTER, s.accountId(),
                        s.shortfallId(), Side.BUY, deleveraged, s.price()));
            }
            if (s.deficit().signum() > 0) {
                BigDecimal paid = s.deficit().min(cash.max(BigDecimal.ZERO));
                BigDecimal socialized = s.deficit().subtract(paid);
                cash = cash.subtract(paid);
                emit(losses, derive(s.shortfallId(), "covered"), new DeficitCovered(s.accountId(), s.shortfallId(),
                        s.deficit()));
                if (socialized.signum() > 0) {
                    emit(losses, derive(s.shortfallId(), "socialized"), new LossSocialized(COUNTER, socialized));
                }
            }
            trace.add("  fund: takes over " + taken.toPlainString() + ", asks counter to deleverage "
                    + deleveraged.toPlainString() + ", covers " + s.deficit().toPlainString());
        }

        private void takeOver(String accountId, UUID shortfallId, UUID id, Side closing, BigDecimal quantity,
                              BigDecimal price) {
            BigDecimal signed = closing == Side.SELL ? quantity : quantity.negate();
            inventory = inventory.add(signed);
            inventoryCost = inventoryCost.add(signed.multiply(price));
            emit(takeovers, id, new TakenOver(accountId, shortfallId, closing, quantity, price));
        }
    }

    // ----- the world's steps

    /** What the scheduler does next. */
    enum Kind { DELIVER, ROUND, RELAY, COMMIT, RESTART, PRICE }

    /**
     * One choice of the scheduler: {@code pick} chooses among what {@code kind} can act on now (modulo their number),
     * {@code variant} how (the exchange's fill, half or all of a round, a relay's crash, the price's move). A step
     * with nothing to act on does nothing.
     */
    record Step(Kind kind, int pick, int variant) {
    }

    void act(Step step) {
        int pick = step.pick();
        int variant = step.variant();
        switch (step.kind()) {
            case DELIVER -> {
                List<Map.Entry<Service, Subscription>> ready = new ArrayList<>();
                services.forEach(s -> s.subscriptions.stream().filter(Subscription::pending)
                        .forEach(sub -> ready.add(Map.entry(s, sub))));
                if (!ready.isEmpty()) {
                    Map.Entry<Service, Subscription> chosen = ready.get(pick % ready.size());
                    chosen.getKey().deliver(chosen.getValue(), variant);
                }
            }
            case ROUND -> {
                List<Liq> queued = liquidation.queued();
                if (!queued.isEmpty()) {
                    liquidation.round(queued.get(pick % queued.size()), variant % 2 == 0);
                }
            }
            case RELAY -> {
                List<Service> ready = services.stream().filter(s -> !s.outbox.isEmpty()).toList();
                if (!ready.isEmpty()) {
                    ready.get(pick % ready.size()).relay(variant % 5 == 0);
                }
            }
            case COMMIT -> {
                List<Service> ready = services.stream().filter(Service::uncommitted).toList();
                if (!ready.isEmpty()) {
                    ready.get(pick % ready.size()).commitOffsets();
                }
            }
            case RESTART -> services.get(pick % services.size()).restart();
            case PRICE -> movePrice(variant);
        }
    }


    void publishPrice() {
        priceSequence++;
        UUID id = derive(new UUID(0, priceSequence), "price");
        prices.log.add(new Envelope(id, new Price(price, priceStatus, priceSequence)));
        trace.add("oracle: " + price.toPlainString() + " " + priceStatus);
    }

    /** A new price, {@code variant} choosing the move and whether the oracle's breaker trips. */
    void movePrice(int variant) {
        int[] moves = {-400, -200, -100, -100, 100, 100, 200, 300, -200};
        price = price.add(BigDecimal.valueOf(moves[variant % moves.length])).max(FLOOR).min(CEILING);
        priceStatus = variant % 9 == 0 ? PriceStatus.STALE : PriceStatus.OK;
        publishPrice();
    }

    private int drained;

    /**
     * One step towards rest, false when there is none left: outboxes relayed first, then the oldest record of the
     * first service with one pending, then a round of the first queued liquidation. The exchange's fills and the
     * rounds' sizes still vary (by the count of these steps); the order does not.
     */
    boolean drainStep() {
        int variant = Math.floorMod(drained++ * 0x9E3779B9, 100); // spread, so no cycle of steps meets the same one
        for (Service s : services) {
            if (!s.outbox.isEmpty()) {
                s.relay(false);
                return true;
            }
        }
        for (Service s : services) {
            for (Subscription sub : s.subscriptions) {
                if (sub.pending()) {
                    s.deliver(sub, variant);
                    return true;
                }
            }
        }
        List<Liq> queued = liquidation.queued();
        if (!queued.isEmpty()) {
            liquidation.round(queued.get(0), variant % 2 == 0);
            return true;
        }
        return false;
    }

    /**
     * All money, exact: balances, the fund's money, less what every open position cost (margin's accounts at their
     * entry, the fund's inventory and the market at what they paid). Positions sum to zero, so their value at any
     * common price cancels out: at rest this must equal what it was at the start.
     */
    BigDecimal money() {
        BigDecimal total = fund.cash.subtract(fund.inventoryCost).subtract(exchange.marketCost);
        for (Account a : margin.accounts.values()) {
            total = total.add(a.balance(USDT));
            for (Position p : a.positions().values()) {
                total = total.subtract(p.size().multiply(p.entryPrice()));
            }
        }
        return total;
    }

    /** Open interest: margin's positions, the fund's inventory and the market's side; zero at rest. */
    BigDecimal openInterest() {
        BigDecimal total = fund.inventory.add(exchange.marketSize);
        for (Account a : margin.accounts.values()) {
            total = total.add(a.position(SYMBOL).map(Position::size).orElse(BigDecimal.ZERO));
        }
        return total;
    }

    /** Scopes below maintenance with neither a liquidation nor a stated hold (margin's own standings). */
    List<ScopeStanding> unattended() {
        List<ScopeStanding> unattended = new ArrayList<>();
        for (Account a : margin.accounts.values()) {
            AccountRisk risk = margin.engine.calculator().assess(a, margin.book);
            margin.engine.standings(a, risk).stream().filter(ScopeStanding::unattended).forEach(unattended::add);
        }
        return unattended;
    }

    /** Leases still held at rest: no liquidation is running to end them. */
    List<String> leasesAtRest() {
        List<String> leased = new ArrayList<>();
        margin.accounts.values().forEach(a -> a.scopes().forEach((scope, s) -> {
            if (s.leased()) {
                leased.add(a.id() + "/" + scope + " leased to " + shortId(s.openCallId())
                        + (s.awaitingWaterfall() ? " (awaiting the waterfall)" : ""));
            }
        }));
        return leased;
    }

    static UUID derive(UUID cause, String what) {
        return UUID.nameUUIDFromBytes((cause + "/" + what).getBytes(StandardCharsets.UTF_8));
    }

    static String shortId(UUID id) {
        return id == null ? "-" : id.toString().substring(0, 8);
    }

    static String describe(Message m) {
        if (m instanceof Price p) {
            return "price " + p.price().toPlainString() + " " + p.status() + " #" + p.sequence();
        } else if (m instanceof CallIssued c) {
            return "call " + shortId(c.callId()) + " for " + c.accountId() + " "
                    + c.size().toPlainString() + " BTC";
        } else if (m instanceof OrderPlaced o) {
            return "order " + o.side() + " " + o.quantity().toPlainString();
        } else if (m instanceof OrderExecuted x) {
            return "execution of " + x.quantity().toPlainString() + " at " + x.price().toPlainString()
                    + " for call " + shortId(x.callId());
        } else if (m instanceof PositionLiquidated f) {
            return "fill " + f.side() + " " + f.quantity().toPlainString() + " at "
                    + f.price().toPlainString() + " of " + f.accountId() + " (call " + shortId(f.callId()) + ")";
        } else if (m instanceof LiquidationEnded e) {
            return "end of call " + shortId(e.callId()) + " " + e.outcome()
                    + (e.shortfalls().isEmpty() ? ""
                    : " handing over " + e.shortfalls().get(0).quantity().toPlainString());
        } else if (m instanceof ShortfallRaised s) {
            return "shortfall of " + s.size().toPlainString() + " BTC at " + s.price().toPlainString();
        } else if (m instanceof FeeCollected f) {
            return "fee " + f.fee().toPlainString();
        } else if (m instanceof TakenOver t) {
            return "takeover of " + t.quantity().toPlainString() + " from " + t.accountId();
        } else if (m instanceof AdlRequested a) {
            return "ADL request " + a.side() + " " + a.quantity().toPlainString() + " of " + a.accountId();
        } else if (m instanceof AdlSettled a) {
            return "ADL settled: " + a.applied().toPlainString() + " of " + a.requested().toPlainString() + " closed on "
                    + a.accountId() + ", bankrupt " + a.bankruptId() + " " + a.bankruptSide();
        } else if (m instanceof DeficitCovered d) {
            return "deficit " + d.amount().toPlainString() + " covered for " + d.accountId();
        } else if (m instanceof LossSocialized l) {
            return "loss " + l.amount().toPlainString() + " socialized on " + l.accountId();
        }
        return m.toString();
    }
}
