package io.backstop.lab.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.backstop.events.Topic;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawRecordsTest {

    @Test
    void aTopicIsNamedAsTheLocalPlatformCreatesIt() {
        assertThat(RawRecords.topic("market.ticks")).contains(Topic.MARKET_TICKS);
        assertThat(RawRecords.topic("market.ticks.dlq")).isEmpty();
        assertThat(RawRecords.topic("ticks")).isEmpty();
    }

    @Test
    void aTopicBackstopDoesNotHaveIsRefusedWithTheOnesItHasBeforeAnythingIsSent() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // nothing listens there: a refusal that tried to connect first would hang or fail otherwise
        int exit = new RawRecords("127.0.0.1:1", new PrintStream(out, true, StandardCharsets.UTF_8))
                .publish("market.tick", "BTC", "{}", new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no topic 'market.tick'", "market.ticks",
                "liquidation.executions");
    }
}
