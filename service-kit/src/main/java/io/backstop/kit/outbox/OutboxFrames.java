package io.backstop.kit.outbox;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The events of one transaction as one outbox row ({@code outbox_batch.events}): a format byte, the count, then each
 * event's topic, record key, trace context (empty when none) and payload, length-prefixed, in append order. The relay
 * decodes it back into the records it publishes, so the payload bytes are the ones the decider encoded.
 *
 * <p>Written here rather than with a serialisation library: four fields with a length each, read only by the kit's own
 * relay, need no schema language, and the payload is already the encoded envelope (docs/performance.md).
 */
public final class OutboxFrames {

    /** One event as the relay publishes it. {@code traceParent} is null when the work was not traced. */
    public record Frame(String topic, String key, String traceParent, byte[] payload) {
    }

    private static final byte FORMAT = 1;

    private OutboxFrames() {
    }

    public static byte[] encode(List<Frame> frames) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("an outbox row holds at least one event");
        }
        int size = 5;
        for (Frame frame : frames) {
            size += frame.payload().length + 64;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeInt(frames.size());
            for (Frame frame : frames) {
                out.writeUTF(frame.topic());
                out.writeUTF(frame.key());
                out.writeUTF(frame.traceParent() == null ? "" : frame.traceParent());
                out.writeInt(frame.payload().length);
                out.write(frame.payload());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    public static List<Frame> decode(byte[] row) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(row))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("outbox row in format " + format + ", this version reads " + FORMAT);
            }
            int count = in.readInt();
            List<Frame> frames = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String topic = in.readUTF();
                String key = in.readUTF();
                String trace = in.readUTF();
                byte[] payload = new byte[in.readInt()];
                in.readFully(payload);
                frames.add(new Frame(topic, key, trace.isEmpty() ? null : trace, payload));
            }
            if (in.available() > 0) {
                throw new IllegalStateException("outbox row has " + in.available() + " bytes after its " + count
                        + " events");
            }
            return frames;
        } catch (IOException e) {
            throw new IllegalStateException("outbox row cut short: " + e.getMessage(), e);
        }
    }
}
