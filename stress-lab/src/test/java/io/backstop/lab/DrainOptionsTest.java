package io.backstop.lab;

import static io.backstop.lab.CliRefusal.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** `./backstop drain` refuses bursts it cannot run before reaching the platform: on stderr, saying why, exit 2. */
class DrainOptionsTest {

    @Test
    void anEmptyBurstNoMeasuredDrainAndANegativeWarmUpAreRefused() {
        assertThat(refusal("drain", "--calls", "0")).contains("--calls and --repeat must be at least 1");
        assertThat(refusal("drain", "--repeat", "0")).contains("got 20000, 0 and 0");
        assertThat(refusal("drain", "--warmup", "-1")).contains("--warmup at least 0, got 20000, 1 and -1");
    }
}
