package io.backstop.lab.exchange;

import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.lab.scenario.World;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * The exchange's own books in a scenario's world: an order on a perpetual (BTCUSDT) trades on the
 * world's market of that perpetual (BTCUSDT-PERP) at the exchange's venue, within its limit, and what it
 * trades moves that market's price, which the exchange's ticks then carry to the oracle. Quantities are
 * rounded down to 8 decimals, prices to the cent in the order's favour of its limit (a sell's up, a
 * buy's down), so a fill is never beyond the limit. Used by one thread at a time.
 */
public final class ScenarioBook implements SimulatedExchange.OrderBook {

    public static final String VENUE = "exchange";

    private final World world;
    private final Map<String, String> marketOf;
    private final String tradeIds;
    private long trades;

    /**
     * @param marketOf the world's market of each perpetual the exchange trades (BTCUSDT -> BTCUSDT-PERP)
     * @param tradeIds what the exchange's trade ids start with (the run's name): then its count of trades, so
     *                 the same run makes the same ids
     */
    public ScenarioBook(World world, Map<String, String> marketOf, String tradeIds) {
        this.world = world;
        this.marketOf = Map.copyOf(marketOf);
        this.tradeIds = tradeIds;
    }

    @Override
    public List<ExecutionFill> fill(LiquidationOrderPlaced order) {
        String market = marketOf.get(order.symbol());
        if (market == null) {
            return List.of(); // not traded here: cancelled
        }
        boolean sell = order.side() == Side.SELL;
        World.Fill fill;
        synchronized (world) {
            fill = world.fillIoc(market, VENUE, sell, order.quantity().doubleValue(), order.limitPrice().doubleValue());
        }
        BigDecimal quantity = BigDecimal.valueOf(fill.quantity()).setScale(8, RoundingMode.DOWN)
                .min(order.quantity());
        if (quantity.signum() <= 0) {
            return List.of();
        }
        BigDecimal price = BigDecimal.valueOf(fill.averagePrice()).setScale(2, sell ? RoundingMode.UP : RoundingMode.DOWN);
        price = sell ? price.max(order.limitPrice()) : price.min(order.limitPrice());
        return List.of(new ExecutionFill(tradeIds + "-x" + (++trades), price, quantity));
    }
}
