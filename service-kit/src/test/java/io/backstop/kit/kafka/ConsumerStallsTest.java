package io.backstop.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.dao.TransientDataAccessResourceException;

class ConsumerStallsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ConsumerStalls stalls = new ConsumerStalls(now::get, Duration.ofSeconds(70));

    private void after(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aPartitionFailingAgainAndAgainIsStalledSinceItsFirstFailureWithItsLastError() {
        stalls.failed("prices-0", new TransientDataAccessResourceException("database unavailable"));
        after(Duration.ofSeconds(20));
        stalls.failed("prices-0", new IllegalStateException("wrapped", new java.net.ConnectException("refused")));
        after(Duration.ofSeconds(5));

        assertThat(stalls.longest()).hasValueSatisfying(s -> {
            assertThat(s.partition()).isEqualTo("prices-0");
            assertThat(s.lasting()).isEqualTo(Duration.ofSeconds(25));
            assertThat(s.failures()).isEqualTo(2);
            assertThat(s.lastError()).isEqualTo("ConnectException: refused");
        });
    }

    @Test
    void aSuccessOrADeadLetterEndsTheStall() {
        stalls.failed("prices-0", new IllegalStateException("a fault"));
        stalls.failed("fills-3", new IllegalStateException("a fault"));
        stalls.movedOn("prices-0");

        assertThat(stalls.longest()).map(ConsumerStalls.Stall::partition).contains("fills-3");
        stalls.movedOn("fills-3");
        assertThat(stalls.longest()).isEmpty();
    }

    @Test
    void theLongestStallIsTheOneThatBeganFirst() {
        stalls.failed("fills-3", new IllegalStateException("a fault"));
        after(Duration.ofSeconds(10));
        stalls.failed("prices-0", new IllegalStateException("a fault"));
        stalls.failed("fills-3", new IllegalStateException("again"));

        assertThat(stalls.longest()).map(ConsumerStalls.Stall::partition).contains("fills-3");
        assertThat(stalls.longest()).map(ConsumerStalls.Stall::lasting).contains(Duration.ofSeconds(10));
    }

    @Test
    void aPartitionThatStoppedFailingWithoutASuccessSeenIsNoLongerStalledOnceQuiet() {
        // taken away by a rebalance, say: no success is reported, and no failure either
        stalls.failed("prices-0", new IllegalStateException("a fault"));
        after(Duration.ofSeconds(70));
        assertThat(stalls.longest()).as("quiet for exactly the limit: still failing").isPresent();
        after(Duration.ofMillis(1));
        assertThat(stalls.longest()).isEmpty();

        // failing again after a quiet spell is a new stall, counted from then
        stalls.failed("prices-0", new IllegalStateException("a fault"));
        after(Duration.ofSeconds(3));
        assertThat(stalls.longest()).map(ConsumerStalls.Stall::lasting).contains(Duration.ofSeconds(3));
        assertThat(stalls.longest()).map(ConsumerStalls.Stall::failures).contains(1);
    }

    @Test
    void aLongErrorIsCutForTheHealthDetails() {
        stalls.failed("prices-0", new IllegalStateException("x".repeat(10_000)));

        assertThat(stalls.longest().orElseThrow().lastError()).hasSizeLessThan(300).endsWith("…");
        assertThatThrownBy(() -> new ConsumerStalls(now::get, Duration.ZERO)).hasMessageContaining("quietAfter");
    }
}
