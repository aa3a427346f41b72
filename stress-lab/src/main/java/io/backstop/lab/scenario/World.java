package io.backstop.lab.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The simulated world outside Backstop, minute by simulated minute: an honest price per market (the
 * scenario's path with seeded noise; a wrapper is its underlying × rate), and on each venue that price
 * moved by the venue's own dislocation and by the impact of what was sold into its book. Impact is
 * linear in the sale and inverse in the depth the market makers leave; it fades with the venue's
 * recovery half-life. Sales come from the scenario's manipulations and from the exchange's liquidation
 * orders ({@link #sell}), which is the feedback loop: liquidations move the very prices that mark them.
 * Deterministic for a seed, and a function of time alone: the honest prices' noise is drawn on a fixed
 * grid of {@link #GRID_MINUTES} and interpolated between its points, and the makers' depth is a function
 * of the minute, so how often the world is advanced (each step of the replay, however many the platform's
 * reactions need) changes nothing but what trades into its books. Not thread-safe: one simulation thread
 * drives it.
 */
public final class World {

    /** A venue's quote at a moment: what the venue publishes as a tick. */
    public record Tick(String symbol, String venue, double bid, double ask, double last, double minute) {
    }

    /** What a sale got: the average price, and the venue's price after it. */
    public record Sale(double averagePrice, double priceAfter) {
    }

    /** What an immediate-or-cancel order got: the quantity filled (0 for none) at its average price. */
    public record Fill(double quantity, double averagePrice) {
    }

    private static final double MAX_IMPACT = 0.99;
    /** The honest prices' noise is drawn once per simulated second. */
    public static final double GRID_MINUTES = 1.0 / 60;

    private final Scenario scenario;
    private final Random random;
    private final Map<String, Scenario.Market> markets = new LinkedHashMap<>();
    private final Map<String, Double> noise = new LinkedHashMap<>();      // log-noise of each market's honest price
    private final Map<String, Double> noiseAtGrid = new LinkedHashMap<>(); // ... at the last grid point passed
    private final Map<String, Double> noiseAtNext = new LinkedHashMap<>(); // ... at the next grid point
    private long grid;                                                     // index of the last grid point passed
    private final Map<String, Double> impact = new LinkedHashMap<>();     // symbol|venue -> fraction below honest
    private final List<Scenario.Manipulation> manipulationsDue;
    private double minute;
    private double depth = 1.0;                                           // fraction of full depth the makers leave

    public World(Scenario scenario) {
        this.scenario = scenario;
        this.random = new Random(scenario.seed());
        for (Scenario.Market m : scenario.markets()) {
            markets.put(m.symbol(), m);
            noise.put(m.symbol(), 0.0);
            noiseAtGrid.put(m.symbol(), 0.0);
            for (Scenario.Venue v : m.venues()) {
                impact.put(key(m.symbol(), v.name()), 0.0);
            }
        }
        drawNextGridPoint();
        this.manipulationsDue = new ArrayList<>(scenario.manipulations());
        this.manipulationsDue.sort(java.util.Comparator.comparingDouble(Scenario.Manipulation::minute));
    }

    public double minute() {
        return minute;
    }

    public double depth() {
        return depth;
    }

    /** Moves the world {@code dt} simulated minutes on and returns every venue's tick at the new time. */
    public List<Tick> advance(double dt) {
        if (dt <= 0) {
            throw new IllegalArgumentException("time moves forward: dt " + dt);
        }
        return advanceTo(minute + dt);
    }

    /**
     * Moves the world to {@code target} (simulated minutes from T0; not before now) and returns every venue's
     * tick then. Whatever the steps, the world at a minute is the same, but for what was traded into it.
     */
    public List<Tick> advanceTo(double target) {
        if (target < minute) {
            throw new IllegalArgumentException("time moves forward: from " + minute + " to " + target);
        }
        // a manipulation happens at its own minute, however the world is stepped over it
        while (!manipulationsDue.isEmpty() && manipulationsDue.get(0).minute() <= target) {
            Scenario.Manipulation m = manipulationsDue.remove(0);
            moveTo(Math.max(minute, m.minute()));
            sell(m.symbol(), m.venue(), m.notional());
        }
        moveTo(target);
        return quotes();
    }

    /** Time passes to {@code target}: noise, the makers' depth, impact fading. */
    private void moveTo(double target) {
        double dt = target - minute;
        minute = target;
        while (minute >= (grid + 1) * GRID_MINUTES) {
            grid++;
            noiseAtGrid.putAll(noiseAtNext);
            drawNextGridPoint();
        }
        double w = (minute - grid * GRID_MINUTES) / GRID_MINUTES;
        for (String symbol : noiseAtNext.keySet()) {
            noise.put(symbol, noiseAtGrid.get(symbol) + w * (noiseAtNext.get(symbol) - noiseAtGrid.get(symbol)));
        }
        Scenario.MarketMakers makers = scenario.marketMakers();
        if (makers != null && minute >= makers.atMinute()) {
            depth = Math.min(1.0, Math.max(0.01, 1 - makers.withdraw())
                    + makers.replenishPerMinute() * (minute - makers.atMinute()));
        }
        for (Scenario.Market m : markets.values()) {
            for (Scenario.Venue v : m.venues()) {
                String k = key(m.symbol(), v.name());
                impact.put(k, impact.get(k) * Math.pow(0.5, dt / Math.max(v.recoveryMinutes(), 1e-9)));
            }
        }
    }

    /** The noise of every market that is not a wrapper at the grid point after the last one passed. */
    private void drawNextGridPoint() {
        for (Scenario.Market m : markets.values()) {
            if (m.wrapped() == null) {
                noiseAtNext.put(m.symbol(), noiseAtGrid.get(m.symbol())
                        + m.volatility() * Math.sqrt(GRID_MINUTES) * random.nextGaussian());
            }
        }
    }

    /** Every venue's tick now, without moving time (to keep prices fresh while the replay gets ready). */
    public List<Tick> quotes() {
        List<Tick> ticks = new ArrayList<>();
        for (Scenario.Market m : markets.values()) {
            for (Scenario.Venue v : m.venues()) {
                double last = price(m.symbol(), v.name());
                ticks.add(new Tick(m.symbol(), v.name(), last * (1 - v.spread() / 2), last * (1 + v.spread() / 2), last,
                        minute));
            }
        }
        return ticks;
    }

    /** The honest price of a market now: what all its venues would agree on without impact or dislocation. */
    public double honest(String symbol) {
        Scenario.Market m = market(symbol);
        if (m.wrapped() != null) {
            return honest(m.wrapped()) * m.rate();
        }
        return m.start() * interpolate(m.path(), minute, 1.0) * Math.exp(noise.get(symbol));
    }

    /** A venue's price now. */
    public double price(String symbol, String venue) {
        Scenario.Venue v = venue(symbol, venue);
        double dislocation = interpolate(v.dislocation(), minute, 0.0);
        return honest(symbol) * (1 - dislocation) * (1 - impact.get(key(symbol, venue)));
    }

    /** Sells {@code notional} (quote currency) into a venue's book now. */
    public Sale sell(String symbol, String venue, double notional) {
        return trade(symbol, venue, notional, true);
    }

    /** Buys {@code notional} from a venue's book now (a short being closed). */
    public Sale buy(String symbol, String venue, double notional) {
        return trade(symbol, venue, notional, false);
    }

    /**
     * An immediate-or-cancel order against a venue's book: a sell starts at the bid and walks down it, a
     * buy at the ask and up; it fills the most of {@code quantity} whose average price stays within
     * {@code limit}, moves the venue's price by what it traded, and cancels the rest.
     */
    public Fill fillIoc(String symbol, String venue, boolean sell, double quantity, double limit) {
        Scenario.Venue v = venue(symbol, venue);
        double mid = price(symbol, venue);
        double best = sell ? mid * (1 - v.spread() / 2) : mid * (1 + v.spread() / 2);
        double room = sell ? 1 - limit / best : limit / best - 1;  // how far the average may move from the best
        if (room < 0 || quantity <= 0) {
            return new Fill(0, best);
        }
        // average = best x (1 -/+ move / 2), move = spacing x notional / (level notional x depth)
        double maxNotional = 2 * room * v.levelNotional() * depth / v.levelSpacing();
        double filled = Math.min(quantity, maxNotional / best);
        double move = v.levelSpacing() * filled * best / (v.levelNotional() * depth);
        double average = sell ? best * (1 - move / 2) : best * (1 + move / 2);
        trade(symbol, venue, filled * best, sell);
        return new Fill(filled, sell ? Math.max(average, limit) : Math.min(average, limit));
    }

    private Sale trade(String symbol, String venue, double notional, boolean sell) {
        if (notional < 0) {
            throw new IllegalArgumentException("notional must not be negative: " + notional);
        }
        Scenario.Venue v = venue(symbol, venue);
        String k = key(symbol, venue);
        double before = price(symbol, venue);
        double move = v.levelSpacing() * notional / (v.levelNotional() * depth);
        double current = impact.get(k);
        // impact compounds on the price the sale meets: (1 - after) = (1 - before) (1 -/+ move)
        double after = sell ? 1 - (1 - current) * (1 - Math.min(move, MAX_IMPACT))
                : 1 - (1 - current) * (1 + move);
        impact.put(k, Math.min(after, MAX_IMPACT));
        double priceAfter = price(symbol, venue);
        return new Sale((before + priceAfter) / 2, priceAfter);
    }

    private Scenario.Market market(String symbol) {
        Scenario.Market m = markets.get(symbol);
        if (m == null) {
            throw new IllegalArgumentException("no market " + symbol + " in scenario " + scenario.name());
        }
        return m;
    }

    private Scenario.Venue venue(String symbol, String venue) {
        return market(symbol).venues().stream().filter(v -> v.name().equals(venue)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no venue " + venue + " for " + symbol));
    }

    private static String key(String symbol, String venue) {
        return symbol + "|" + venue;
    }

    /** The path's value at {@code t}: linear between points, flat outside them; {@code none} without points. */
    static double interpolate(List<Scenario.PathPoint> path, double t, double none) {
        if (path.isEmpty()) {
            return none;
        }
        if (t <= path.get(0).minute()) {
            return path.get(0).factor();
        }
        for (int i = 1; i < path.size(); i++) {
            Scenario.PathPoint a = path.get(i - 1);
            Scenario.PathPoint b = path.get(i);
            if (t <= b.minute()) {
                double w = (t - a.minute()) / (b.minute() - a.minute());
                return a.factor() + w * (b.factor() - a.factor());
            }
        }
        return path.get(path.size() - 1).factor();
    }
}
