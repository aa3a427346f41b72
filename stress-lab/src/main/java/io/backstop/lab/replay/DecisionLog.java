package io.backstop.lab.replay;

import io.backstop.events.EventEnvelope;
import io.backstop.events.oracle.OraclePricePublished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Every decision the platform published during a replay, one line each, in the order the replay read them,
 * in a form that does not depend on the run: times as simulated milliseconds from the shock, account ids
 * without the run's name, no event or order ids (they are random or derived from random ones), decimals
 * without trailing zeros. Two runs of the same scenario, seed and options decided the same exactly when their
 * logs are equal; the {@link #digest()} says so in one word, and the log itself (written when a writer is
 * given) shows where two runs parted. Used by the replay's thread only.
 */
final class DecisionLog {

    private final Instant t0;
    private final String runPrefix;
    private final MessageDigest sha;
    private Writer writer;
    private long lines;

    DecisionLog(Instant t0, String run) {
        this.t0 = t0;
        this.runPrefix = run + "-";
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Also writes each line to {@code out} (closed by the caller). */
    void writeTo(Writer out) {
        this.writer = out;
    }

    void record(EventEnvelope<?> event) {
        StringBuilder line = new StringBuilder();
        line.append(time(event.occurredAt())).append(' ').append(event.type().wireName()).append(' ');
        if (event.payload() instanceof OraclePricePublished p) {
            line.append(p.symbol()).append(" index=").append(plain(p.indexPrice())).append(" mark=")
                    .append(plain(p.markPrice())).append(" status=").append(p.status());
        } else {
            canonical(line, event.payload());
        }
        String text = line.append('\n').toString();
        sha.update(text.getBytes(StandardCharsets.UTF_8));
        lines++;
        if (writer != null) {
            try {
                writer.write(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    long lines() {
        return lines;
    }

    /** The first 16 hex digits of the SHA-256 of every line so far. */
    String digest() {
        try {
            MessageDigest copy = (MessageDigest) sha.clone();
            return HexFormat.of().formatHex(copy.digest()).substring(0, 16);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String time(Instant at) {
        long ms = Duration.between(t0, at).toMillis();
        return String.format("T%+d.%03d", ms / 1000, Math.abs(ms % 1000));
    }

    private void canonical(StringBuilder b, Object value) {
        if (value == null) {
            b.append('-');
        } else if (value instanceof UUID) {
            b.append('#');
        } else if (value instanceof BigDecimal d) {
            b.append(plain(d));
        } else if (value instanceof Instant i) {
            b.append(time(i));
        } else if (value instanceof String s) {
            b.append(s.replace(runPrefix, ""));
        } else if (value instanceof Map<?, ?> m) {
            b.append('{');
            new java.util.TreeMap<>(m).forEach((k, v) -> {
                canonical(b, k);
                b.append('=');
                canonical(b, v);
                b.append(' ');
            });
            b.append('}');
        } else if (value instanceof List<?> list) {
            b.append('[');
            list.forEach(v -> {
                canonical(b, v);
                b.append(' ');
            });
            b.append(']');
        } else if (value instanceof Record r) {
            b.append('(');
            for (var component : r.getClass().getRecordComponents()) {
                try {
                    Object v = component.getAccessor().invoke(r);
                    if (!(v instanceof UUID)) {
                        b.append(component.getName()).append('=');
                        canonical(b, v);
                        b.append(' ');
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            b.append(')');
        } else {
            b.append(value);
        }
    }

    private static String plain(BigDecimal d) {
        return d == null ? "-" : d.stripTrailingZeros().toPlainString();
    }
}
