package io.backstop.insurance.waterfall;

import static io.backstop.insurance.waterfall.WaterfallTest.d;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlannedQueueTest {

    /** Longs L000..L(n-1) of 1 each at 650, L000 the most profitable; {@code asks} records each head asked for. */
    private static AdlSide side(int n, List<Integer> asks) {
        List<AdlCandidate> ranked = IntStream.range(0, n).mapToObj(i -> {
            BigDecimal entry = d("600").add(BigDecimal.valueOf(i));
            BigDecimal pnl = d("650").subtract(entry);
            return new AdlCandidate("L%03d".formatted(i), BigDecimal.ONE, entry, d("650"), pnl, d("1000"),
                    d("1000").add(pnl), d("0.1"));
        }).toList();
        return k -> {
            asks.add(k);
            return ranked.subList(0, Math.min(k, n));
        };
    }

    @Test
    void aHeadIsReadOncePerLengthAtLeastTheReadAheadAndNotAgainOnceTheWholeSideCameBack() {
        int ahead = PlannedQueue.READ_AHEAD;
        List<Integer> asks = new ArrayList<>();
        PlannedQueue queue = new PlannedQueue();
        AdlSide view = queue.side("BTCUSDT", true, d("650"), () -> side(ahead * 5, asks));

        assertThat(view.top(3)).extracting(AdlCandidate::accountId).containsExactly("L000", "L001", "L002");
        assertThat(view.top(2)).extracting(AdlCandidate::accountId).containsExactly("L000", "L001");
        assertThat(view.top(ahead)).hasSize(ahead);
        assertThat(asks).as("one read as far as the read-ahead serves every shorter head").containsExactly(ahead);
        assertThat(view.top(ahead + 1)).hasSize(ahead + 1).startsWith(view.top(3).toArray(AdlCandidate[]::new));
        assertThat(view.top(ahead * 8)).hasSize(ahead * 5);
        assertThat(view.top(ahead * 9)).hasSize(ahead * 5);
        assertThat(queue.side("BTCUSDT", true, d("650.00"), () -> side(10, asks)).top(ahead * 5)).hasSize(ahead * 5);
        assertThat(asks).as("the side came back whole: never read again, at the same mark however written")
                .containsExactly(ahead, ahead + 1, ahead * 8);
        assertThat(queue.reads()).isEqualTo(3);
    }

    @Test
    void aFullerPollReadsItsSidesAPageDeeperTheFirstTimeSoThatItsWalkNeedsNoSecondRead() {
        assertThat(PlannedQueue.readAhead(1)).isEqualTo(PlannedQueue.READ_AHEAD);
        assertThat(PlannedQueue.readAhead(PlannedQueue.POLL_READ_AHEAD_SERVES)).isEqualTo(PlannedQueue.READ_AHEAD);
        int deeper = PlannedQueue.readAhead(5_000);
        assertThat(deeper).isEqualTo(PlannedQueue.READ_AHEAD * 4)
                .isEqualTo(PlannedQueue.readAhead(PlannedQueue.POLL_READ_AHEAD_SERVES + 1));

        // a walk four pages deep (256, 1,024, 4,096, 16,384), as a poll of 5,000 shortfalls may go
        List<Integer> kitPoll = new ArrayList<>();
        AdlSide narrow = new PlannedQueue(PlannedQueue.readAhead(500)).side("BTCUSDT", true, d("650"),
                () -> side(20_000, kitPoll));
        List<Integer> fullPoll = new ArrayList<>();
        PlannedQueue full = new PlannedQueue(deeper);
        AdlSide wide = full.side("BTCUSDT", true, d("650"), () -> side(20_000, fullPoll));
        for (int page : List.of(256, 1_024, 4_096, 16_384)) {
            assertThat(wide.top(page)).isEqualTo(narrow.top(page)).hasSize(page);
        }
        assertThat(kitPoll).as("read again past the read ahead").containsExactly(4_096, 16_384);
        assertThat(fullPoll).as("the same walk, one statement").containsExactly(16_384);
        assertThat(full.reads()).isEqualTo(1);
        assertThatThrownBy(() -> new PlannedQueue(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSideShorterThanTheReadAheadIsReadOnceWhole() {
        List<Integer> asks = new ArrayList<>();
        PlannedQueue queue = new PlannedQueue();
        AdlSide view = queue.side("BTCUSDT", true, d("650"), () -> side(10, asks));
        assertThat(view.top(1)).hasSize(1);
        assertThat(view.top(11)).hasSize(10);
        assertThat(asks).containsExactly(PlannedQueue.READ_AHEAD);
    }

    @Test
    void eachSideAndMarkIsReadOnItsOwnAndWhatWasAskedCountsOnTheSymbolWhateverTheMark() {
        List<Integer> longs = new ArrayList<>();
        List<Integer> later = new ArrayList<>();
        List<Integer> shorts = new ArrayList<>();
        PlannedQueue queue = new PlannedQueue();
        AdlSide atFirst = queue.side("BTCUSDT", true, d("650"), () -> side(4, longs));
        AdlSide atSecond = queue.side("BTCUSDT", true, d("651"), () -> side(4, later));
        queue.side("BTCUSDT", false, d("650"), () -> side(4, shorts)).top(1);
        atFirst.top(2);
        atSecond.top(2);
        assertThat(longs).hasSize(1);
        assertThat(later).hasSize(1);
        assertThat(shorts).hasSize(1);

        AdlCandidate first = atFirst.top(1).get(0);
        queue.asked("BTCUSDT", List.of(new WaterfallResult.AdlMatch(first.accountId(), 1, d("0.25"), BigDecimal.ONE,
                first.size())));
        assertThat(atFirst.available(first)).isEqualByComparingTo("0.75");
        assertThat(atSecond.available(first)).isEqualByComparingTo("0.75");
        queue.asked("BTCUSDT", List.of(new WaterfallResult.AdlMatch(first.accountId(), 1, d("0.75"), BigDecimal.ONE,
                first.size())));
        assertThat(atFirst.available(first)).isZero();
        assertThat(atFirst.without(java.util.Set.of("L003")).available(first)).as("kept by a side without others")
                .isZero();
        assertThat(queue.side("ETHUSDT", true, d("650"), () -> side(4, new ArrayList<>())).available(first))
                .as("another symbol's position").isEqualByComparingTo("1");
    }

    @Test
    void whatMarginAnsweredAndHasNotAnsweredCountsOnItsSymbolOnly() {
        PlannedQueue queue = new PlannedQueue();
        assertThat(queue.knows("BTCUSDT")).isFalse();
        queue.learn("BTCUSDT", java.util.Set.of("L001"), java.util.Map.of("L002", d("0.25"), "L003", d("1")));
        assertThat(queue.knows("BTCUSDT")).isTrue();
        AdlSide btc = queue.side("BTCUSDT", true, d("650"), () -> side(5, new ArrayList<>()));
        AdlSide eth = queue.side("ETHUSDT", true, d("650"), () -> side(5, new ArrayList<>()));
        assertThat(btc.top(5)).extracting(btc::available).map(BigDecimal::toPlainString)
                .containsExactly("1", "0", "0.75", "0", "1");
        assertThat(eth.top(5)).extracting(eth::available).map(BigDecimal::toPlainString)
                .containsExactly("1", "1", "1", "1", "1");
        assertThat(queue.knows("ETHUSDT")).isFalse();

        // this decision asks L002 0.5 more; margin then answers the earlier 0.25 in full, and refuses L004
        AdlCandidate l002 = btc.top(3).get(2);
        queue.asked("BTCUSDT", List.of(new WaterfallResult.AdlMatch("L002", 1, d("0.5"), BigDecimal.ONE, l002.size())));
        queue.answered("BTCUSDT", "L002", d("0.25"), false);
        queue.answered("BTCUSDT", "L004", d("2"), true);
        assertThat(btc.top(5)).extracting(btc::available).map(v -> v.stripTrailingZeros().toPlainString())
                .containsExactly("1", "0", "0.5", "0", "0");
    }
}
