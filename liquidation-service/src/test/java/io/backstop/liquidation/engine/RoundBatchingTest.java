package io.backstop.liquidation.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RoundBatchingTest {

    private final RoundBatching batching = new RoundBatching(200, Duration.ofMillis(2));

    @Test
    void aRoundInABurstThatIsNotFullWaitsForMore() {
        assertThat(batching.waits(30, 2)).isTrue();
        assertThat(batching.waits(1, 200)).isTrue();
        assertThat(batching.waits(199, 57)).isTrue();
    }

    @Test
    void aLoneCallAtAModerateRateIsTakenAtOnce() {
        // the last round took one (or none): no burst under way, so call -> order never waits
        assertThat(batching.waits(1, 1)).isFalse();
        assertThat(batching.waits(3, 1)).isFalse();
        assertThat(batching.waits(1, 0)).isFalse();
    }

    @Test
    void aFullOrEmptyRoundNeverWaits() {
        assertThat(batching.waits(200, 200)).isFalse();
        assertThat(batching.waits(0, 200)).isFalse();
    }

    @Test
    void noLingerNeverWaits() {
        RoundBatching off = new RoundBatching(200, Duration.ZERO);
        assertThat(off.waits(30, 2)).isFalse();
        assertThat(off.waits(1, 200)).isFalse();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new RoundBatching(0, Duration.ofMillis(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch size");
        assertThatThrownBy(() -> new RoundBatching(200, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linger");
    }
}
