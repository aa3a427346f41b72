package io.backstop.lab.scenario;

import java.util.List;
import java.util.Map;

/**
 * A stress scenario as a file describes it (YAML, see {@code scenarios/oct-2025.yml}): the markets with
 * their venues and price paths, the manipulations, the wrapped assets' dislocations, the market makers'
 * withdrawal, the traders. Time is in simulated minutes from the shock (T0), which is {@code start}. The
 * books' depths, the manipulations and the insurance fund are sized for {@code traders.accounts} traders;
 * {@link #scaledTo} sizes them for another population. A fixed {@code seed} gives the same run twice.
 */
public record Scenario(String name, String description, long seed, double minutes, java.time.Instant start,
                       List<Market> markets, List<Manipulation> manipulations, MarketMakers marketMakers,
                       Traders traders, Map<String, Double> insuranceFund) {

    public Scenario {
        markets = List.copyOf(markets == null ? List.of() : markets);
        insuranceFund = insuranceFund == null ? Map.of() : Map.copyOf(insuranceFund);
        if (insuranceFund.values().stream().anyMatch(v -> v < 0)) {
            throw new InvalidScenario(name, "insuranceFund: a fund's opening deposit cannot be negative");
        }
        manipulations = List.copyOf(manipulations == null ? List.of() : manipulations);
        if (markets.isEmpty()) {
            throw new InvalidScenario(name, "markets: at least one market is needed");
        }
        if (minutes <= 0) {
            throw new InvalidScenario(name, "minutes must be positive, got " + minutes);
        }
        if (start == null) {
            throw new InvalidScenario(name, "start: the moment of the shock (T0) is needed, e.g. 2025-10-10T20:00:00Z");
        }
        for (Manipulation m : manipulations) {
            Market market = markets.stream().filter(k -> k.symbol().equals(m.symbol())).findFirst()
                    .orElseThrow(() -> new InvalidScenario(name, "manipulation of unknown market " + m.symbol()));
            if (market.venues().stream().noneMatch(v -> v.name().equals(m.venue()))) {
                throw new InvalidScenario(name, "manipulation on " + m.venue() + ", not a venue of " + m.symbol());
            }
        }
        if (traders == null || traders.accounts() < 1) {
            throw new InvalidScenario(name, "traders.accounts: the population the scenario is sized for must be"
                    + " at least 1");
        }
    }

    /** The same scenario with another seed or length (null keeps the scenario's). */
    public Scenario with(Long seed, Double minutes) {
        return new Scenario(name, description, seed == null ? this.seed : seed, minutes == null ? this.minutes : minutes,
                start, markets, manipulations, marketMakers, traders, insuranceFund);
    }

    /**
     * The scenario for {@code accounts} traders: every book's depth, every manipulation and every opening fund
     * deposit multiplied by {@code accounts / traders.accounts}, so prices move as they do for the population the
     * scenario is sized for (USDe still reaches 0.65 on the one venue) while the money at stake grows with it.
     */
    public Scenario scaledTo(int accounts) {
        if (accounts < 1) {
            throw new IllegalArgumentException("at least one trader is needed, not " + accounts);
        }
        double f = scale(accounts);
        List<Market> scaled = markets.stream().map(m -> new Market(m.symbol(), m.start(), m.path(), m.volatility(),
                m.wrapped(), m.rate(), m.rateSource(), m.venues().stream().map(v -> new Venue(v.name(),
                        v.levelNotional() * f, v.levelSpacing(), v.spread(), v.recoveryMinutes(), v.dislocation()))
                        .toList())).toList();
        List<Manipulation> sales = manipulations.stream().map(m -> new Manipulation(m.symbol(), m.venue(), m.minute(),
                m.notional() * f)).toList();
        Map<String, Double> fund = new java.util.LinkedHashMap<>();
        insuranceFund.forEach((group, amount) -> fund.put(group, amount * f));
        Traders population = new Traders(accounts, traders.leverage(), traders.longShare(), traders.collateral(),
                traders.notionalPerAccount(), traders.haircuts(), traders.lateShare(), traders.lateUntil(),
                traders.lateLongShare());
        return new Scenario(name, description, seed, minutes, start, scaled, sales, marketMakers, population, fund);
    }

    /** How many times the population the scenario is sized for {@code accounts} traders are. */
    public double scale(int accounts) {
        return accounts / (double) traders.accounts();
    }

    /**
     * One asset priced on several venues (oracle symbol, for example {@code BTC}, {@code USDE}).
     *
     * @param start      price at T0 (for a wrapped asset: the underlying's price is multiplied by {@code rate})
     * @param path       the honest price's shape: factor of {@code start} at given minutes, linear between
     * @param volatility standard deviation of the honest price's relative move per simulated minute
     * @param wrapped    the underlying market when this asset is a wrapper (wBETH of ETH), else null
     * @param rate       the wrapper's conversion rate to its underlying (ignored otherwise)
     * @param rateSource who publishes that rate (a wrapper whose rate the oracle reads; null for none)
     */
    public record Market(String symbol, double start, List<PathPoint> path, double volatility, String wrapped,
                         double rate, String rateSource, List<Venue> venues) {

        public Market {
            path = List.copyOf(path == null ? List.of() : path);
            venues = List.copyOf(venues == null ? List.of() : venues);
            if (wrapped == null && start <= 0) {
                throw new InvalidScenario(symbol, "start: a market's price at T0 must be positive, got " + start);
            }
            if (wrapped != null && rate <= 0) {
                throw new InvalidScenario(symbol, "rate: a wrapper's conversion rate must be positive, got " + rate);
            }
            if (venues.isEmpty()) {
                throw new InvalidScenario(symbol, "venues: a market needs at least one venue");
            }
        }
    }

    /** The honest price is {@code factor} × start at {@code minute}. */
    public record PathPoint(double minute, double factor) {
    }

    /**
     * A venue's book on a market: selling {@code levelNotional} (in the quote currency) moves its price
     * down by {@code levelSpacing} (a fraction), so the impact of a sale is linear in its size and inverse
     * in the depth; impact fades with {@code recoveryMinutes} as its half-life (arbitrage).
     *
     * @param dislocation the venue's own discount to the honest price over time (a thin own pair: wBETH),
     *                    linear between points; empty for none
     */
    public record Venue(String name, double levelNotional, double levelSpacing, double spread, double recoveryMinutes,
                        List<PathPoint> dislocation) {

        public Venue {
            dislocation = List.copyOf(dislocation == null ? List.of() : dislocation);
            if (levelNotional <= 0 || levelSpacing <= 0 || recoveryMinutes <= 0) {
                throw new InvalidScenario(name, "levelNotional, levelSpacing and recoveryMinutes must be positive");
            }
        }
    }

    /** {@code notional} sold into one venue's book at {@code minute} (the USDe sale). */
    public record Manipulation(String symbol, String venue, double minute, double notional) {
    }

    /**
     * Market makers pull a {@code withdraw} fraction of every book's depth at {@code atMinute}, then put
     * it back at {@code replenishPerMinute} (a fraction of the full depth per simulated minute).
     */
    public record MarketMakers(double atMinute, double withdraw, double replenishPerMinute) {
    }

    /**
     * The trader population: {@code accounts} accounts, leverage drawn from the weighted buckets, a
     * {@code longShare} of them long, collateral split by the asset shares (summing to 1).
     *
     * @param haircuts  the collateral haircuts the exchange applies (as margin-service is configured), so
     *                  the replay can value an account at true prices by the same rules
     * @param lateShare the share of traders who open their position during the run (at a minute drawn
     *                  uniformly before {@code lateUntil}) instead of at T0, at the market's price then
     * @param lateLongShare the share of those late traders who go long (absent: {@code longShare}); traders
     *                  who open into a crash short it more often
     */
    public record Traders(int accounts, Map<String, Double> leverage, double longShare,
                          Map<String, Double> collateral, double notionalPerAccount, Map<String, Double> haircuts,
                          double lateShare, double lateUntil, Double lateLongShare) {

        public Traders {
            haircuts = haircuts == null ? Map.of() : Map.copyOf(haircuts);
            lateLongShare = lateLongShare == null ? longShare : lateLongShare;
            if (lateShare < 0 || lateShare > 1 || lateUntil < 0 || lateLongShare < 0 || lateLongShare > 1) {
                throw new IllegalArgumentException("traders: lateShare and lateLongShare must be within [0, 1] and"
                        + " lateUntil not negative");
            }
        }
    }

    /** A scenario file that does not describe a runnable world. */
    public static final class InvalidScenario extends IllegalArgumentException {
        public InvalidScenario(String scenario, String problem) {
            super("scenario " + scenario + ": " + problem);
        }
    }
}
