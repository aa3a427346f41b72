package io.backstop.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TokenTtlTest {

    @Test
    void aTtlIsANumberOfSecondsMinutesHoursOrDaysUpToThirtyDays() {
        assertThat(TokenTtl.parse("90s")).contains(Duration.ofSeconds(90));
        assertThat(TokenTtl.parse("30m")).contains(Duration.ofMinutes(30));
        assertThat(TokenTtl.parse(" 1h ")).contains(Duration.ofHours(1));
        assertThat(TokenTtl.parse("30d")).contains(Duration.ofDays(30));
        assertThat(TokenTtl.parse("31d")).isEmpty();
        assertThat(TokenTtl.parse("0h")).isEmpty();
        assertThat(TokenTtl.parse("-1h")).isEmpty();
        assertThat(TokenTtl.parse("1w")).isEmpty();
        assertThat(TokenTtl.parse("PT1H")).isEmpty();
        assertThat(TokenTtl.parse(null)).isEmpty();
    }

    @Test
    void theTokenCommandRefusesAnUnknownRoleATraderWithoutAccountAndABadTtlSayingWhy() {
        assertThat(refusal("token", "--role", "root")).contains("unknown role 'root'");
        assertThat(refusal("token", "--role", "trader")).contains("--account");
        assertThat(refusal("token", "--role", "operator", "--account", "alice")).contains("trader token only");
        assertThat(refusal("token", "--role", "operator", "--ttl", "1y")).contains("--ttl");
    }

    private static String refusal(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BackstopCli()).setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
        return err.toString();
    }
}
