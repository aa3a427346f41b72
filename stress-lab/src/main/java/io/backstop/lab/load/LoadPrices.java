package io.backstop.lab.load;

import io.backstop.events.market.ConversionRateObserved;
import io.backstop.events.market.VenueTickObserved;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * What {@code ./backstop load} prices, and at what: every asset a seeded account base holds
 * ({@code ./backstop seed}: BTC, ETH, SOL and BNB positions; USDC, USDE, BTC, ETH, SOL, BNB and WBETH collateral),
 * on the venues the oracle takes each from, so that margin-service can value every account. BTC and ETH are where
 * the load has always put them, 60,000 and 3,000, wandering a little each round; against a base seeded at its
 * default prices (the oct-2025 opening prices, 121,000 and 4,350) that is a fall of about half, the shock that
 * liquidates the seeded 5x longs (docs/capacity.md). The others stay at the seed's reference prices. WBETH is priced
 * by the oracle as ETH times its staking rate, which the load publishes too ({@code market.rates}).
 *
 * <p>{@code --price-only} keeps the rest unpriced on purpose: a partial price outage, in which margin-service cannot
 * value the accounts that hold an unpriced asset (it withholds their snapshots, and the at-risk list shows them
 * without figures). {@code --price} moves an asset's price, for example BTC back to the seed's 121,000. Pure: the
 * shell ({@link LoadWorld}) sends what {@link #round} and {@link #rates} return.
 */
public final class LoadPrices {

    /**
     * The venues the oracle takes an asset's index from (oracle-service's {@code backstop.oracle.symbols.<asset>
     * .venues}: seven, a quorum of three).
     */
    static final List<String> VENUES = List.of("binance", "okx", "bybit", "coinbase", "kraken", "bitget", "gate");

    /** The venue of the exchange's own perpetuals ({@code BTCUSDT-PERP}...), the basis of the oracle's marks. */
    static final String PERP_VENUE = "exchange";

    /**
     * Every asset priced by its venues, and the price a load run gives it by default (USDT): BTC and ETH at the
     * load's own levels; SOL, BNB, USDC and USDE at the seed's reference prices (margin-service's
     * {@code SeedPopulation.REFERENCE_PRICES}, which this lab cannot link: the services are separate processes).
     */
    static final Map<String, BigDecimal> DEFAULT_PRICES = ordered("BTC", "60000", "ETH", "3000", "SOL", "220",
            "BNB", "1250", "USDC", "1", "USDE", "1");

    /** How far a price wanders from round to round, in whole USDT: a round draws from [-w, w). The others stay. */
    private static final Map<String, Integer> WOBBLE = Map.of("BTC", 10, "ETH", 2);

    /** The assets with a perpetual on the exchange, quoted as {@code <asset>USDT-PERP}: the seed's markets. */
    private static final Set<String> PERPETUALS = Set.of("BTC", "ETH", "SOL", "BNB");

    /** The wrapped asset: priced by the oracle as its underlying's index times the rate its source reports. */
    static final String WRAPPED = "WBETH";
    static final String UNDERLYING = "ETH";
    /** The only source whose rates the oracle accepts for WBETH ({@code wrapped.rate-source}). */
    static final String RATE_SOURCE = "binance-staking";
    /**
     * ETH per WBETH: the oct-2025 scenario's, so that a replay after a load finds the oracle's capped rate where it
     * left it (the oracle accepts a rate above the last only by 15% a year).
     */
    static final BigDecimal RATE = new BigDecimal("1.0812");
    /** The venue quoting WBETH's own pair: shown by the oracle, used only in its naive mode. */
    private static final String WRAPPED_PAIR_VENUE = "binance";

    /** Each side of a venue's book is this far from the price, relative: the mid is the price exactly. */
    private static final BigDecimal HALF_SPREAD = new BigDecimal("0.0001");

    private final Map<String, BigDecimal> prices;
    private final boolean wrapped;

    private LoadPrices(Map<String, BigDecimal> prices, boolean wrapped) {
        this.prices = prices;
        this.wrapped = wrapped;
    }

    /** Every asset at its default price: what {@code ./backstop load} ticks without options. */
    public static LoadPrices all() {
        return of(List.of(), List.of());
    }

    /**
     * The assets to price and their prices, from the command line.
     *
     * @param priceOnly the assets to price, the others left unpriced; empty for all ({@code --price-only BTC,ETH})
     * @param overrides {@code ASSET=USDT}, a price other than the default ({@code --price BTC=121000})
     * @throws IllegalArgumentException saying what is wrong: an asset the load does not price, WBETH without ETH, a
     *                                  price that is not a positive number or is WBETH's
     */
    public static LoadPrices of(List<String> priceOnly, List<String> overrides) {
        Set<String> chosen = new LinkedHashSet<>();
        for (String asset : priceOnly) {
            chosen.add(known(asset, "--price-only"));
        }
        if (chosen.isEmpty()) {
            chosen.addAll(DEFAULT_PRICES.keySet());
            chosen.add(WRAPPED);
        }
        if (chosen.contains(WRAPPED) && !chosen.contains(UNDERLYING)) {
            throw new IllegalArgumentException("--price-only: " + WRAPPED + " is priced as " + UNDERLYING + " x its"
                    + " staking rate; price " + UNDERLYING + " too (--price-only " + UNDERLYING + "," + WRAPPED + ")");
        }
        Map<String, BigDecimal> prices = new LinkedHashMap<>();
        DEFAULT_PRICES.forEach((asset, price) -> {
            if (chosen.contains(asset)) {
                prices.put(asset, price);
            }
        });
        for (String override : overrides) {
            String[] parts = override.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("--price takes ASSET=USDT, e.g. BTC=121000, not '" + override + "'");
            }
            String asset = known(parts[0], "--price");
            if (asset.equals(WRAPPED)) {
                throw new IllegalArgumentException("--price: " + WRAPPED + " is priced as " + UNDERLYING + " x "
                        + RATE.toPlainString() + " (its staking rate); set " + UNDERLYING + "'s price instead");
            }
            if (!chosen.contains(asset)) {
                throw new IllegalArgumentException("--price " + override + ": " + asset + " is not priced in this run"
                        + " (--price-only " + String.join(",", chosen) + ")");
            }
            prices.put(asset, positive(parts[1].trim(), override));
        }
        return new LoadPrices(Map.copyOf(prices), chosen.contains(WRAPPED));
    }

    /** The assets priced, in the order of {@link #DEFAULT_PRICES}, WBETH last. */
    public List<String> assets() {
        List<String> assets = new ArrayList<>();
        DEFAULT_PRICES.keySet().stream().filter(prices::containsKey).forEach(assets::add);
        if (wrapped) {
            assets.add(WRAPPED);
        }
        return assets;
    }

    /** The price {@code asset}'s ticks wander around (USDT); its default when this run leaves it unpriced. */
    public BigDecimal reference(String asset) {
        BigDecimal price = prices.getOrDefault(asset, DEFAULT_PRICES.get(asset));
        if (price == null) {
            throw new IllegalArgumentException("no price of " + asset + " here; WBETH's is ETH's x " + RATE);
        }
        return price;
    }

    /**
     * The oracle symbols margin-service receives prices of when these ticks arrive: each asset's index, and the
     * mark of each priced perpetual ({@code BTCUSDT}).
     */
    public List<String> symbols() {
        List<String> symbols = new ArrayList<>(assets());
        assets().stream().filter(PERPETUALS::contains).forEach(a -> symbols.add(a + "USDT"));
        return symbols;
    }

    /**
     * One round of ticks stamped {@code now}: every priced asset on every venue at its price of the round (BTC and
     * ETH wandered by {@code random}), each priced perpetual on the exchange at the same price, and WBETH's own
     * pair at ETH's price of the round times the rate.
     */
    public List<VenueTickObserved> round(RandomGenerator random, Instant now) {
        List<VenueTickObserved> ticks = new ArrayList<>();
        for (Map.Entry<String, BigDecimal> e : DEFAULT_PRICES.entrySet()) {
            String asset = e.getKey();
            if (!prices.containsKey(asset)) {
                continue;
            }
            int wobble = WOBBLE.getOrDefault(asset, 0);
            BigDecimal price = wobble == 0 ? prices.get(asset)
                    : prices.get(asset).add(BigDecimal.valueOf(random.nextInt(2 * wobble) - wobble));
            for (String venue : VENUES) {
                ticks.add(tick(venue, asset, price, now));
            }
            if (PERPETUALS.contains(asset)) {
                ticks.add(tick(PERP_VENUE, asset + "USDT-PERP", price, now));
            }
            if (asset.equals(UNDERLYING) && wrapped) {
                ticks.add(tick(WRAPPED_PAIR_VENUE, WRAPPED, price.multiply(RATE), now));
            }
        }
        return ticks;
    }

    /** WBETH's staking rate, observed {@code now}, when WBETH is priced; else nothing. */
    public List<ConversionRateObserved> rates(Instant now) {
        return wrapped ? List.of(new ConversionRateObserved(WRAPPED, UNDERLYING, RATE, RATE_SOURCE, now)) : List.of();
    }

    /** For the run's output: {@code BTC 60000 (±10), ..., WBETH = ETH x 1.0812 (binance-staking)}, and what is not. */
    public String describe() {
        String priced = assets().stream().map(a -> a.equals(WRAPPED)
                ? a + " = " + UNDERLYING + " x " + RATE.toPlainString() + " (" + RATE_SOURCE + ")"
                : a + " " + prices.get(a).toPlainString() + (WOBBLE.containsKey(a) ? " (±" + WOBBLE.get(a) + ")" : ""))
                .collect(Collectors.joining(", "));
        List<String> left = new ArrayList<>(DEFAULT_PRICES.keySet());
        left.add(WRAPPED);
        left.removeAll(assets());
        return left.isEmpty() ? priced : priced + "; not priced (a partial price outage): " + String.join(", ", left);
    }

    private static VenueTickObserved tick(String venue, String symbol, BigDecimal price, Instant now) {
        BigDecimal half = price.multiply(HALF_SPREAD);
        return new VenueTickObserved(venue, symbol, price.subtract(half), price.add(half), price, now);
    }

    private static String known(String given, String option) {
        String asset = given.trim().toUpperCase(Locale.ROOT);
        if (!DEFAULT_PRICES.containsKey(asset) && !asset.equals(WRAPPED)) {
            List<String> all = new ArrayList<>(DEFAULT_PRICES.keySet());
            all.add(WRAPPED);
            throw new IllegalArgumentException(option + ": '" + given + "' is not an asset the load prices; choose"
                    + " from " + String.join(", ", all));
        }
        return asset;
    }

    private static BigDecimal positive(String value, String override) {
        BigDecimal price;
        try {
            price = new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--price " + override + ": the price must be a number of USDT");
        }
        if (price.signum() <= 0) {
            throw new IllegalArgumentException("--price " + override + ": the price must be positive");
        }
        return price;
    }

    private static Map<String, BigDecimal> ordered(String... assetsAndPrices) {
        Map<String, BigDecimal> map = new LinkedHashMap<>();
        for (int i = 0; i < assetsAndPrices.length; i += 2) {
            map.put(assetsAndPrices[i], new BigDecimal(assetsAndPrices[i + 1]));
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
