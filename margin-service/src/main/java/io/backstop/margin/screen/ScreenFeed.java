package io.backstop.margin.screen;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.Position;
import io.backstop.margin.risk.AccountRisk;
import io.backstop.margin.risk.AssetSpec;
import io.backstop.margin.risk.InstrumentSpec;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.risk.RiskCalculator;
import io.backstop.markets.Bracket;
import java.math.BigDecimal;
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
    private final Map<String, RiskScreen.Tiers> tiersByInstrument = new HashMap<>();
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
            RiskScreen.Tiers tiers = new RiskScreen.Tiers(floors, mmr, cum);
            tiersByPriceSymbol.putIfAbsent(instrument.priceSymbol(), tiers);
            tiersByInstrument.put(instrument.symbol(), tiers);
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
    public byte register(Account account, AccountRisk risk, PriceBook prices) {
        Map<String, Integer> previous = vacate(account.id());
        if (!risk.priced()) {
            free(previous);
            return RiskScreen.HEALTHY;
        }
        // the valuation's prices are the screen's starting point for every symbol it uses
        risk.priceSequences().keySet().forEach(symbol -> prices.quote(symbol).ifPresent(this::declare));
        int cross = slot(account.id(), Account.CROSS, previous);
        for (AccountRisk.CollateralLine line : risk.collateral()) {
            calculator.asset(line.asset()).filter(a -> !a.settlement()).ifPresent(asset -> screen.addCollateral(
                    asset.priceSymbol(), cross, weight(line.amount().doubleValue(), line.haircut().doubleValue())));
        }
        byte worst = RiskScreen.HEALTHY;
        for (AccountRisk.PositionLine position : risk.positions()) {
            String priceSymbol = calculator.instrument(position.symbol()).orElseThrow().priceSymbol();
            if (position.isolated()) {
                int isolated = slot(account.id(), Account.isolatedScope(position.symbol()), previous);
                screen.addPosition(priceSymbol, isolated, position.size().doubleValue());
                worst = (byte) Math.max(worst, screen.reset(isolated, position.isolatedEquity().doubleValue(),
                        position.maintenanceMargin().doubleValue()));
            } else {
                screen.addPosition(priceSymbol, cross, position.size().doubleValue());
            }
        }
        byte crossBand = screen.reset(cross, risk.equity().doubleValue(), risk.maintenanceMargin().doubleValue());
        free(previous);
        return risk.positions().stream().anyMatch(p -> !p.isolated()) ? (byte) Math.max(worst, crossBand) : worst;
    }

    /**
     * How far below the alert ratio a scope's ratio must be, relative to it, for {@link #registerIfClearlyHealthy} to
     * call it healthy without an exact review: far above the doubles' rounding (about 1e-15 relative).
     */
    static final double CLEAR_MARGIN = 1e-9;

    /**
     * Registers an account from a valuation in doubles at the latest prices, in place of an exact review's, when that
     * valuation finds every scope with positions clearly healthy (its ratio below the alert ratio by more than
     * {@link #CLEAR_MARGIN} of it, far from any band's edge): an exact review would then keep every scope
     * {@code HEALTHY} and decide nothing, so a caller whose account is stored {@code HEALTHY} throughout may skip
     * it. Registers the same exposures in the same slots as {@link #register} would. Returns false, and registers
     * nothing, when a price the account needs is missing, an asset or instrument is not configured, or a scope is not
     * clearly healthy: the caller reviews that account exactly.
     */
    public boolean registerIfClearlyHealthy(Account account, PriceBook prices) {
        // the valuation first, registering nothing: an account not clearly healthy is left to the exact review
        double crossEquity = 0;
        for (Map.Entry<String, BigDecimal> balance : account.balances().entrySet()) {
            var asset = calculator.asset(balance.getKey());
            if (asset.isEmpty()) {
                return false;
            }
            double price = 1;
            if (!asset.get().settlement()) {
                var quote = prices.quote(asset.get().priceSymbol());
                if (quote.isEmpty()) {
                    return false;
                }
                price = quote.get().index().doubleValue();
            }
            crossEquity += weight(balance.getValue().doubleValue(), asset.get().haircut().doubleValue()) * price;
        }
        // per position in the account's order: its PnL and maintenance; an isolated one's are its scope's figures
        int n = account.positions().size();
        String[] priceSymbols = new String[n];
        double[] equity = new double[n];
        double[] maintenance = new double[n];
        double crossMaintenance = 0;
        boolean cross = false;
        int i = 0;
        for (Position position : account.positions().values()) {
            var instrument = calculator.instrument(position.symbol());
            RiskScreen.Tiers tiers = tiersByInstrument.get(position.symbol());
            var quote = instrument.flatMap(spec -> prices.quote(spec.priceSymbol()));
            if (tiers == null || quote.isEmpty()) {
                return false;
            }
            double size = position.size().doubleValue();
            double mark = quote.get().mark().doubleValue();
            priceSymbols[i] = instrument.get().priceSymbol();
            equity[i] = size * (mark - position.entryPrice().doubleValue());
            maintenance[i] = tiers.maintenance(Math.abs(size) * mark);
            if (position.isolated()) {
                equity[i] += position.isolatedMargin().doubleValue();
                if (!clearlyHealthy(equity[i], maintenance[i])) {
                    return false;
                }
            } else {
                cross = true;
                crossEquity += equity[i];
                crossMaintenance += maintenance[i];
            }
            i++;
        }
        if (cross && !clearlyHealthy(crossEquity, crossMaintenance)) {
            return false;
        }
        // then the same exposures in the same slots as an exact review's registration
        Map<String, Integer> previous = vacate(account.id());
        int crossSlot = slot(account.id(), Account.CROSS, previous);
        for (Map.Entry<String, BigDecimal> balance : account.balances().entrySet()) {
            AssetSpec asset = calculator.asset(balance.getKey()).orElseThrow();
            if (!asset.settlement()) {
                prices.quote(asset.priceSymbol()).ifPresent(this::declare);
                screen.addCollateral(asset.priceSymbol(), crossSlot,
                        weight(balance.getValue().doubleValue(), asset.haircut().doubleValue()));
            }
        }
        i = 0;
        for (Position position : account.positions().values()) {
            prices.quote(priceSymbols[i]).ifPresent(this::declare);
            double size = position.size().doubleValue();
            if (position.isolated()) {
                int isolated = slot(account.id(), Account.isolatedScope(position.symbol()), previous);
                screen.addPosition(priceSymbols[i], isolated, size);
                screen.reset(isolated, equity[i], maintenance[i]);
            } else {
                screen.addPosition(priceSymbols[i], crossSlot, size);
            }
            i++;
        }
        screen.reset(crossSlot, crossEquity, crossMaintenance);
        free(previous);
        return true;
    }

    /** What collateral counts for in equity per unit of its price: a debt in full, what is owned after its haircut. */
    private static double weight(double amount, double haircut) {
        return amount > 0 ? amount * (1 - haircut) : amount;
    }

    private boolean clearlyHealthy(double equity, double maintenance) {
        return equity > 0 && maintenance < screen.alertRatio() * (1 - CLEAR_MARGIN) * equity;
    }

    public void forget(String accountId) {
        free(vacate(accountId));
    }

    /**
     * Clears the exposures of the account's scopes and hands back their slots, still the account's: registering it
     * again puts each scope back in its slot, where the screen left its entries in place ({@link RiskScreen#clear}).
     */
    private Map<String, Integer> vacate(String accountId) {
        Map<String, Integer> slots = slotsByAccount.remove(accountId);
        if (slots == null) {
            return new HashMap<>(4);
        }
        for (int slot : slots.values()) {
            screen.clear(slot);
        }
        return slots;
    }

    /** Frees the slots of scopes the account no longer has, for other scopes. */
    private void free(Map<String, Integer> slots) {
        for (int slot : slots.values()) {
            accountBySlot.set(slot, null);
            free.push(slot);
        }
        slots.clear();
    }

    /** The slot of an account's scope, for tests and metrics. */
    public Integer slotOf(String accountId, String scope) {
        Map<String, Integer> slots = slotsByAccount.get(accountId);
        return slots == null ? null : slots.get(scope);
    }

    /** The scope's slot: its previous one if it had one, else a free one. */
    private int slot(String accountId, String scope, Map<String, Integer> previous) {
        Integer kept = previous.remove(scope);
        int slot;
        if (kept != null) {
            slot = kept;
        } else if (free.isEmpty()) {
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
