package io.backstop.lab;

import static io.backstop.lab.CliRefusal.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** `./backstop settle` refuses readings it could never finish before reaching the platform: exit 2, saying why. */
class SettleOptionsTest {

    @Test
    void aZeroIntervalOrQuietPeriodAndATimeoutShorterThanTheQuietPeriodAreRefused() {
        assertThat(refusal("settle", "--every", "0s")).contains("--every and --quiet must be positive")
                .contains("got 0 s, 30 s and 3600 s");
        assertThat(refusal("settle", "--quiet", "0")).contains("got 10 s, 0 s and 3600 s");
        assertThat(refusal("settle", "--quiet", "2m", "--timeout", "1m"))
                .contains("--timeout at least --quiet, got 10 s, 120 s and 60 s");
        assertThat(refusal("settle", "--every", "soon")).contains("'soon' is not a time like 90s");
    }
}
