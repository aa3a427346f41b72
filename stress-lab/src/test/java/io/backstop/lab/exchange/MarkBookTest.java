package io.backstop.lab.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.Side;
import io.backstop.events.liquidation.ExecutionFill;
import io.backstop.events.liquidation.LiquidationOrderPlaced;
import io.backstop.events.liquidation.OrderOwner;
import io.backstop.events.oracle.OraclePricePublished;
import io.backstop.events.oracle.PriceStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MarkBookTest {

    private static final Instant AT = Instant.parse("2025-10-10T21:15:00Z");

    private final MarkBook book = new MarkBook();

    @Test
    void anOrderWithinItsLimitFillsWholeOneBasisPointFromTheMark() {
        book.quote(price("BTCUSDT", "60000"));

        List<ExecutionFill> sold = book.fill(order("BTCUSDT", Side.SELL, "2.5", "59000"));
        List<ExecutionFill> bought = book.fill(order("BTCUSDT", Side.BUY, "0.3", "61000"));

        assertThat(sold).singleElement().satisfies(f -> {
            assertThat(f.price()).isEqualByComparingTo("59994");
            assertThat(f.quantity()).isEqualByComparingTo("2.5");
        });
        assertThat(bought).singleElement().satisfies(f -> {
            assertThat(f.price()).isEqualByComparingTo("60006");
            assertThat(f.quantity()).isEqualByComparingTo("0.3");
        });
        assertThat(sold.get(0).tradeId()).isNotEqualTo(bought.get(0).tradeId());
    }

    @Test
    void anOrderWhoseLimitTheBookDoesNotReachFillsNothing() {
        book.quote(price("BTCUSDT", "60000"));

        // a bankrupt long's sell at its bankruptcy price above the bid, a short's buy below the ask
        assertThat(book.fill(order("BTCUSDT", Side.SELL, "1", "59994.01"))).isEmpty();
        assertThat(book.fill(order("BTCUSDT", Side.BUY, "1", "60005.99"))).isEmpty();
        // exactly at the best price: filled
        assertThat(book.fill(order("BTCUSDT", Side.SELL, "1", "59994"))).hasSize(1);
    }

    @Test
    void theBookFollowsTheLatestMarkOfEachSymbolAndQuotesNothingBeforeTheFirst() {
        assertThat(book.fill(order("ETHUSDT", Side.SELL, "1", "1"))).isEmpty();

        book.quote(price("ETHUSDT", "3000"));
        book.quote(price("BTCUSDT", "60000"));
        book.quote(price("ETHUSDT", "2000"));

        assertThat(book.bid("ETHUSDT")).isEqualByComparingTo("1999.8");
        assertThat(book.ask("ETHUSDT")).isEqualByComparingTo("2000.2");
        assertThat(book.bid("BTCUSDT")).isEqualByComparingTo("59994");
        assertThat(book.bid("SOLUSDT")).isNull();
        assertThat(book.fill(order("ETHUSDT", Side.SELL, "1", "2500"))).isEmpty();
    }

    @Test
    void pricesAreRoundedToEightDecimalsInTheBooksFavour() {
        book.quote(price("SOLUSDT", "0.123456789"));

        // 0.123456789 x 0.9999 = 0.1234444434..., x 1.0001 = 0.1234691347...
        assertThat(book.bid("SOLUSDT")).isEqualByComparingTo("0.12344444");
        assertThat(book.ask("SOLUSDT")).isEqualByComparingTo("0.12346914");
    }

    private static OraclePricePublished price(String symbol, String mark) {
        BigDecimal m = new BigDecimal(mark);
        return new OraclePricePublished(symbol, m, m, m, BigDecimal.ZERO, PriceStatus.OK, null, List.of(), AT, AT);
    }

    private static LiquidationOrderPlaced order(String symbol, Side side, String quantity, String limit) {
        return new LiquidationOrderPlaced(UUID.randomUUID(), UUID.randomUUID(), OrderOwner.ACCOUNT, "a", symbol, side,
                new BigDecimal(quantity), new BigDecimal(limit), UUID.randomUUID(), 1);
    }
}
