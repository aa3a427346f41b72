package io.backstop.lab.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.lab.scenario.Scenarios;
import io.backstop.lab.scenario.World;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ScenarioBookTest {

    private final World world = new World(Scenarios.load("oct-2025"));
    private final ScenarioBook book = new ScenarioBook(world, Map.of("BTCUSDT", "BTCUSDT-PERP"), "test");

    @Test
    void fillsNeverBeyondTheLimitAndNeverMoreThanOrdered() {
        world.advance(1);
        BigDecimal mid = BigDecimal.valueOf(world.price("BTCUSDT-PERP", ScenarioBook.VENUE));
        for (String[] o : new String[][] {{"SELL", "0.999", "50"}, {"SELL", "0.95", "0.5"}, {"BUY", "1.001", "30"},
                {"BUY", "1.2", "0.25"}}) {
            Side side = Side.valueOf(o[0]);
            BigDecimal limit = mid.multiply(new BigDecimal(o[1])).setScale(2, RoundingMode.HALF_EVEN);
            BigDecimal qty = new BigDecimal(o[2]);
            List<ExecutionFill> fills = book.fill(order(side, qty, limit));
            assertThat(fills).hasSize(1);
            ExecutionFill f = fills.get(0);
            assertThat(f.quantity()).isPositive().isLessThanOrEqualTo(qty);
            if (side == Side.SELL) {
                assertThat(f.price()).isGreaterThanOrEqualTo(limit);
            } else {
                assertThat(f.price()).isLessThanOrEqualTo(limit);
            }
        }
    }

    @Test
    void anOrderOnASymbolTheExchangeDoesNotTradeOrBeyondTheBookIsCancelled() {
        world.advance(1);
        assertThat(book.fill(new LiquidationOrderPlaced(UUID.randomUUID(), UUID.randomUUID(), OrderOwner.ACCOUNT, "a",
                "DOGEUSDT", Side.SELL, BigDecimal.ONE, BigDecimal.ONE, UUID.randomUUID(), 1))).isEmpty();
        BigDecimal far = BigDecimal.valueOf(world.price("BTCUSDT-PERP", ScenarioBook.VENUE) * 1.05);
        assertThat(book.fill(order(Side.SELL, BigDecimal.ONE, far.setScale(2, RoundingMode.UP)))).isEmpty();
    }

    private static LiquidationOrderPlaced order(Side side, BigDecimal qty, BigDecimal limit) {
        return new LiquidationOrderPlaced(UUID.randomUUID(), UUID.randomUUID(), OrderOwner.ACCOUNT, "a", "BTCUSDT", side,
                qty, limit, UUID.randomUUID(), 1);
    }
}
