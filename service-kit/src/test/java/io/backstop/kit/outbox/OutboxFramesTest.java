package io.backstop.kit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One transaction's events as one outbox row, and back, byte for byte. */
class OutboxFramesTest {

    private static OutboxFrames.Frame frame(String topic, String key, String trace, String payload) {
        return new OutboxFrames.Frame(topic, key, trace, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRowDecodesToItsEventsInAppendOrderWithTheirPayloadBytes() {
        byte[] big = new byte[70_000]; // past writeUTF's 64 KB: a payload is length-prefixed as an int
        Arrays.fill(big, (byte) 'x');
        List<OutboxFrames.Frame> frames = List.of(
                frame("liquidation.orders", "BTCUSDT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                        "{\"n\":1}"),
                frame("liquidation.fills", "acc-7", null, "{\"n\":2,\"name\":\"Zoë €\"}"),
                new OutboxFrames.Frame("insurance.contributions", "", null, big));

        List<OutboxFrames.Frame> decoded = OutboxFrames.decode(OutboxFrames.encode(frames));

        assertThat(decoded).hasSize(3);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(decoded.get(i).topic()).isEqualTo(frames.get(i).topic());
            assertThat(decoded.get(i).key()).isEqualTo(frames.get(i).key());
            assertThat(decoded.get(i).traceParent()).isEqualTo(frames.get(i).traceParent());
            assertThat(decoded.get(i).payload()).isEqualTo(frames.get(i).payload());
        }
    }

    @Test
    void aRowHoldsAtLeastOneEvent() {
        assertThatThrownBy(() -> OutboxFrames.encode(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRowCutShortOrWithBytesAfterItsEventsOrInAnotherFormatIsRefusedNotHalfRead() {
        byte[] row = OutboxFrames.encode(List.of(frame("t", "k", null, "{\"a\":1}")));

        assertThatThrownBy(() -> OutboxFrames.decode(Arrays.copyOf(row, row.length - 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> OutboxFrames.decode(Arrays.copyOf(row, row.length + 2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 bytes after its 1 events");
        byte[] other = row.clone();
        other[0] = 9;
        assertThatThrownBy(() -> OutboxFrames.decode(other))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("format 9");
    }
}
