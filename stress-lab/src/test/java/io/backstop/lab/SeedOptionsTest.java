package io.backstop.lab;

import static io.backstop.lab.CliRefusal.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** `./backstop seed` refuses what it cannot seed before starting anything: on stderr, with the reason, exit 2. */
class SeedOptionsTest {

    @Test
    void countsThatCannotMakeAnAccountBaseAreRefusedOnStderrSayingWhy() {
        assertThat(refusal("seed", "--accounts", "0")).contains("must be positive");
        assertThat(refusal("seed", "--accounts", "10", "--positions", "5")).contains("--positions (5) must be at least"
                + " --accounts (10)");
        assertThat(refusal("seed", "--accounts", "10", "--positions", "20", "--replace", "--resume"))
                .contains("--replace and --resume exclude each other");
    }
}
