package io.backstop.lab.exchange;

import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.oracle.OraclePricePublished;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A book of unlimited depth that follows the market: it quotes each perpetual a basis point either side of the
 * oracle's latest mark of that symbol ({@code oracle.prices}, which is keyed by the same symbol as the orders), and
 * fills an order whole at its best price when that is within the order's limit (a sell's limit is the bankruptcy
 * price: a bid below it fills nothing). Nothing is quoted for a symbol before its first mark, so an order on it is
 * cancelled whole. Where {@link SimulatedExchange#deepBook}'s fixed prices suit a burst at known prices,
 * this suits a load whose prices move and a wait after it: {@code ./backstop load --exchange} and
 * {@code ./backstop settle --exchange}. Marks arrive on one thread and orders on another.
 */
public final class MarkBook implements SimulatedExchange.OrderBook {

    /** What answers the orders, in a tool's output. */
    public static final String DESCRIPTION = "an exchange of unlimited depth at the oracle's marks, 1 bp either side";

    /** Each side of the book is this far from the mark, relative. */
    static final BigDecimal HALF_SPREAD = new BigDecimal("0.0001");
    private static final int SCALE = 8;

    private final Map<String, BigDecimal> marks = new ConcurrentHashMap<>();

    /** Takes the oracle's price of a symbol: its mark is what the book quotes around from now on. */
    public void quote(OraclePricePublished price) {
        marks.put(price.symbol(), price.markPrice());
    }

    /** The best bid of a symbol, or null before its first mark. */
    BigDecimal bid(String symbol) {
        BigDecimal mark = marks.get(symbol);
        return mark == null ? null : mark.multiply(BigDecimal.ONE.subtract(HALF_SPREAD)).setScale(SCALE,
                RoundingMode.DOWN);
    }

    /** The best ask of a symbol, or null before its first mark. */
    BigDecimal ask(String symbol) {
        BigDecimal mark = marks.get(symbol);
        return mark == null ? null : mark.multiply(BigDecimal.ONE.add(HALF_SPREAD)).setScale(SCALE, RoundingMode.UP);
    }

    @Override
    public List<ExecutionFill> fill(LiquidationOrderPlaced order) {
        boolean sell = order.side() == Side.SELL;
        BigDecimal best = sell ? bid(order.symbol()) : ask(order.symbol());
        if (best == null || (sell ? best.compareTo(order.limitPrice()) < 0 : best.compareTo(order.limitPrice()) > 0)) {
            return List.of();
        }
        return List.of(new ExecutionFill("mark-" + UUID.randomUUID(), best, order.quantity()));
    }
}
