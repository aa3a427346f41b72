package io.backstop.margin.screen;

import io.backstop.margin.account.Account;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.InstrumentSpec;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.markets.Bracket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps the {@link RiskScreen} in step with the exact valuation: gives every margin scope a slot,
 * registers its exposures (cross positions and collateral, or its isolated position) and resets its
 * figures from an exact {@link AccountRisk}; translates slots the screen reports back to accounts.
 * Not thread-safe (the account engine's thread).
 */
public final class ScreenFeed {

    private final RiskScreen screen;
    private final RiskCalculator calculator;
    private final Map<String, RiskScreen.Tiers> tiersByPriceSymbol = new HashMap<>();
    private final Map<String, Map<String, Integer>> slotsByAccount = new HashMap<>();
    private final List<String> accountBySlot = new ArrayList<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    public ScreenFeed(RiskScreen screen, RiskCalculator calculator, Iterable<InstrumentSpec> instruments) {
        this.screen = screen;
        this.calculator = calculator;
        for (InstrumentSpec instrument : instruments) {
            List<Bracket> brackets = instrument.brackets().brackets();
            double[] floors = new double[brackets.size()];
            double[] mmr = new double[brackets.size()];
            double[] cum = new double[brackets.size()];
            for (int i = 0; i < brackets.size(); i++) {
                floors[i] = brackets.get(i).floor().doubleValue();
                mmr[i] = brackets.get(i).mmr().doubleValue();
                cum[i] = brackets.get(i).cum().doubleValue();
            }
            tiersByPriceSymbol.putIfAbsent(instrument.priceSymbol(), new RiskScreen.Tiers(floors, mmr, cum));
        }
    }

    public RiskScreen screen() {
        return screen;
    }

    /** A new price: declared on first sight, then screened; reports the accounts whose band changed. */
    public void price(Quote quote, Consumer<String> changedAccount) {
        if (declare(quote)) {
            return;
        }
        screen.onPrice(quote.symbol(), quote.index().doubleValue(), quote.mark().doubleValue(),
                slot -> changedAccount.accept(accountBySlot.get(slot)));
    }

    /** Declares a symbol the screen has not seen, at the quote's prices; true if it was new. */
    private boolean declare(Quote quote) {
        if (screen.knows(quote.symbol())) {
            return false;
        }
        screen.symbol(quote.symbol(), tiersByPriceSymbol.get(quote.symbol()), quote.index().doubleValue(),
                quote.mark().doubleValue());
        return true;
    }

    /**
     * Re-registers an account from its exact valuation (after a review, a fill or a transfer) and
     * returns its worst band over its scopes. An account that could not be valued (a price missing)
     * is left out until it can be, and counts as healthy here.
     */
    public byte register(Account account, AccountRisk risk, io.backstop.margin.risk.PriceBook prices) {
        forget(account.id());
        if (!risk.priced()) {
            return RiskScreen.HEALTHY;
        }
        // the valuation's prices are the screen's starting point for every symbol it uses
        risk.priceSequences().keySet().forEach(symbol -> prices.quote(symbol).ifPresent(this::declare));
        int cross = slot(account.id(), Account.CROSS);
        for (AccountRisk.CollateralLine line : risk.collateral()) {
            calculator.asset(line.asset()).filter(a -> !a.settlement()).ifPresent(asset -> screen.addCollateral(
                    asset.priceSymbol(), cross, line.amount().signum() > 0
                            ? line.amount().doubleValue() * (1 - line.haircut().doubleValue())
                            : line.amount().doubleValue()));
        }
        byte worst = RiskScreen.HEALTHY;
        for (AccountRisk.PositionLine position : risk.positions()) {
            String priceSymbol = calculator.instrument(position.symbol()).orElseThrow().priceSymbol();
            if (position.isolated()) {
                int isolated = slot(account.id(), Account.isolatedScope(position.symbol()));
                screen.addPosition(priceSymbol, isolated, position.size().doubleValue());
                worst = (byte) Math.max(worst, screen.reset(isolated, position.isolatedEquity().doubleValue(),
                        position.maintenanceMargin().doubleValue()));
            } else {
                screen.addPosition(priceSymbol, cross, position.size().doubleValue());
            }
        }
        byte crossBand = screen.reset(cross, risk.equity().doubleValue(), risk.maintenanceMargin().doubleValue());
        return risk.positions().stream().anyMatch(p -> !p.isolated()) ? (byte) Math.max(worst, crossBand) : worst;
    }

    public void forget(String accountId) {
        Map<String, Integer> slots = slotsByAccount.remove(accountId);
        if (slots == null) {
            return;
        }
        for (int slot : slots.values()) {
            screen.clear(slot);
            accountBySlot.set(slot, null);
            free.push(slot);
        }
    }

    /** The slot of an account's scope, for tests and metrics. */
    public Integer slotOf(String accountId, String scope) {
        Map<String, Integer> slots = slotsByAccount.get(accountId);
        return slots == null ? null : slots.get(scope);
    }

    private int slot(String accountId, String scope) {
        int slot;
        if (free.isEmpty()) {
            slot = accountBySlot.size();
            accountBySlot.add(accountId);
        } else {
            slot = free.pop();
            accountBySlot.set(slot, accountId);
        }
        slotsByAccount.computeIfAbsent(accountId, k -> new HashMap<>(4)).put(scope, slot);
        return slot;
    }
}
