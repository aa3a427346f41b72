package io.backstop.lab.replay;

import io.backstop.events.Side;
import io.backstop.lab.scenario.Scenario;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The scenario's traders, drawn from its seed: each with a leverage from the weighted buckets, long with
 * the scenario's probability, one perpetual position around the notional per account, and collateral
 * worth the position's notional ÷ leverage × (1 + {@link #CUSHION}) at T0 prices, split over assets by
 * the scenario's collateral mix. Exact decimals: collateral amounts to 8 decimals (USDT to the cent),
 * quantities to 4.
 */
public final class TraderPopulation {

    /** Collateral above the initial margin each trader starts with. */
    public static final BigDecimal CUSHION = new BigDecimal("0.10");

    /**
     * One trader as the replay opens it: the account, its deposits, and the trade that opens its position —
     * at T0 at {@code price}, or at simulated minute {@code opensAt} at the market's price then.
     */
    public record Trader(String accountId, int leverage, Map<String, BigDecimal> collateral, String symbol, Side side,
                         BigDecimal quantity, BigDecimal price, double opensAt) {

        public BigDecimal notional() {
            return quantity.multiply(price);
        }
    }

    private TraderPopulation() {
    }

    /**
     * @param prices  T0 price of every collateral asset (USDT is 1) and of each perpetual's underlying
     * @param perps   the perpetuals traders open, with their weights (BTCUSDT: 0.6, ETHUSDT: 0.4)
     * @param indexOf the index symbol of each perpetual (BTCUSDT -> BTC), whose T0 price it opens at
     */
    public static List<Trader> generate(Scenario scenario, String run, int accounts, Map<String, BigDecimal> prices,
                                        Map<String, Double> perps, Map<String, String> indexOf) {
        Scenario.Traders t = scenario.traders();
        Random random = new Random(scenario.seed() * 31 + 7);
        List<Trader> traders = new ArrayList<>(accounts);
        for (int i = 0; i < accounts; i++) {
            boolean late = random.nextDouble() < t.lateShare();
            double opensAt = late ? random.nextDouble() * t.lateUntil() : 0;
            int leverage = Integer.parseInt(pick(random, t.leverage()));
            String symbol = pick(random, perps);
            Side side = random.nextDouble() < (late ? t.lateLongShare() : t.longShare()) ? Side.BUY : Side.SELL;
            BigDecimal price = prices.get(indexOf.get(symbol));
            BigDecimal notional = BigDecimal.valueOf(t.notionalPerAccount() * (0.5 + random.nextDouble()));
            BigDecimal quantity = notional.divide(price, 4, RoundingMode.DOWN).max(new BigDecimal("0.0001"));
            BigDecimal margin = quantity.multiply(price).divide(BigDecimal.valueOf(leverage), 8, RoundingMode.UP)
                    .multiply(BigDecimal.ONE.add(CUSHION));
            Map<String, BigDecimal> collateral = new LinkedHashMap<>();
            for (Map.Entry<String, Double> share : t.collateral().entrySet()) {
                String asset = share.getKey();
                BigDecimal value = margin.multiply(BigDecimal.valueOf(share.getValue()));
                BigDecimal amount = asset.equals("USDT") ? value.setScale(2, RoundingMode.UP)
                        : value.divide(prices.get(asset), 8, RoundingMode.UP);
                if (amount.signum() > 0) {
                    collateral.put(asset, amount);
                }
            }
            traders.add(new Trader(run + "-" + i, leverage, collateral, symbol, side, quantity, price, opensAt));
        }
        return traders;
    }

    /** A key drawn with probability proportional to its weight (in the map's order, so the same seed draws the same). */
    private static String pick(Random random, Map<String, Double> weights) {
        double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        double x = random.nextDouble() * total;
        String last = null;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            last = e.getKey();
            x -= e.getValue();
            if (x < 0) {
                return last;
            }
        }
        return last;
    }
}
