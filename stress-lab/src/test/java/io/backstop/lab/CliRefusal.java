package io.backstop.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** A command line the CLI refuses before starting anything: exit 2, nothing on stdout, the reason on stderr. */
final class CliRefusal {

    private CliRefusal() {
    }

    /** Runs {@code args}, checks that they are refused, and returns what the CLI wrote on stderr. */
    static String refusal(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BackstopCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
        assertThat(out.toString()).as("nothing on stdout").isEmpty();
        return err.toString();
    }
}
