package io.backstop.margin.risk;

import io.backstop.margin.account.Account;
import io.backstop.margin.account.Position;
import io.backstop.markets.Bracket;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Values accounts exactly (BigDecimal): collateral at index x (1 - haircut), positions at mark,
 * maintenance and initial margin by tier, and each position's liquidation price across tier
 * boundaries. Stateless and thread-safe.
 */
public final class RiskCalculator {

    private final Map<String, AssetSpec> assets;
    private final Map<String, InstrumentSpec> instruments;

    public RiskCalculator(Map<String, AssetSpec> assets, Map<String, InstrumentSpec> instruments) {
        this.assets = Map.copyOf(assets);
        this.instruments = Map.copyOf(instruments);
    }

    public Optional<InstrumentSpec> instrument(String symbol) {
        return Optional.ofNullable(instruments.get(symbol));
    }

    public java.util.Collection<InstrumentSpec> instruments() {
        return instruments.values();
    }

    public Optional<AssetSpec> asset(String asset) {
        return Optional.ofNullable(assets.get(asset));
    }

    public AccountRisk assess(Account account, PriceBook prices) {
        Map<String, Long> sequences = new LinkedHashMap<>();
        Set<String> untrusted = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();

        List<AccountRisk.CollateralLine> collateral = new ArrayList<>();
        BigDecimal wallet = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> balance : account.balances().entrySet()) {
            AssetSpec spec = assets.get(balance.getKey());
            if (spec == null) {
                throw new IllegalStateException("account " + account.id() + " holds unconfigured asset " + balance.getKey());
            }
            BigDecimal price = BigDecimal.ONE;
            if (!spec.settlement()) {
                Optional<Quote> quote = use(prices, spec.priceSymbol(), sequences, untrusted, missing);
                if (quote.isEmpty()) {
                    continue;
                }
                price = quote.get().index();
            }
            BigDecimal amount = balance.getValue();
            // a debt counts in full; only what the account owns is discounted
            BigDecimal haircut = amount.signum() > 0 ? spec.haircut() : BigDecimal.ZERO;
            BigDecimal value = amount.multiply(price).multiply(BigDecimal.ONE.subtract(haircut));
            collateral.add(new AccountRisk.CollateralLine(balance.getKey(), amount, price, spec.haircut(), value));
            wallet = wallet.add(value);
        }

        List<Valued> valued = new ArrayList<>();
        for (Position position : account.positions().values()) {
            InstrumentSpec spec = instruments.get(position.symbol());
            if (spec == null) {
                throw new IllegalStateException("account " + account.id() + " holds unconfigured symbol "
                        + position.symbol());
            }
            Optional<Quote> quote = use(prices, spec.priceSymbol(), sequences, untrusted, missing);
            quote.ifPresent(q -> valued.add(value(position, spec, q.mark())));
        }

        BigDecimal equity = wallet;
        BigDecimal maintenance = BigDecimal.ZERO;
        BigDecimal initial = BigDecimal.ZERO;
        for (Valued v : valued) {
            initial = initial.add(v.im);
            if (!v.position.isolated()) {
                equity = equity.add(v.upnl);
                maintenance = maintenance.add(v.mm);
            }
        }
        List<AccountRisk.PositionLine> lines = new ArrayList<>();
        for (Valued v : valued) {
            Position p = v.position;
            BigDecimal liquidation;
            BigDecimal isolatedEquity = null;
            if (p.isolated()) {
                isolatedEquity = p.isolatedMargin().add(v.upnl);
                liquidation = liquidationPrice(p, v.spec, p.isolatedMargin(), BigDecimal.ZERO);
            } else {
                // equity without this position's PnL, and the other cross positions' maintenance, held fixed
                BigDecimal others = equity.subtract(v.upnl);
                liquidation = liquidationPrice(p, v.spec, others, maintenance.subtract(v.mm));
            }
            lines.add(new AccountRisk.PositionLine(p.symbol(), p.size(), p.entryPrice(), v.mark, v.upnl, v.notional,
                    v.mm, v.im, p.isolated(), p.isolated() ? p.isolatedMargin() : null, isolatedEquity, liquidation));
        }
        BigDecimal ratio = equity.signum() > 0 ? maintenance.divide(equity, MathContext.DECIMAL64) : null;
        return new AccountRisk(account.id(), wallet, equity, maintenance, initial, ratio, List.copyOf(collateral),
                List.copyOf(lines), sequences, untrusted, missing);
    }

    /**
     * The mark P at which {@code base + size x (P - entry) = otherMaintenance + MM(|size| x P)}: for
     * each tier t, P = (otherMM - cum_t - base + size x entry) / (size - |size| x mmr_t), kept when its
     * notional falls in tier t. Rounded to the price scale toward the current side (up for a long,
     * down for a short): the mark reaches the reported price first, with equity still at or just above
     * maintenance (by less than one price unit x |size| x (1 + mmr)), so the warning is never late.
     * Null when no positive price qualifies (the position cannot be liquidated by its own price).
     */
    static BigDecimal liquidationPrice(Position position, InstrumentSpec spec, BigDecimal base,
                                       BigDecimal otherMaintenance) {
        BigDecimal size = position.size();
        BigDecimal quantity = size.abs();
        List<Bracket> brackets = spec.brackets().brackets();
        for (int t = 0; t < brackets.size(); t++) {
            Bracket tier = brackets.get(t);
            BigDecimal denominator = size.subtract(quantity.multiply(tier.mmr()));
            if (denominator.signum() == 0) {
                continue;
            }
            BigDecimal numerator = otherMaintenance.subtract(tier.cum()).subtract(base).add(size.multiply(
                    position.entryPrice()));
            BigDecimal price = numerator.divide(denominator, MathContext.DECIMAL128);
            if (price.signum() <= 0) {
                continue;
            }
            BigDecimal notional = quantity.multiply(price);
            BigDecimal cap = spec.brackets().capOf(t);
            if (notional.compareTo(tier.floor()) >= 0 && (cap == null || notional.compareTo(cap) < 0)) {
                return price.setScale(spec.priceScale(), size.signum() > 0 ? RoundingMode.CEILING : RoundingMode.FLOOR);
            }
        }
        return null;
    }

    private static Valued value(Position position, InstrumentSpec spec, BigDecimal mark) {
        BigDecimal upnl = position.size().multiply(mark.subtract(position.entryPrice()));
        BigDecimal notional = position.size().abs().multiply(mark);
        return new Valued(position, spec, mark, upnl, notional, spec.brackets().maintenance(notional),
                spec.brackets().initial(notional));
    }

    private static Optional<Quote> use(PriceBook prices, String symbol, Map<String, Long> sequences,
                                       Set<String> untrusted, Set<String> missing) {
        Optional<Quote> quote = prices.quote(symbol);
        if (quote.isEmpty()) {
            missing.add(symbol);
        } else {
            sequences.put(symbol, quote.get().sequence());
            if (!quote.get().trusted()) {
                untrusted.add(symbol);
            }
        }
        return quote;
    }

    private record Valued(Position position, InstrumentSpec spec, BigDecimal mark, BigDecimal upnl,
                          BigDecimal notional, BigDecimal mm, BigDecimal im) {
    }
}
