package io.backstop.kit.prices;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Prices need no inbox: a redelivered or out-of-order price of a symbol is older or equal, and changes nothing. */
class PriceBoardTest {

    private final PriceBoard board = new PriceBoard();

    @Test
    void aNewerSequenceWinsAndAnOlderOrEqualOneIsIgnored() {
        board.update("ETHUSDT", new BigDecimal("3800"), new BigDecimal("3801"), 7);
        board.update("ETHUSDT", new BigDecimal("3700"), new BigDecimal("3701"), 6);
        board.update("ETHUSDT", new BigDecimal("3600"), new BigDecimal("3601"), 7);

        assertThat(board.mark("ETHUSDT")).contains(new BigDecimal("3801"));
        assertThat(board.indexes()).containsEntry("ETHUSDT", new BigDecimal("3800"));

        board.update("ETHUSDT", new BigDecimal("3900"), new BigDecimal("3901"), 8);

        assertThat(board.mark("ETHUSDT")).contains(new BigDecimal("3901"));
    }
}
