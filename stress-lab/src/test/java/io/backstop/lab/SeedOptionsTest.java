package io.backstop.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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

    private static String refusal(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BackstopCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
        assertThat(out.toString()).as("nothing on stdout").isEmpty();
        return err.toString();
    }
}
