package io.backstop.margin.seed;

import io.backstop.events.EventEnvelope;
import io.backstop.events.MarginMode;
import io.backstop.events.oracle.PriceStatus;
import io.backstop.margin.account.Account;
import io.backstop.margin.account.Position;
import io.backstop.margin.decision.MarginEvents;
import io.backstop.margin.risk.AssetSpec;
import io.backstop.margin.risk.InstrumentSpec;
import io.backstop.margin.risk.PriceBook;
import io.backstop.margin.risk.Quote;
import io.backstop.margin.risk.RiskCalculator;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A synthetic account base for {@code ./backstop seed}: {@code accounts} accounts holding {@code positions} positions
 * in all, over the shipped markets, each account a pure function of the seed and its index (the same seed gives the
 * same rows, and any chunk of the base can be generated alone: a seed resumes where it stopped).
 *
 * <p>The shape, per account: one to all markets (positions spread as evenly as the totals allow: with 5,000,000
 * over 1,600,000 accounts, 3 or 4 each), weighted towards BTC and ETH; total notional log-uniform between 1,000 and
 * 200,000 USDT; leverage 1x (25%), 2x (35%), 3x (25%) or 5x (15%); 55% of positions long; 20% isolated, each with
 * its own margin at the account's leverage; cross collateral in USDT (about half), the other shipped assets for the
 * rest, a third of the accounts with a second asset; entries within 2% of the reference price. At the reference
 * prices every scope's maintenance margin is under half its equity ({@link #MAX_MAINTENANCE_SHARE}): seeded
 * accounts are held and re-marked, not liquidated, unless the market moves about 20% against the 5x ones.
 */
public final class SeedPopulation {

    /** Every seeded account's id starts so; the rest is its index, zero-padded so ids sort as indexes do. */
    public static final String ID_PREFIX = "seed-";
    /** The most a seeded scope's maintenance margin is of its equity at the reference prices. */
    public static final BigDecimal MAX_MAINTENANCE_SHARE = new BigDecimal("0.5");
    /** The most accounts: the id pads the index to nine digits. */
    public static final long MAX_ACCOUNTS = 999_999_999L;

    /**
     * ETH per WBETH, the oct-2025 scenario's staking rate: the oracle prices WBETH as ETH's index times the rate its
     * rate source publishes (never from WBETH's own thin book), so the seed values it the same way.
     */
    public static final BigDecimal WBETH_RATE = new BigDecimal("1.0812");

    /**
     * Reference prices (oracle symbol → USDT): the oct-2025 scenario's opening prices, for the perpetuals' mark
     * symbols (BTCUSDT) and the collaterals' index symbols (BTC) alike, WBETH at ETH x {@link #WBETH_RATE};
     * overridable per symbol ({@link #referencePrices}).
     */
    public static final Map<String, BigDecimal> REFERENCE_PRICES = Map.ofEntries(
            Map.entry("BTCUSDT", new BigDecimal("121000")), Map.entry("ETHUSDT", new BigDecimal("4350")),
            Map.entry("SOLUSDT", new BigDecimal("220")), Map.entry("BNBUSDT", new BigDecimal("1250")),
            Map.entry("BTC", new BigDecimal("121000")), Map.entry("ETH", new BigDecimal("4350")),
            Map.entry("SOL", new BigDecimal("220")), Map.entry("BNB", new BigDecimal("1250")),
            Map.entry("USDC", BigDecimal.ONE), Map.entry("USDE", BigDecimal.ONE),
            Map.entry("WBETH", new BigDecimal("4350").multiply(WBETH_RATE)));

    /**
     * The reference prices with {@code overrides} (symbol → USDT) in place of the defaults. WBETH follows an overridden
     * ETH at {@link #WBETH_RATE}, as the oracle would price it, unless it is overridden itself.
     */
    public static Map<String, BigDecimal> referencePrices(Map<String, BigDecimal> overrides) {
        Map<String, BigDecimal> prices = new HashMap<>(REFERENCE_PRICES);
        prices.putAll(overrides);
        if (overrides.containsKey("ETH") && !overrides.containsKey("WBETH")) {
            prices.put("WBETH", overrides.get("ETH").multiply(WBETH_RATE));
        }
        return prices;
    }

    private static final int[] LEVERAGE = {1, 2, 3, 5};
    private static final double[] LEVERAGE_SHARE = {0.25, 0.35, 0.25, 0.15};
    private static final Map<String, Double> MARKET_WEIGHT = Map.of("BTCUSDT", 0.45, "ETHUSDT", 0.30,
            "SOLUSDT", 0.15, "BNBUSDT", 0.10);
    private static final double OTHER_MARKET_WEIGHT = 0.05;
    private static final Map<String, Double> COLLATERAL_WEIGHT = Map.of("USDT", 0.50, "USDC", 0.10, "BTC", 0.14,
            "ETH", 0.12, "USDE", 0.05, "SOL", 0.03, "BNB", 0.03, "WBETH", 0.03);
    private static final double OTHER_COLLATERAL_WEIGHT = 0.01;
    private static final double LONG_SHARE = 0.55;
    private static final double ISOLATED_SHARE = 0.20;
    private static final double SECOND_ASSET_SHARE = 1.0 / 3;
    private static final int QUANTITY_SCALE = 4;
    private static final int AMOUNT_SCALE = 8;

    /**
     * What to seed.
     *
     * @param accounts  how many accounts, at least 1
     * @param positions how many positions over all of them: at least one per account, at most one per market each
     * @param seed      the generator's seed
     * @param prices    oracle symbol → reference price (USDT) of every market's and every collateral's symbol
     */
    public record Spec(long accounts, long positions, long seed, Map<String, BigDecimal> prices) {
        public Spec {
            prices = Map.copyOf(prices);
        }
    }

    private final Spec spec;
    private final RiskCalculator calculator;
    private final String settlementAsset;
    private final List<InstrumentSpec> markets;
    private final double[] marketWeights;
    private final List<AssetSpec> assets;
    private final double[] assetWeights;
    private final PriceBook prices;

    /**
     * @throws IllegalArgumentException naming what is wrong with the spec (counts, a missing price)
     */
    public SeedPopulation(Spec spec, RiskCalculator calculator, String settlementAsset) {
        this.spec = spec;
        this.calculator = calculator;
        this.settlementAsset = settlementAsset;
        this.markets = List.copyOf(calculator.instruments());
        this.marketWeights = markets.stream().mapToDouble(m -> MARKET_WEIGHT.getOrDefault(m.symbol(),
                OTHER_MARKET_WEIGHT)).toArray();
        List<AssetSpec> known = new ArrayList<>();
        for (String asset : new TreeMap<>(COLLATERAL_WEIGHT).keySet()) {
            calculator.asset(asset).ifPresent(known::add);
        }
        this.assets = List.copyOf(known);
        this.assetWeights = assets.stream().mapToDouble(a -> COLLATERAL_WEIGHT.getOrDefault(a.asset(),
                OTHER_COLLATERAL_WEIGHT)).toArray();
        validate();
        Instant at = Instant.EPOCH;
        Map<String, Quote> quotes = new LinkedHashMap<>();
        spec.prices().forEach((symbol, price) -> quotes.put(symbol,
                new Quote(symbol, price, price, PriceStatus.OK, 0, at)));
        this.prices = symbol -> Optional.ofNullable(quotes.get(symbol));
    }

    private void validate() {
        if (spec.accounts() < 1 || spec.accounts() > MAX_ACCOUNTS) {
            throw new IllegalArgumentException("--accounts must be between 1 and " + MAX_ACCOUNTS + ", got "
                    + spec.accounts());
        }
        if (spec.positions() < spec.accounts()) {
            throw new IllegalArgumentException("--positions must be at least --accounts (every seeded account holds a"
                    + " position), got " + spec.positions() + " for " + spec.accounts() + " accounts");
        }
        if (spec.positions() > spec.accounts() * markets.size()) {
            throw new IllegalArgumentException("--positions can be at most " + markets.size() + " per account (one per"
                    + " market: " + markets.stream().map(InstrumentSpec::symbol).toList() + "), got "
                    + spec.positions() + " for " + spec.accounts() + " accounts");
        }
        List<String> missing = new ArrayList<>();
        markets.forEach(m -> priceOf(m.priceSymbol()).ifPresentOrElse(p -> { }, () -> missing.add(m.priceSymbol())));
        assets.stream().filter(a -> !a.settlement())
                .forEach(a -> priceOf(a.priceSymbol()).ifPresentOrElse(p -> { }, () -> missing.add(a.priceSymbol())));
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no reference price for " + missing.stream().distinct().toList());
        }
        spec.prices().forEach((symbol, price) -> {
            if (price.signum() <= 0) {
                throw new IllegalArgumentException("the price of " + symbol + " must be positive, got " + price);
            }
        });
    }

    public Spec spec() {
        return spec;
    }

    /** The reference prices as the margin engine reads prices (trusted, sequence 0). */
    public PriceBook prices() {
        return prices;
    }

    public static String accountId(long index) {
        return ID_PREFIX + String.format("%09d", index);
    }

    /** How many positions account {@code index} holds: the totals spread evenly, so they add up exactly. */
    public int positionsOf(long index) {
        return (int) (share(index + 1) - share(index));
    }

    private long share(long index) {
        return java.math.BigInteger.valueOf(index).multiply(java.math.BigInteger.valueOf(spec.positions()))
                .divide(java.math.BigInteger.valueOf(spec.accounts())).longValueExact();
    }

    /** Account {@code index} (0-based), at {@code version}. */
    public Account account(long index, long version) {
        SplittableRandom random = new SplittableRandom(mix(spec.seed() * 0x9E3779B97F4A7C15L + index));
        int leverage = LEVERAGE[pick(random, LEVERAGE_SHARE)];
        double totalNotional = Math.exp(Math.log(1_000) + random.nextDouble() * (Math.log(200_000) - Math.log(1_000)));
        List<InstrumentSpec> chosen = chooseMarkets(random, positionsOf(index));
        double[] split = new double[chosen.size()];
        double sum = 0;
        for (int i = 0; i < split.length; i++) {
            split[i] = 0.5 + random.nextDouble();
            sum += split[i];
        }
        Map<String, Position> positions = new LinkedHashMap<>();
        BigDecimal crossMargin = BigDecimal.ZERO;
        BigDecimal lev = BigDecimal.valueOf(leverage);
        for (int i = 0; i < chosen.size(); i++) {
            InstrumentSpec market = chosen.get(i);
            BigDecimal reference = priceOf(market.priceSymbol()).orElseThrow();
            BigDecimal entry = reference.multiply(BigDecimal.valueOf(1 + (random.nextDouble() - 0.5) * 0.04))
                    .setScale(market.priceScale(), RoundingMode.HALF_EVEN);
            BigDecimal quantity = BigDecimal.valueOf(totalNotional * split[i] / sum)
                    .divide(reference, QUANTITY_SCALE, RoundingMode.DOWN)
                    .max(BigDecimal.ONE.movePointLeft(QUANTITY_SCALE));
            BigDecimal size = random.nextDouble() < LONG_SHARE ? quantity : quantity.negate();
            // margin at the account's leverage on the larger of the entry and reference notional, so the 2% an
            // entry may be off the reference never eats into it
            BigDecimal margin = quantity.multiply(entry.max(reference)).divide(lev, 2, RoundingMode.UP)
                    .multiply(new BigDecimal("1.05")).setScale(2, RoundingMode.UP);
            if (random.nextDouble() < ISOLATED_SHARE) {
                positions.put(market.symbol(), new Position(market.symbol(), size, entry, MarginMode.ISOLATED,
                        margin));
            } else {
                positions.put(market.symbol(), new Position(market.symbol(), size, entry, MarginMode.CROSS,
                        BigDecimal.ZERO));
                crossMargin = crossMargin.add(margin);
            }
        }
        Map<String, BigDecimal> balances = collateral(random, crossMargin.max(new BigDecimal("100"))
                .add(BigDecimal.valueOf(totalNotional * 0.02).setScale(2, RoundingMode.UP)));
        Account account = new Account(accountId(index), settlementAsset);
        account.restore(balances, positions, Map.of(), Map.of(), version);
        return account;
    }

    /** The account's {@code AccountPositionsSnapshotted}, valued at the reference prices. */
    /** An account holding nothing, at {@code version}: what a deleted seeded account's last snapshot states. */
    public Account emptied(String accountId, long version) {
        Account account = new Account(accountId, settlementAsset);
        account.restore(Map.of(), Map.of(), Map.of(), Map.of(), version);
        return account;
    }

    public EventEnvelope<?> snapshot(Account account, Instant at) {
        return MarginEvents.seededSnapshot(calculator.assess(account, prices), account.version(), at);
    }

    /** Collateral worth {@code value} USDT after haircuts: one asset, or two for a third of the accounts. */
    private Map<String, BigDecimal> collateral(SplittableRandom random, BigDecimal value) {
        Map<String, BigDecimal> balances = new TreeMap<>();
        AssetSpec first = assets.get(pick(random, assetWeights));
        if (random.nextDouble() < SECOND_ASSET_SHARE && assets.size() > 1) {
            AssetSpec second = assets.get(pick(random, assetWeights));
            BigDecimal part = value.multiply(new BigDecimal("0.3")).setScale(2, RoundingMode.UP);
            balances.merge(second.asset(), amountWorth(second, part), BigDecimal::add);
            balances.merge(first.asset(), amountWorth(first, value.subtract(part)), BigDecimal::add);
        } else {
            balances.put(first.asset(), amountWorth(first, value));
        }
        return balances;
    }

    private BigDecimal amountWorth(AssetSpec asset, BigDecimal value) {
        if (asset.settlement()) {
            return value.setScale(2, RoundingMode.UP);
        }
        BigDecimal unit = priceOf(asset.priceSymbol()).orElseThrow().multiply(BigDecimal.ONE.subtract(asset.haircut()));
        return value.divide(unit, AMOUNT_SCALE, RoundingMode.UP);
    }

    private List<InstrumentSpec> chooseMarkets(SplittableRandom random, int count) {
        List<InstrumentSpec> left = new ArrayList<>(markets);
        List<Double> weights = new ArrayList<>();
        for (double w : marketWeights) {
            weights.add(w);
        }
        List<InstrumentSpec> chosen = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int i = pick(random, weights.stream().mapToDouble(Double::doubleValue).toArray());
            chosen.add(left.remove(i));
            weights.remove(i);
        }
        return chosen;
    }

    private Optional<BigDecimal> priceOf(String symbol) {
        return Optional.ofNullable(spec.prices().get(symbol));
    }

    private static int pick(SplittableRandom random, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = random.nextDouble() * total;
        for (int i = 0; i < weights.length - 1; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** Stafford's variant 13 of the 64-bit finalizer: neighbouring indexes get unrelated streams. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
