package io.backstop.lab;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A token's time to live as people write it: {@code 90s}, {@code 30m}, {@code 1h}, {@code 7d}; at most 30 days. */
final class TokenTtl {

    static final Duration MAX = Duration.ofDays(30);
    private static final Pattern TTL = Pattern.compile("([1-9][0-9]{0,6})([smhd])");

    private TokenTtl() {
    }

    /** The duration {@code text} names, or empty when it is not one (or is longer than {@link #MAX}). */
    static Optional<Duration> parse(String text) {
        Matcher m = TTL.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        Duration ttl = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return ttl.compareTo(MAX) <= 0 ? Optional.of(ttl) : Optional.empty();
    }
}
