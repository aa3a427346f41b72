package io.backstop.insurance.fund;

import static io.backstop.insurance.ledger.LedgerAccounts.OPERATOR;
import static io.backstop.insurance.ledger.LedgerAccounts.account;
import static io.backstop.insurance.ledger.LedgerAccounts.fund;
import static io.backstop.insurance.ledger.LedgerAccounts.market;

import io.backstop.events.PositionSide;
import io.backstop.insurance.ledger.LedgerTransaction;
import io.backstop.insurance.waterfall.Shortfall;
import io.backstop.insurance.waterfall.WaterfallResult;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One fund group's money and inherited positions, and the ledger transactions that move them. Every
 * change goes through a balanced transaction identified by its cause: fees and deposits in, the
 * waterfall's steps, the unwinding's PnL. Plain Java: the service loads it from PostgreSQL under a
 * row lock, applies one cause, and stores the book and the transactions together.
 */
public final class FundBook {

    /** Kinds of ledger transactions. */
    public static final String FEE = "FEE";
    public static final String DEPOSIT = "DEPOSIT";
    public static final String INJECTION = "OPERATOR_INJECTION";
    public static final String TAKEOVER = "TAKEOVER";
    public static final String ADL = "ADL";
    public static final String DEFICIT = "DEFICIT_COVERED";
    public static final String SOCIALIZED = "SOCIALIZED_LOSS";
    public static final String UNWIND = "UNWIND";

    private final String group;
    private final String asset;
    private BigDecimal balance;
    private final Map<String, Inventory> inventory;

    public FundBook(String group, String asset, BigDecimal balance, Map<String, Inventory> inventory) {
        this.group = group;
        this.asset = asset;
        this.balance = balance;
        this.inventory = new TreeMap<>(inventory);
    }

    public static FundBook empty(String group, String asset) {
        return new FundBook(group, asset, BigDecimal.ZERO, Map.of());
    }

    public String group() {
        return group;
    }

    public String asset() {
        return asset;
    }

    public BigDecimal balance() {
        return balance;
    }

    /** Inherited positions still held, by symbol (flat ones omitted). */
    public Map<String, Inventory> inventory() {
        Map<String, Inventory> held = new TreeMap<>();
        inventory.forEach((symbol, inv) -> {
            if (!inv.isFlat()) {
                held.put(symbol, inv);
            }
        });
        return held;
    }

    public Inventory inventory(String symbol) {
        return inventory.getOrDefault(symbol, Inventory.flat(symbol));
    }

    /** Notional of the inherited positions at {@code marks} (a symbol without a mark is valued at its average price). */
    public BigDecimal inheritedNotional(Map<String, BigDecimal> marks) {
        BigDecimal total = BigDecimal.ZERO;
        for (Inventory inv : inventory().values()) {
            total = total.add(inv.notional(marks.getOrDefault(inv.symbol(), inv.averagePrice())));
        }
        return total;
    }

    /** A liquidation fee paid into the fund. */
    public LedgerTransaction contribute(UUID cause, String accountId, BigDecimal fee) {
        LedgerTransaction tx = LedgerTransaction.builder(id(cause, FEE), cause, FEE,
                        "liquidation fee of " + accountId + " into fund " + group)
                .transfer(account(accountId), fund(group), asset, fee).build();
        balance = balance.add(fee);
        return tx;
    }

    /** Operator money paid into the fund. */
    public LedgerTransaction deposit(UUID cause, BigDecimal amount, String memo) {
        if (amount.signum() <= 0) {
            throw new IllegalArgumentException("a deposit must be positive, got " + amount.toPlainString());
        }
        LedgerTransaction tx = LedgerTransaction.builder(id(cause, DEPOSIT), cause, DEPOSIT, memo)
                .transfer(OPERATOR, fund(group), asset, amount).build();
        balance = balance.add(amount);
        return tx;
    }

    /** Books a waterfall's decision for one shortfall: each step its own transaction, all caused by the shortfall. */
    public List<LedgerTransaction> apply(Shortfall s, WaterfallResult r) {
        UUID cause = s.shortfallId();
        List<LedgerTransaction> txs = new ArrayList<>();
        String bankrupt = account(s.accountId());
        String symbol = s.symbol();
        if (r.injection().signum() > 0) {
            txs.add(LedgerTransaction.builder(id(cause, INJECTION), cause, INJECTION,
                            "operator guarantee for shortfall " + cause + " on " + symbol)
                    .transfer(OPERATOR, fund(group), asset, r.injection()).build());
            balance = balance.add(r.injection());
        }
        BigDecimal taken = r.takenOver().add(r.forcedTakeover());
        if (taken.signum() > 0) {
            txs.add(takeOver(cause, s.accountId(), symbol, s.side(), taken, s.bankruptcyPrice()));
        }
        // the ADL legs are booked as margin-service settles them (deleveraged)
        BigDecimal paid = r.deficitFromFund().add(r.uncovered());
        if (paid.signum() > 0) {
            txs.add(LedgerTransaction.builder(id(cause, DEFICIT), cause, DEFICIT,
                            "fund " + group + " covers the deficit of " + s.accountId()
                                    + (r.uncovered().signum() > 0 ? " (" + r.uncovered().toPlainString()
                                    + " uncovered: paid into a negative balance)" : ""))
                    .transfer(fund(group), bankrupt, asset, paid).build());
            balance = balance.subtract(paid);
        }
        if (!r.socialized().isEmpty()) {
            LedgerTransaction.Builder b = LedgerTransaction.builder(id(cause, SOCIALIZED), cause, SOCIALIZED,
                    "deficit of " + s.accountId() + " socialized over " + r.socialized().size() + " account(s) on "
                            + symbol);
            r.socialized().forEach((accountId, share) -> b.transfer(account(accountId), bankrupt, asset, share));
            txs.add(b.build());
        }
        return txs;
    }

    /**
     * The fund takes {@code quantity} of {@code accountId}'s {@code side} position on {@code symbol} at the bankruptcy
     * {@code price}: a transaction identified by {@code cause}.
     */
    public LedgerTransaction takeOver(UUID cause, String accountId, String symbol, PositionSide side,
                                      BigDecimal quantity, BigDecimal price) {
        // a long handed over leaves the account (negative posting) and joins the holder; a short the reverse
        BigDecimal sign = side == PositionSide.LONG ? BigDecimal.ONE : BigDecimal.ONE.negate();
        Inventory.Change change = inventory(symbol).takeOver(quantity.multiply(sign), price);
        LedgerTransaction tx = LedgerTransaction.builder(id(cause, TAKEOVER), cause, TAKEOVER,
                        "fund " + group + " takes over " + quantity.toPlainString() + " " + symbol + " " + side + " of "
                                + accountId + " at " + price.toPlainString())
                .transfer(account(accountId), fund(group), symbol, quantity.multiply(sign))
                .transfer(market(symbol), fund(group), asset, change.realizedPnl()).build();
        inventory.put(symbol, change.after());
        balance = balance.add(change.realizedPnl());
        return tx;
    }

    /**
     * One ADL leg as margin-service settled it: {@code quantity} of the bankrupt {@code side} position moves from
     * {@code bankrupt} to {@code counterparty} at the bankruptcy price (no money of the fund moves).
     */
    public LedgerTransaction deleveraged(UUID cause, String bankrupt, String counterparty, String symbol,
                                         PositionSide side, BigDecimal quantity, BigDecimal price) {
        BigDecimal sign = side == PositionSide.LONG ? BigDecimal.ONE : BigDecimal.ONE.negate();
        return LedgerTransaction.builder(id(cause, ADL), cause, ADL, "auto-deleveraging of " + quantity.toPlainString()
                        + " " + symbol + " of " + bankrupt + " against " + counterparty + " at " + price.toPlainString())
                .transfer(account(bankrupt), account(counterparty), symbol, quantity.multiply(sign)).build();
    }

    /** The fund's unwinding order filled {@code quantity} at {@code price}: the position goes to the market, the PnL is the fund's. */
    public LedgerTransaction unwound(UUID cause, String symbol, BigDecimal quantity, BigDecimal price) {
        Inventory held = inventory(symbol);
        BigDecimal pnl = held.pnlOfClosing(quantity, price);
        BigDecimal sign = BigDecimal.valueOf(held.size().signum());
        LedgerTransaction tx = LedgerTransaction.builder(id(cause, UNWIND), cause, UNWIND,
                        "fund " + group + " unwinds " + quantity.toPlainString() + " " + symbol + " at "
                                + price.toPlainString())
                .transfer(fund(group), market(symbol), symbol, quantity.multiply(sign))
                .transfer(market(symbol), fund(group), asset, pnl).build();
        inventory.put(symbol, held.close(quantity));
        balance = balance.add(pnl);
        return tx;
    }

    /** Brings a fund its unwinding drove below zero back up, by the accounts' shares (they sum to the amount raised). */
    public LedgerTransaction socialize(UUID cause, String symbol, Map<String, BigDecimal> shares) {
        LedgerTransaction.Builder b = LedgerTransaction.builder(id(cause, SOCIALIZED), cause, SOCIALIZED,
                "negative balance of fund " + group + " after unwinding " + symbol + " socialized over "
                        + shares.size() + " account(s)");
        BigDecimal total = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> e : shares.entrySet()) {
            b.transfer(account(e.getKey()), fund(group), asset, e.getValue());
            total = total.add(e.getValue());
        }
        LedgerTransaction tx = b.build();
        balance = balance.add(total);
        return tx;
    }

    /** The id of the transaction of {@code kind} caused by {@code cause}: the same cause, the same id. */
    public static UUID id(UUID cause, String kind) {
        return UUID.nameUUIDFromBytes((cause + "/" + kind).getBytes(StandardCharsets.UTF_8));
    }
}
