package io.backstop.lab;

import static io.backstop.lab.CliRefusal.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `./backstop load` refuses prices it cannot tick before reaching the platform: on stderr, saying why, exit 2. */
class LoadOptionsTest {

    @Test
    void pricesTheLoadCannotTickAreRefusedOnStderrSayingWhy() {
        assertThat(refusal("load", "--price-only", "BTC,XRP")).contains("backstop load: --price-only: 'XRP' is not an"
                + " asset the load prices; choose from BTC, ETH, SOL, BNB, USDC, USDE, WBETH");
        assertThat(refusal("load", "--price-only", "WBETH")).contains("WBETH is priced as ETH x its staking rate");
        assertThat(refusal("load", "--price", "BTC=-1")).contains("--price BTC=-1: the price must be positive");
        assertThat(refusal("load", "--price-only", "BTC", "--price", "ETH=3000"))
                .contains("ETH is not priced in this run (--price-only BTC)");
        assertThat(refusal("load", "--duration", "0s")).contains("--duration must be positive");
    }

    @Test
    void theHelpNamesBothPriceOptions() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BackstopCli()).setOut(new PrintWriter(out));
        assertThat(cli.execute("load", "--help")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--price-only=ASSET").contains("--price=ASSET=USDT")
                .contains("a partial price outage").contains("WBETH as ETH x its staking rate (published too)");
    }
}
