package io.backstop.insurance.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.insurance.engine.AdlStore;
import io.backstop.insurance.waterfall.AdlCandidate;
import io.backstop.insurance.waterfall.AdlHeadTest;
import io.backstop.insurance.waterfall.AdlQueue;
import io.backstop.insurance.waterfall.AdlRanking;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QueueHeadsTest {

    private static final Instant T0 = Instant.parse("2026-12-04T22:00:00Z");

    /** A side held in memory, counting its reads. */
    static final class Side extends AdlStore {
        final List<AdlCandidate> candidates = new ArrayList<>(AdlHeadTest.randomSide(new Random(5), 1500));
        int reads;

        Side() {
            super(null);
        }

        @Override
        public List<AdlCandidate> headWithoutExhausted(String symbol, boolean longs, BigDecimal mark,
                                                       AdlRanking ranking, int k) {
            reads++;
            List<AdlQueue.Ranked> all = AdlQueue.rank(candidates, ranking);
            return all.subList(0, Math.min(k, all.size())).stream().map(AdlQueue.Ranked::candidate).toList();
        }

        @Override
        public int sideSize(String symbol, boolean longs) {
            return candidates.size();
        }
    }

    static final class Ticking extends Clock {
        Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void aHeadIsTheWholeRankingsFirstThousandWithTheWholeSidesIndicators() {
        Side side = new Side();
        QueueHeads heads = new QueueHeads(side, AdlRanking.BINANCE, new Ticking());
        QueueHeads.Head head = heads.head("BTCUSDT", true, AdlHeadTest.MARK);
        assertThat(head.entries()).containsExactlyElementsOf(AdlQueue.rank(side.candidates, AdlRanking.BINANCE)
                .subList(0, QueueHeads.DEPTH));
        assertThat(head.sideSize()).isEqualTo(1500);
        assertThat(head.readAt()).isEqualTo(T0);
    }

    @Test
    void aHeadIsReadOncePerSideAndMarkWithinItsAgeThenAgain() {
        Side side = new Side();
        Ticking clock = new Ticking();
        QueueHeads heads = new QueueHeads(side, AdlRanking.BITMEX, clock);
        QueueHeads.Head first = heads.head("BTCUSDT", true, new BigDecimal("60000"));
        clock.now = T0.plus(QueueHeads.MAX_AGE).minusMillis(1);
        assertThat(heads.head("BTCUSDT", true, new BigDecimal("60000.00"))).isSameAs(first);
        assertThat(side.reads).isEqualTo(1);

        heads.head("BTCUSDT", false, new BigDecimal("60000"));
        heads.head("BTCUSDT", true, new BigDecimal("60000.5"));
        heads.head("ETHUSDT", true, new BigDecimal("60000"));
        assertThat(side.reads).as("another side, mark or symbol").isEqualTo(4);

        side.candidates.remove(0);
        clock.now = T0.plus(QueueHeads.MAX_AGE);
        QueueHeads.Head again = heads.head("BTCUSDT", true, new BigDecimal("60000"));
        assertThat(side.reads).isEqualTo(5);
        assertThat(again.sideSize()).isEqualTo(1499);
        assertThat(again.readAt()).isEqualTo(T0.plus(Duration.ofSeconds(5)));
    }
}
